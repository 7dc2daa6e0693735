/* ops.c -- the sim device's copies and ops: each becomes a queue command
 * that untags its device pointers and runs the CPU kernel on the queue
 * thread. Copies in and out, reductions and factorizations wait (their
 * results or failures are needed now); GEMM-like ops and fills return at
 * once, as kernel launches do. */
#include <string.h>

#include "core/error.h"
#include "expr/expr_int.h"
#include "sim/sim_int.h"

#define R(p) tdm__sim_real(p)

static tdm_status tdm__run_copy(tdm__simq *q, tdm__simcmd *c) {
  (void)q;
  memcpy(c->a.copy.dst, c->a.copy.src, c->a.copy.bytes);
  return TDM_OK;
}

static tdm_status tdm__run_zero(tdm__simq *q, tdm__simcmd *c) {
  (void)q;
  memset(c->a.copy.dst, 0, c->a.copy.bytes);
  return TDM_OK;
}

tdm_status tdm__sim_zero(void *st, void *p, size_t bytes) {
  tdm__simcmd c = {.run = tdm__run_zero};
  c.a.copy.dst = R(p);
  c.a.copy.bytes = bytes;
  return tdm__simq_async(st, &c);
}

/* Waits: the caller may reuse src as soon as this returns. */
tdm_status tdm__sim_h2d(void *st, void *dst, const void *src, size_t bytes) {
  tdm__simcmd c = {.run = tdm__run_copy};
  c.a.copy.dst = R(dst);
  c.a.copy.src = src;
  c.a.copy.bytes = bytes;
  return tdm__simq_wait(st, &c);
}

/* Waits for every queue of the device first (a lane may have written src),
 * as a CUDA copy on the legacy default stream does. */
tdm_status tdm__sim_d2h(void *st, void *dst, const void *src, size_t bytes) {
  tdm__simdev_drain(((tdm__simq *)st)->dev);
  tdm__simcmd c = {.run = tdm__run_copy};
  c.a.copy.dst = dst;
  c.a.copy.src = R(src);
  c.a.copy.bytes = bytes;
  return tdm__simq_wait(st, &c);
}

tdm_status tdm__sim_d2d(void *st, void *dst, const void *src, size_t bytes) {
  tdm__simcmd c = {.run = tdm__run_copy};
  c.a.copy.dst = R(dst);
  c.a.copy.src = R(src);
  c.a.copy.bytes = bytes;
  return tdm__simq_async(st, &c);
}

static tdm_status tdm__run_reduce(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_reduce(&q->cpu, c->a.red.dt, c->a.red.x, c->a.red.n, c->a.red.need,
                         c->a.red.out);
}

/* out is host memory: only the moments come back. */
tdm_status tdm__sim_reduce(void *st, tdm_dtype dt, const void *x, size_t n, unsigned need,
                           tdm__moments *out) {
  tdm__simcmd c = {.run = tdm__run_reduce};
  c.a.red.dt = dt;
  c.a.red.x = R(x);
  c.a.red.n = n;
  c.a.red.need = need;
  c.a.red.out = out;
  return tdm__simq_wait(st, &c);
}

static tdm_status tdm__run_group(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_group_reduce(&q->cpu, c->a.grp.dt, c->a.grp.x, c->a.grp.g, c->a.grp.n,
                               c->a.grp.G, c->a.grp.op, c->a.grp.out);
}

/* Waits: a bad group id is reported by this call. */
tdm_status tdm__sim_group_reduce(void *st, tdm_dtype dt, const void *x, const int32_t *g, size_t n,
                                 size_t G, tdm_reduce_op op, double *out) {
  tdm__simcmd c = {.run = tdm__run_group};
  c.a.grp.dt = dt;
  c.a.grp.x = R(x);
  c.a.grp.g = R(g);
  c.a.grp.n = n;
  c.a.grp.G = G;
  c.a.grp.op = op;
  c.a.grp.out = R(out);
  return tdm__simq_wait(st, &c);
}

static tdm_status tdm__run_gemm(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_gemm(&q->cpu, c->a.gemm.dt, c->a.gemm.ta, c->a.gemm.tb, c->a.gemm.m,
                       c->a.gemm.n, c->a.gemm.k, c->a.gemm.alpha, c->a.gemm.A, c->a.gemm.lda,
                       c->a.gemm.B, c->a.gemm.ldb, c->a.gemm.beta, c->a.gemm.C, c->a.gemm.ldc);
}

