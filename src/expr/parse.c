/* parse.c -- the expression language's lexer and recursive-descent parser.
 * Builds the DAG (dag.c) directly. Every error is TDM_ERR_PARSE with the
 * 1-based column and the source with a caret under the problem; recursion
 * is bounded by TDM__EXPR_MAX_DEPTH, so no input can exhaust the stack.
 * Grammar and precedence: docs/expressions.md. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "expr/compile.h"

enum { T_END, T_NUM, T_NAME, T_LP, T_RP, T_COMMA, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_CARET,
       T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE, T_AND, T_OR, T_NOT, T_ERR };

typedef struct tdm__ps {
  const char *fn, *src;
  size_t len, pos;   /* pos: where the next token starts scanning */
  int tok;           /* current token */
  size_t ts, te;     /* its extent in src */
  double num;        /* its value when T_NUM */
  int nin;
  const char *const *names;
  tdm__dag *d;
  int depth;
  tdm_status st;     /* first error */
} tdm__ps;

/* ---- messages ------------------------------------------------------------- */

/* Appends the source (a window around pos when long) and a caret line. */
static void tdm__caret(char *buf, size_t cap, const char *src, size_t len, size_t pos) {
  enum { W = 72 };
  size_t lo = 0, hi = len;
  if (len > W) {
    lo = pos > W / 2 ? pos - W / 2 : 0;
    hi = lo + W < len ? lo + W : len;
  }
  size_t o = strlen(buf);
  int pre = lo > 0;
  o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "\n  %s", pre ? "..." : "");
  for (size_t i = lo; i < hi && o + 1 < cap; i++) {
    unsigned char ch = (unsigned char)src[i];
    buf[o++] = (char)(isprint(ch) ? ch : (ch == '\t' || ch == '\n' || ch == '\r' ? ' ' : '?'));
  }
  if (o < cap) buf[o] = '\0';
  if (hi < len) o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "...");
  o = strlen(buf);
  o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "\n  %*s^", (int)(pos - lo + (pre ? 3 : 0)), "");
}

tdm_status tdm__parse_error(const char *fn, const char *src, size_t pos, const char *msg) {
  char buf[900];
  snprintf(buf, sizeof buf, "%s: %s at column %zu", fn, msg, pos + 1);
  tdm__caret(buf, sizeof buf, src, strlen(src), pos);
  return tdm__err(TDM_ERR_PARSE, "%s", buf);
}

static int tdm__fail(tdm__ps *p, size_t pos, const char *fmt, ...) TDM__PRINTF(3, 4);
static int tdm__fail(tdm__ps *p, size_t pos, const char *fmt, ...) {
  if (p->st != TDM_OK) return -1;
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  p->st = tdm__parse_error(p->fn, p->src, pos, msg);
  return -1;
}

/* A node failure from the DAG: out of memory or too many nodes. */
static int tdm__dag_fail(tdm__ps *p) {
  if (p->st != TDM_OK) return -1;
  if (p->d->nomem) {
    p->st = tdm__err(TDM_ERR_NOMEM, "%s: out of host memory compiling the expression", p->fn);
    return -1;
  }
  return tdm__fail(p, p->ts, "expression too large: more than %d distinct operations",
                   TDM__EXPR_MAX_NODES);
}

/* "')'", "name 'x'", "end of expression" -- what the current token is. */
static const char *tdm__tokdesc(const tdm__ps *p, char *buf, size_t cap) {
  int w = (int)(p->te - p->ts > 32 ? 32 : p->te - p->ts);
  const char *s = p->src + p->ts;
  switch (p->tok) {
  case T_END: return "the end of the expression";
  case T_NUM: snprintf(buf, cap, "number '%.*s'", w, s); break;
  case T_NAME: snprintf(buf, cap, "name '%.*s'", w, s); break;
  default: snprintf(buf, cap, "'%.*s'", w, s); break;
  }
  return buf;
}

/* ---- lexer ---------------------------------------------------------------- */

static int tdm__isname0(int c) { return isalpha(c) || c == '_'; }
static int tdm__isname(int c) { return isalnum(c) || c == '_'; }

/* Converts the literal [s, e) without the locale's decimal point: the
 * digits and a shifted exponent go to strtod as "DDDDe+X". */
