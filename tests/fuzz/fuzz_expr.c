/* fuzz_expr.c -- libFuzzer target for the expression compiler (scripts/fuzz.sh
 * builds and runs it with clang -fsanitize=fuzzer,address,undefined).
 * The input is the source text over inputs "x, y, z"; input starting with
 * '@' carries its own inputs list up to the first ';'. Every program that
 * compiles is checked for well-formed bytecode, turned into CUDA C, and
 * run by the CPU kernel on 37 elements (the vector path and the tail). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "expr/codegen.h"
#include "expr/expr_int.h"

#define N 37

static void check(int ok) {
  if (!ok) abort(); /* the fuzzer reports it with the input */
}

static void well_formed(const tdm__prog *p) {
  check(p->ncode >= 1 && p->nregs >= 1 && p->nregs <= TDM__EXPR_MAX_REGS);
  for (int i = 0; i < p->ncode; i++) {
    const tdm__ins *in = &p->code[i];
    int ar = tdm__op_arity(in->op);
    check(in->op < TDM__OP_COUNT && in->dst < p->nregs && ar == tdm__ins_arity(in->op));
    check(in->flags == 0 || (ar == 2 && (in->flags == TDM__K_A || in->flags == TDM__K_B)));
    if (in->op == TDM__OP_LOAD) check(in->k < p->nin && (p->used >> in->k & 1));
    if (in->op == TDM__OP_CONST || in->flags) check(in->k < p->nconst);
    const uint8_t r[3] = {in->a, in->b, in->c};
    for (int j = 0; j < ar; j++)
      if (!((j == 0 && (in->flags & TDM__K_A)) || (j == 1 && (in->flags & TDM__K_B))))
        check(r[j] < p->nregs);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  const char *src = buf, *inputs = "x, y, z";
  if (size > 0 && buf[0] == '@') {
    char *semi = strchr(buf, ';');
    if (semi) {
      *semi = '\0';
      inputs = buf + 1;
      src = semi + 1;
    }
  }
  tdm__prog *p = NULL;
  tdm_status s = tdm__prog_compile("fuzz", src, inputs, &p);
  if (s != TDM_OK) {
    check(p == NULL && strncmp(tdm_last_error(), "fuzz: ", 6) == 0);
    check(s == TDM_ERR_PARSE || s == TDM_ERR_INVALID);
    free(buf);
    return 0;
  }
  well_formed(p);
  tdm_dtype dt[TDM__MAX_INPUTS];
  int sc[TDM__MAX_INPUTS];
  static double vals[TDM__MAX_INPUTS][N];
  static double out[N];
  tdm__eval_args a = {0};
  a.out = out;
  a.out_dt = TDM_F64;
  a.n = N;
  a.nin = p->nin;
  for (int k = 0; k < p->nin; k++) {
    dt[k] = TDM_F64;
    sc[k] = k == 1; /* the second input broadcasts */
    for (int i = 0; i < N; i++) vals[k][i] = (double)(i - 18) * 0.37 + k;
    a.in[k] = vals[k];
    a.in_dt[k] = TDM_F64;
    a.in_n[k] = sc[k] ? 1 : N;
  }
  char *cu = tdm__expr_cuda_source(p, TDM_F64, p->nin, dt, sc);
  check(cu && strstr(cu, "tdm_expr_kernel"));
  tdm__free(cu);
  tdm__cpu cpu = {1};
  check(tdm__cpu_eval(&cpu, p, &a) == TDM_OK);
  if (p->ncode == 1 && p->code[0].op == TDM__OP_CONST) { /* folded: every element the constant */
    double k = p->consts[p->code[0].k];
    for (int i = 0; i < N; i++) check(isnan(k) ? isnan(out[i]) : memcmp(&out[i], &k, 8) == 0);
  }
  tdm__prog_release(p);
  free(buf);
  return 0;
}
