/* test_expr_parse.c -- the expression compiler: every kind of parse error
 * with its column and a caret under the problem; inputs-list errors; no
 * input however long, deep or malformed crashes or hangs; constant
 * folding, identities and common-subexpression elimination in the
 * emitted program. */
#include <stdio.h>

#include "expr/expr_int.h"
#include "expr_check.h"

/* Compiling src must fail with TDM_ERR_PARSE naming col, containing what,
 * with the caret line pointing at src[col-1]. */
static void perr(const char *src, const char *inputs, int col, const char *what) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 1);
  tdm_expr *e = (tdm_expr *)1;
  tdm_status s = tdm_expr_compile(ctx, src, inputs, &e);
  const char *m = tdm_last_error();
  cr_assert_eq(s, TDM_ERR_PARSE, "\"%s\": %s (%s)", src, tdm_status_name(s), m);
  cr_assert_null(e);
  char at[48];
  snprintf(at, sizeof at, " at column %d\n", col);
  cr_assert(strncmp(m, "tdm_expr_compile: ", 18) == 0, "%s", m);
  cr_assert(strstr(m, at), "\"%s\": wanted column %d: %s", src, col, m);
  cr_assert(strstr(m, what), "\"%s\": wanted '%s': %s", src, what, m);
  /* line 2 shows the source (maybe a window), line 3 the caret */
  const char *l2 = strchr(m, '\n'), *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
  cr_assert(l2 && l3, "no source/caret lines: %s", m);
  const char *caret = strchr(l3 + 1, '^');
  cr_assert(caret && !strchr(caret + 1, '\n'), "%s", m);
  size_t off = (size_t)(caret - (l3 + 1)); /* same indent on both lines */
  cr_assert_lt(off, (size_t)(l3 - (l2 + 1)) + 1, "caret beyond the line: %s", m);
  size_t len = strlen(src);
  if ((size_t)col <= len) {
    char shown = l2[1 + off], want = src[col - 1];
    if (want == '\n' || want == '\t' || (unsigned char)want < 32 || (unsigned char)want > 126)
      want = want == '\n' || want == '\t' ? ' ' : '?';
    cr_assert_eq(shown, want, "caret under '%c', not '%c': %s", shown, want, m);
  }
  tdm_ctx_destroy(ctx);
}

Test(parse, error_kinds_and_columns) {
  perr("fo(x)", "x", 1, "unknown function 'fo'");
  perr("x + yy * 2", "x", 5, "unknown name 'yy' (inputs: x)");
  perr("x", "", 1, "no inputs are declared");
  perr("1 + x(2)", "x", 5, "'x' is an input, not a function");
  perr("exp + 1", "x", 1, "function 'exp' needs its arguments");
  perr("2 * atan2(x)", "x", 5, "function 'atan2' takes 2 arguments, got 1");
  perr("exp()", "x", 1, "takes 1 argument, got 0");
  perr("where(x, 1, 2, 3)", "x", 1, "takes 3 arguments, got 4");
  perr("(x + 1", "x", 7, "missing ')' for the '(' opened at column 1");
  perr("exp(x", "x", 6, "expected ',' or ')' after an argument of 'exp'");
  perr("exp(x;", "x", 6, "unexpected character ';'");
  perr("x + 1)", "x", 6, "unmatched ')'");
  perr("x 2", "x", 3, "unexpected number '2' after a complete expression");
  perr("x, x", "x", 2, "unexpected ','");
  perr("x * * 2", "x", 5, "expected a number, name, function or '(', got '*'");
  perr("x +", "x", 4, "unexpected end of the expression");
  perr("", "x", 1, "empty expression");
  perr(" \t\n", "x", 4, "empty expression");
  perr("2*()", "x", 4, "empty parentheses");
  perr("x # 1", "x", 3, "unexpected character '#'");
  perr("x\x01", "x", 2, "unexpected byte 0x01");
  perr("x + \xc3\xa9", "x", 5, "unexpected byte 0xc3");
  perr("x = 1", "x", 3, "'=' is not an operator (use '==' to compare)");
  perr("x & 1", "x", 3, "'&' is not an operator");
  perr("x | 1", "x", 3, "'|' is not an operator");
  perr("1 + 1e", "x", 5, "malformed number '1e'");
  perr("1e+ 2", "x", 1, "malformed number '1e+'");
  perr("x*1.2.3", "x", 3, "malformed number '1.2.3'");
  perr("2x", "x", 1, "malformed number '2x'");
  perr("x + .", "x", 5, "malformed number '.'");
  perr("x + 1e400", "x", 5, "number '1e400' is too large for a double");
  perr("x\n  + *", "x", 7, "got '*'"); /* columns count bytes, newlines included */
}