static int tdm__number(tdm__ps *p, size_t s, size_t e) {
  char *buf = tdm__malloc(e - s + 32);
  if (!buf) {
    p->st = tdm__err(TDM_ERR_NOMEM, "%s: out of host memory compiling the expression", p->fn);
    return -1;
  }
  size_t o = 0, i = s;
  long shift = 0, ex = 0;
  for (; i < e && isdigit((unsigned char)p->src[i]); i++) buf[o++] = p->src[i];
  if (i < e && p->src[i] == '.')
    for (i++; i < e && isdigit((unsigned char)p->src[i]); i++, shift++) buf[o++] = p->src[i];
  if (i < e) { /* exponent, digits checked by the caller */
    int neg = p->src[++i] == '-';
    if (p->src[i] == '+' || p->src[i] == '-') i++;
    for (; i < e; i++) ex = ex < 100000000 ? ex * 10 + (p->src[i] - '0') : ex;
    if (neg) ex = -ex;
  }
  snprintf(buf + o, 32, "e%ld", ex - shift);
  errno = 0;
  p->num = strtod(buf, NULL);
  int big = errno == ERANGE && (p->num > 1.0 || p->num < -1.0); /* overflow, not underflow */
  tdm__free(buf);
  if (big)
    return tdm__fail(p, s, "number '%.*s' is too large for a double", (int)(e - s > 40 ? 40 : e - s),
                     p->src + s);
  return T_NUM;
}

static int tdm__lex_number(tdm__ps *p, size_t s) {
  const char *c = p->src;
  size_t i = s, nd = 0;
  while (i < p->len && isdigit((unsigned char)c[i])) i++, nd++;
  if (i < p->len && c[i] == '.')
    for (i++; i < p->len && isdigit((unsigned char)c[i]); i++) nd++;
  int bad = nd == 0;
  if (!bad && i < p->len && (c[i] == 'e' || c[i] == 'E')) {
    size_t j = i + 1, ed = 0;
    if (j < p->len && (c[j] == '+' || c[j] == '-')) j++;
    while (j < p->len && isdigit((unsigned char)c[j])) j++, ed++;
    if (ed == 0) bad = 1;
    i = j;
  }
  if (bad || (i < p->len && (tdm__isname(c[i]) || c[i] == '.'))) {
    while (i < p->len && (tdm__isname(c[i]) || c[i] == '.')) i++;
    p->te = i;
    return tdm__fail(p, s, "malformed number '%.*s'", (int)(i - s > 40 ? 40 : i - s), c + s);
  }
  p->te = i;
  return tdm__number(p, s, i) < 0 ? T_ERR : T_NUM;
}

static void tdm__next(tdm__ps *p) {
  const char *c = p->src;
  size_t i = p->pos;
  while (i < p->len && (c[i] == ' ' || c[i] == '\t' || c[i] == '\n' || c[i] == '\r')) i++;
  p->ts = i;
  p->te = i + 1;
  int t = T_ERR;
  if (i >= p->len) {
    t = T_END;
    p->te = i;
  } else if (isdigit((unsigned char)c[i]) || c[i] == '.') {
    t = tdm__lex_number(p, i);
  } else if (tdm__isname0((unsigned char)c[i])) {
    size_t j = i;
    while (j < p->len && tdm__isname((unsigned char)c[j])) j++;
    p->te = j;
    t = T_NAME;
  } else {
    char n = i + 1 < p->len ? c[i + 1] : '\0';
    switch (c[i]) {
    case '(': t = T_LP; break;
    case ')': t = T_RP; break;
    case ',': t = T_COMMA; break;
    case '+': t = T_PLUS; break;
    case '-': t = T_MINUS; break;
    case '*': t = T_STAR; break;
    case '/': t = T_SLASH; break;
    case '^': t = T_CARET; break;
    case '<': t = n == '=' ? T_LE : T_LT; break;
    case '>': t = n == '=' ? T_GE : T_GT; break;
    case '!': t = n == '=' ? T_NE : T_NOT; break;
    case '=':
      if (n == '=') t = T_EQ;
      else tdm__fail(p, i, "'=' is not an operator (use '==' to compare)");
      break;
    case '&':
      if (n == '&') t = T_AND;
      else tdm__fail(p, i, "'&' is not an operator (use '&&')");
      break;
    case '|':
      if (n == '|') t = T_OR;
      else tdm__fail(p, i, "'|' is not an operator (use '||')");
      break;
    default:
      if (isprint((unsigned char)c[i])) tdm__fail(p, i, "unexpected character '%c'", c[i]);
      else tdm__fail(p, i, "unexpected byte 0x%02x", (unsigned char)c[i]);
    }
    if (t == T_LE || t == T_GE || t == T_NE || t == T_EQ || t == T_AND || t == T_OR) p->te = i + 2;
  }
  p->tok = p->st == TDM_OK ? t : T_ERR;
  p->pos = p->te;
}