tdm_status tdm__sim_gemm(void *st, tdm_dtype dt, tdm_trans ta, tdm_trans tb, size_t m, size_t n,
                         size_t k, double alpha, const void *A, size_t lda, const void *B,
                         size_t ldb, double beta, void *C, size_t ldc) {
  tdm__simcmd c = {.run = tdm__run_gemm};
  c.a.gemm.dt = dt;
  c.a.gemm.ta = ta;
  c.a.gemm.tb = tb;
  c.a.gemm.m = m;
  c.a.gemm.n = n;
  c.a.gemm.k = k;
  c.a.gemm.alpha = alpha;
  c.a.gemm.A = R(A);
  c.a.gemm.lda = lda;
  c.a.gemm.B = R(B);
  c.a.gemm.ldb = ldb;
  c.a.gemm.beta = beta;
  c.a.gemm.C = R(C);
  c.a.gemm.ldc = ldc;
  return tdm__simq_async(st, &c);
}

static tdm_status tdm__run_crossprod(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_crossprod(&q->cpu, c->a.xp.dt, c->a.xp.n, c->a.xp.p, c->a.xp.X, c->a.xp.ldx,
                            c->a.xp.C, c->a.xp.ldc);
}

tdm_status tdm__sim_crossprod(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                              size_t ldx, void *C, size_t ldc) {
  tdm__simcmd c = {.run = tdm__run_crossprod};
  c.a.xp.dt = dt;
  c.a.xp.n = n;
  c.a.xp.p = p;
  c.a.xp.X = R(X);
  c.a.xp.ldx = ldx;
  c.a.xp.C = R(C);
  c.a.xp.ldc = ldc;
  return tdm__simq_async(st, &c);
}

static tdm_status tdm__run_chol(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_cholesky(&q->cpu, c->a.la.dt, c->a.la.n, c->a.la.A, c->a.la.lda);
}

/* Waits: "not positive definite" is this call's answer. */
tdm_status tdm__sim_cholesky(void *st, tdm_dtype dt, size_t n, void *A, size_t lda) {
  tdm__simcmd c = {.run = tdm__run_chol};
  c.a.la.dt = dt;
  c.a.la.n = n;
  c.a.la.A = R(A);
  c.a.la.lda = lda;
  return tdm__simq_wait(st, &c);
}

static tdm_status tdm__run_solve(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_solve_spd(&q->cpu, c->a.la.dt, c->a.la.n, c->a.la.nrhs, c->a.la.A, c->a.la.lda,
                            c->a.la.B, c->a.la.ldb);
}

tdm_status tdm__sim_solve_spd(void *st, tdm_dtype dt, size_t n, size_t nrhs, void *A, size_t lda,
                              void *B, size_t ldb) {
  tdm__simcmd c = {.run = tdm__run_solve};
  c.a.la.dt = dt;
  c.a.la.n = n;
  c.a.la.nrhs = nrhs;
  c.a.la.A = R(A);
  c.a.la.lda = lda;
  c.a.la.B = R(B);
  c.a.la.ldb = ldb;
  return tdm__simq_wait(st, &c);
}

static tdm_status tdm__run_eval(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_eval(&q->cpu, c->a.ev.prog, &c->a.ev.args);
}

static void tdm__release_prog(void *p) { tdm__prog_release(p); }

/* The queued command holds a reference on prog: the caller may destroy
 * its expression (or the cache evict it) as soon as this returns. */
tdm_status tdm__sim_eval(void *st, const tdm__prog *prog, const tdm__eval_args *a) {
  tdm__prog_retain((tdm__prog *)prog);
  tdm__simcmd c = {.run = tdm__run_eval, .release = tdm__release_prog, .obj = (void *)prog};
  c.a.ev.prog = prog;
  c.a.ev.args = *a;
  c.a.ev.args.out = R(a->out);
  for (int i = 0; i < a->nin && i < TDM__MAX_INPUTS; i++) c.a.ev.args.in[i] = R(a->in[i]);
  return tdm__simq_async(st, &c);
}

static tdm_status tdm__run_rng(tdm__simq *q, tdm__simcmd *c) {
  return tdm__cpu_rng_fill(&q->cpu, &c->a.rng.req, c->a.rng.out);
}

tdm_status tdm__sim_rng_fill(void *st, const tdm__rng_req *req, void *out) {
  tdm__simcmd c = {.run = tdm__run_rng};
  c.a.rng.req = *req;
  c.a.rng.out = R(out);
  return tdm__simq_async(st, &c);
}
