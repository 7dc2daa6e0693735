/* fit.c -- the sim device's model-fitting ops: each packs its (untagged)
 * pointers into a tdm__simq_call and runs the CPU kernel on the queue
 * thread. gemv returns at once, as kernel launches do; the others wait,
 * since a failed work allocation, a singular or a rank-deficient input
 * is this call's answer. */
#include "cpu/fit.h"
#include "sim/sim_int.h"

#define R(p) tdm__sim_real(p)
#define RN(p) ((p) ? tdm__sim_real(p) : NULL)

typedef struct {
  tdm_dtype dt;
  tdm_trans t;
  size_t m, n, k, la, lb, lc, ld, le;
  double alpha, beta;
  const void *A, *B;
  void *C, *D, *E;
} tdm__sim_fit;

static tdm_status tdm__run_gemv(tdm__cpu *c, void *v) {
  tdm__sim_fit *a = v;
  return tdm__cpu_gemv(c, a->dt, a->t, a->m, a->n, a->alpha, a->A, a->la, a->B, a->lb, a->beta,
                       a->C, a->lc);
}

tdm_status tdm__sim_gemv(void *st, tdm_dtype dt, tdm_trans ta, size_t m, size_t n, double alpha,
                         const void *A, size_t lda, const void *x, size_t incx, double beta,
                         void *y, size_t incy) {
  tdm__sim_fit a = {.dt = dt, .t = ta, .m = m, .n = n, .la = lda, .lb = incx, .lc = incy,
                    .alpha = alpha, .beta = beta, .A = R(A), .B = R(x), .C = R(y)};
  return tdm__simq_call(st, tdm__run_gemv, &a, sizeof a, 0);
}

static tdm_status tdm__run_xw(tdm__cpu *c, void *v) {
  tdm__sim_fit *a = v;
  return tdm__cpu_crossprod_w(c, a->dt, a->m, a->n, a->A, a->la, a->B, a->C, a->lc);
}

tdm_status tdm__sim_crossprod_w(void *st, tdm_dtype dt, size_t n, size_t p, const void *X,
                                size_t ldx, const void *w, void *C, size_t ldc) {
  tdm__sim_fit a = {.dt = dt, .m = n, .n = p, .la = ldx, .lc = ldc, .A = R(X), .B = R(w),
                    .C = R(C)};
  return tdm__simq_call(st, tdm__run_xw, &a, sizeof a, 1); /* its work tiles may fail */
}

static tdm_status tdm__run_tri(tdm__cpu *c, void *v) {
  tdm__sim_fit *a = v;
  return tdm__cpu_solve_tri(c, a->dt, a->t, a->m, a->n, a->A, a->la, a->C, a->lc);
}

tdm_status tdm__sim_solve_tri(void *st, tdm_dtype dt, tdm_trans t, size_t n, size_t nrhs,
                              const void *Rm, size_t ldr, void *B, size_t ldb) {
  tdm__sim_fit a = {.dt = dt, .t = t, .m = n, .n = nrhs, .la = ldr, .lc = ldb, .A = R(Rm),
                    .C = R(B)};
  return tdm__simq_call(st, tdm__run_tri, &a, sizeof a, 1);
}

static tdm_status tdm__run_cinv(tdm__cpu *c, void *v) {
  tdm__sim_fit *a = v;
  return tdm__cpu_chol_inverse(c, a->dt, a->m, a->A, a->la, a->C, a->lc);
}

tdm_status tdm__sim_chol_inverse(void *st, tdm_dtype dt, size_t n, const void *Rm, size_t ldr,
                                 void *A, size_t lda) {
  tdm__sim_fit a = {.dt = dt, .m = n, .la = ldr, .lc = lda, .A = R(Rm), .C = R(A)};
  return tdm__simq_call(st, tdm__run_cinv, &a, sizeof a, 1);
}

static tdm_status tdm__run_lstsq(tdm__cpu *c, void *v) {
  tdm__sim_fit *a = v;
  return tdm__cpu_lstsq(c, a->dt, a->m, a->n, a->k, a->A, a->la, a->B, a->lb, a->C, a->lc);
}

tdm_status tdm__sim_lstsq(void *st, tdm_dtype dt, size_t n, size_t p, size_t k, const void *X,
                          size_t ldx, const void *Y, size_t ldy, void *B, size_t ldb) {
  tdm__sim_fit a = {.dt = dt, .m = n, .n = p, .k = k, .la = ldx, .lb = ldy, .lc = ldb,
                    .A = R(X), .B = R(Y), .C = R(B)};
  return tdm__simq_call(st, tdm__run_lstsq, &a, sizeof a, 1);
}

static tdm_status tdm__run_eigh(tdm__cpu *c, void *v) {
  tdm__sim_fit *a = v;
  return tdm__cpu_eigh(c, a->dt, a->m, a->A, a->la, a->C, a->lc, a->D, a->ld);
}

tdm_status tdm__sim_eigh(void *st, tdm_dtype dt, size_t n, const void *A, size_t lda, void *w,
                         size_t incw, void *V, size_t ldv) {
  tdm__sim_fit a = {.dt = dt, .m = n, .la = lda, .lc = incw, .ld = ldv, .A = R(A), .C = R(w),
                    .D = RN(V)};
  return tdm__simq_call(st, tdm__run_eigh, &a, sizeof a, 1);
}

static tdm_status tdm__run_svd(tdm__cpu *c, void *v) {
  tdm__sim_fit *a = v;
  return tdm__cpu_svd(c, a->dt, a->m, a->n, a->A, a->la, a->C, a->lc, a->D, a->ld, a->E, a->le);
}

tdm_status tdm__sim_svd(void *st, tdm_dtype dt, size_t m, size_t n, const void *X, size_t ldx,
                        void *U, size_t ldu, void *s, size_t incs, void *Vt, size_t ldvt) {
  tdm__sim_fit a = {.dt = dt, .m = m, .n = n, .la = ldx, .lc = ldu, .ld = incs, .le = ldvt,
                    .A = R(X), .C = RN(U), .D = R(s), .E = RN(Vt)};
  return tdm__simq_call(st, tdm__run_svd, &a, sizeof a, 1);
}