/* ---- parser --------------------------------------------------------------- */

static int tdm__expr(tdm__ps *p);
static int tdm__unary(tdm__ps *p);

static int tdm__mk(tdm__ps *p, int op, int a, int b, int c, double k) {
  int ar = tdm__op_arity(op);
  if (p->st != TDM_OK || (ar >= 1 && a < 0) || (ar >= 2 && b < 0) || (ar >= 3 && c < 0)) return -1;
  int id = tdm__dag_node(p->d, op, a, b, c, k);
  return id < 0 ? tdm__dag_fail(p) : id;
}

static int tdm__deeper(tdm__ps *p) {
  if (++p->depth > TDM__EXPR_MAX_DEPTH)
    return tdm__fail(p, p->ts, "expression nested too deeply (more than %d levels)",
                     TDM__EXPR_MAX_DEPTH);
  return 0;
}

static int tdm__call(tdm__ps *p, size_t ns, size_t nl) {
  const char *name = p->src + ns;
  int w = (int)(nl > 40 ? 40 : nl), arity = 0;
  int op = tdm__op_lookup(name, nl, &arity);
  if (op < 0) {
    for (int i = 0; i < p->nin; i++)
      if (strlen(p->names[i]) == nl && memcmp(p->names[i], name, nl) == 0)
        return tdm__fail(p, ns, "'%.*s' is an input, not a function", w, name);
    return tdm__fail(p, ns, "unknown function '%.*s'", w, name);
  }
  if (tdm__deeper(p) < 0) return -1;
  size_t lp = p->ts;
  tdm__next(p); /* past '(' */
  int args[3] = {-1, -1, -1}, n = 0;
  if (p->tok != T_RP) {
    for (;;) {
      int a = tdm__expr(p);
      if (a < 0) return -1;
      if (n < 3) args[n] = a;
      n++;
      if (p->tok != T_COMMA) break;
      tdm__next(p);
    }
  }
  char tb[64];
  if (p->tok == T_ERR) return -1;
  if (p->tok != T_RP)
    return tdm__fail(p, p->ts, "expected ',' or ')' after an argument of '%.*s' (opened at column %zu), got %s",
                     w, name, lp + 1, tdm__tokdesc(p, tb, sizeof tb));
  if (n != arity)
    return tdm__fail(p, ns, "function '%.*s' takes %d argument%s, got %d", w, name, arity,
                     arity == 1 ? "" : "s", n);
  tdm__next(p);
  p->depth--;
  return tdm__mk(p, op, args[0], args[1], args[2], 0);
}