Test(parse, limits) {
  size_t n = 1 << 20;
  char *s = malloc(n + 16);
  memset(s, '(', n); /* a megabyte of '(' */
  strcpy(s + n, "x");
  perr(s, "x", TDM__EXPR_MAX_DEPTH + 1, "nested too deeply");
  for (size_t i = 0; i < 600; i++) s[i] = i % 2 ? ' ' : '-';
  strcpy(s + 600, "x");
  perr(s, "x", 2 * TDM__EXPR_MAX_DEPTH + 1, "nested too deeply");
  for (size_t i = 0; i < 300; i++) memcpy(s + 2 * i, "x^", 2);
  strcpy(s + 600, "x");
  perr(s, "x", 2 * TDM__EXPR_MAX_DEPTH + 2, "nested too deeply"); /* at the 201st '^' */
  for (size_t i = 0; i < n / 2; i++) memcpy(s + 2 * i, "x+", 2); /* 2^19 distinct sums */
  strcpy(s + n, "x");
  perr(s, "x", 2 * TDM__EXPR_MAX_NODES + 2, "expression too large");
  memset(s, '1', 200000); /* a 200000-digit number */
  strcpy(s + 200000, " + x");
  perr(s, "x", 1, "too large for a double");
  /* 70 values live at once: each (x+k) is used by the product and the sum */
  size_t o = 0;
  for (int k = 1; k <= 70; k++) o += (size_t)sprintf(s + o, "%s(x+%d)", k > 1 ? "*" : "", k);
  for (int k = 1; k <= 70; k++) o += (size_t)sprintf(s + o, "+(x+%d)", k);
  perr(s, "x", 1, "expression too complex");
  /* a long source shows a window around the error */
  memset(s, ' ', 5000);
  memcpy(s + 2500, "x + $", 5);
  s[5000] = '\0';
  perr(s, "x", 2505, "unexpected character '$'");
  cr_assert(strstr(tdm_last_error(), "..."), "%s", tdm_last_error());
  free(s);
}

Test(parse, inputs_list_errors) {
  tdm_ctx *ctx = xc_ctx(TDM_CPU, 1);
  tdm_expr *e = NULL;
  static const struct { const char *in, *what; } bad[] = {
      {"x,,y", "'' is not a name"},  {"1x", "'1x' is not a name"}, {"x y", "unexpected 'y'"},
      {"x, x", "'x' is declared twice"}, {"exp", "'exp' is a function name"},
      {"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "more than 16 inputs"}, {"x-1", "unexpected '-'"},
      {"x,", "'' is not a name"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_assert_eq(tdm_expr_compile(ctx, "1", bad[i].in, &e), TDM_ERR_INVALID, "%s", bad[i].in);
    cr_assert(strstr(tdm_last_error(), "tdm_expr_compile: inputs: ") &&
                  strstr(tdm_last_error(), bad[i].what),
              "\"%s\": %s", bad[i].in, tdm_last_error());
  }
  cr_assert_eq(tdm_expr_compile(ctx, "a+p", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", &e), TDM_OK);
  tdm_expr_destroy(e);
  cr_assert_eq(tdm_expr_compile(ctx, "_a1 * B_2", "\t_a1 ,B_2 ", &e), TDM_OK, "%s", tdm_last_error());
  tdm_expr_destroy(e);
  tdm_ctx_destroy(ctx);
}

static tdm__prog *prog(const char *src, const char *inputs) {
  tdm__prog *p = NULL;
  cr_assert_eq(tdm__prog_compile("t", src, inputs, &p), TDM_OK, "%s: %s", src, tdm_last_error());
  return p;
}

static int count_op(const tdm__prog *p, int op) {
  int c = 0;
  for (int i = 0; i < p->ncode; i++) c += p->code[i].op == op;
  return c;
}

Test(parse, folding_and_cse) {
  tdm__prog *p = prog("exp(x) + exp(x)", "x");
  cr_assert_eq(p->ncode, 3); /* load, exp, add */
  cr_assert_eq(count_op(p, TDM__OP_EXP), 1);
  tdm__prog_release(p);
  p = prog("2*3 + x", "x");
  cr_assert_eq(p->ncode, 2);
  cr_assert(p->code[1].op == TDM__OP_ADD && p->code[1].flags && p->consts[p->code[1].k] == 6);
  tdm__prog_release(p);
  p = prog("sin(x)*cos(y) + cos(y)*sin(x)", "x,y"); /* commutative operands share */
  cr_assert_eq(p->ncode, 6, "%d", p->ncode);
  tdm__prog_release(p);
  p = prog("exp(1) * (2 - 2) + log(4)/log(2)", "");
  cr_assert(p->ncode == 1 && p->code[0].op == TDM__OP_CONST && p->consts[p->code[0].k] == 2.0);
  tdm__prog_release(p);
  p = prog("x^2 + x^1 + x^-1 + -(-x) + x*1 + x/1 + x - 0", "x");
  cr_assert_eq(count_op(p, TDM__OP_POW), 0);
  cr_assert_eq(count_op(p, TDM__OP_NEG), 0);
  cr_assert_eq(count_op(p, TDM__OP_LOAD), 1);
  tdm__prog_release(p);
  p = prog("x - (-0.0) + 0*x + x^0.5", "x"); /* not identities in IEEE: kept */
  cr_assert_eq(count_op(p, TDM__OP_SUB), 1);
  cr_assert_eq(count_op(p, TDM__OP_POW), 1);
  cr_assert_eq(count_op(p, TDM__OP_MUL), 1);
  tdm__prog_release(p);
  p = prog("exp(x) + 3*sin(x)", "x");
  cr_assert(p->ncode == 5 && p->nregs <= 3 && p->used == 1, "%d ops, %d regs", p->ncode, p->nregs);
  tdm__prog_release(p);
  p = prog("y", "x, y, z"); /* only used inputs are read */
  cr_assert(p->used == 2 && p->nin == 3);
  tdm__prog_release(p);
  /* a wide balanced tree needs few registers (the bigger side first) */
  char src[4096] = "x";
  for (int lvl = 0; lvl < 6; lvl++) {
    char t[4096];
    int w = snprintf(t, sizeof t, "(%.1000s)*(%.1000s+%d)", src, src, lvl);
    cr_assert_lt(w, (int)sizeof t);
    strcpy(src, t);
  }
  p = prog(src, "x");
  cr_assert_leq(p->nregs, 8, "%d registers", p->nregs);
  tdm__prog_release(p);
}