static int tdm__primary(tdm__ps *p) {
  char tb[64];
  size_t s = p->ts;
  switch (p->tok) {
  case T_NUM: {
    double v = p->num;
    tdm__next(p);
    return tdm__mk(p, TDM__OP_CONST, -1, -1, -1, v);
  }
  case T_NAME: {
    size_t nl = p->te - p->ts;
    tdm__next(p);
    if (p->tok == T_LP) return tdm__call(p, s, nl);
    const char *name = p->src + s;
    int w = (int)(nl > 40 ? 40 : nl), ar;
    for (int i = 0; i < p->nin; i++)
      if (strlen(p->names[i]) == nl && memcmp(p->names[i], name, nl) == 0)
        return tdm__mk(p, TDM__OP_LOAD, -1, -1, -1, i);
    if (tdm__op_lookup(name, nl, &ar) >= 0)
      return tdm__fail(p, s, "function '%.*s' needs its arguments: %.*s(...)", w, name, w, name);
    if (p->nin == 0) return tdm__fail(p, s, "unknown name '%.*s' (no inputs are declared)", w, name);
    char list[160] = "";
    for (int i = 0; i < p->nin && strlen(list) < 120; i++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", p->names[i]);
    return tdm__fail(p, s, "unknown name '%.*s' (inputs: %s)", w, name, list);
  }
  case T_LP: {
    if (tdm__deeper(p) < 0) return -1;
    tdm__next(p);
    if (p->tok == T_RP) return tdm__fail(p, p->ts, "empty parentheses");
    int e = tdm__expr(p);
    if (e < 0) return -1;
    if (p->tok == T_ERR) return -1;
    if (p->tok != T_RP)
      return tdm__fail(p, p->ts, "missing ')' for the '(' opened at column %zu (got %s)", s + 1,
                       tdm__tokdesc(p, tb, sizeof tb));
    tdm__next(p);
    p->depth--;
    return e;
  }
  case T_ERR: return -1;
  case T_END:
    if (p->ts == 0 || strspn(p->src, " \t\r\n") == p->len)
      return tdm__fail(p, p->ts, "empty expression");
    return tdm__fail(p, p->ts, "unexpected end of the expression: an operand is missing");
  default:
    return tdm__fail(p, s, "expected a number, name, function or '(', got %s",
                     tdm__tokdesc(p, tb, sizeof tb));
  }
}

/* power := primary ('^' unary)?   (right-associative, above unary minus) */
static int tdm__power(tdm__ps *p) {
  int a = tdm__primary(p);
  if (a < 0 || p->tok != T_CARET) return a;
  if (tdm__deeper(p) < 0) return -1;
  tdm__next(p);
  int b = tdm__unary(p);
  p->depth--;
  return tdm__mk(p, TDM__OP_POW, a, b, -1, 0);
}

/* unary := ('-' | '+' | '!') unary | power */
static int tdm__unary(tdm__ps *p) {
  int t = p->tok;
  if (t != T_MINUS && t != T_PLUS && t != T_NOT) return tdm__power(p);
  if (tdm__deeper(p) < 0) return -1;
  tdm__next(p);
  int a = tdm__unary(p);
  p->depth--;
  if (t == T_PLUS) return a;
  return tdm__mk(p, t == T_MINUS ? TDM__OP_NEG : TDM__OP_NOT, a, -1, -1, 0);
}

/* One left-associative level: next (op next)*, ops from a token->op map. */
typedef int (*tdm__level_fn)(tdm__ps *p);
static int tdm__binary(tdm__ps *p, tdm__level_fn next, const int *toks, const int *ops, int nops) {
  int a = next(p);
  for (;;) {
    if (a < 0) return -1;
    int i = 0;
    while (i < nops && toks[i] != p->tok) i++;
    if (i == nops) return a;
    tdm__next(p);
    int b = next(p);
    a = tdm__mk(p, ops[i], a, b, -1, 0);
  }
}

static int tdm__mul(tdm__ps *p) {
  static const int t[] = {T_STAR, T_SLASH}, o[] = {TDM__OP_MUL, TDM__OP_DIV};
  return tdm__binary(p, tdm__unary, t, o, 2);
}
static int tdm__add(tdm__ps *p) {
  static const int t[] = {T_PLUS, T_MINUS}, o[] = {TDM__OP_ADD, TDM__OP_SUB};
  return tdm__binary(p, tdm__mul, t, o, 2);
}
static int tdm__cmp(tdm__ps *p) {
  static const int t[] = {T_LT, T_LE, T_GT, T_GE},
                   o[] = {TDM__OP_LT, TDM__OP_LE, TDM__OP_GT, TDM__OP_GE};
  return tdm__binary(p, tdm__add, t, o, 4);
}
static int tdm__eq(tdm__ps *p) {
  static const int t[] = {T_EQ, T_NE}, o[] = {TDM__OP_EQ, TDM__OP_NE};
  return tdm__binary(p, tdm__cmp, t, o, 2);
}
static int tdm__and(tdm__ps *p) {
  static const int t[] = {T_AND}, o[] = {TDM__OP_AND};
  return tdm__binary(p, tdm__eq, t, o, 1);
}
static int tdm__expr(tdm__ps *p) {
  static const int t[] = {T_OR}, o[] = {TDM__OP_OR};
  return tdm__binary(p, tdm__and, t, o, 1);
}

tdm_status tdm__parse(const char *fn, const char *src, int nin, const char *const names[],
                      tdm__dag *d, int *root) {
  tdm__ps p = {0};
  p.fn = fn;
  p.src = src;
  p.len = strlen(src);
  p.nin = nin;
  p.names = names;
  p.d = d;
  tdm__next(&p);
  int r = tdm__expr(&p);
  if (r >= 0 && p.tok != T_END && p.st == TDM_OK) {
    char tb[64];
    tdm__fail(&p, p.ts, p.tok == T_RP ? "unmatched %s" : "unexpected %s after a complete expression",
              tdm__tokdesc(&p, tb, sizeof tb));
  }
  if (p.st != TDM_OK) return p.st;
  if (r < 0) return tdm__err(TDM_ERR_INTERNAL, "%s: the parser failed without a message", fn);
  *root = r;
  return TDM_OK;
}
