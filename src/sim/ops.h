/* ops.h -- the CPU ops the sim device runs, one line each: from this list
 * ops.c generates each op's argument block, its queue-thread runner (the
 * CPU table's entry, tdm__cpu_backend.op, on the device's memory) and its
 * entry point; sim_int.h its prototype and backend.c its table slot. A new
 * CPU op needs one line here, no hand-written wrapper. */
#ifndef TDM_SIM_OPS_H
#define TDM_SIM_OPS_H

/* SIMOP(op, wait, args...): args are the op's parameters after st, in order:
 *   VAL(type, name)       copied as is (a host pointer only where the op waits)
 *   DEV(type, name)       a device pointer: untagged (NULL stays NULL)
 *   SARG(name)            a const tdm__sarg *: copied, its pointer untagged
 *   ARGS(type, name, fix) a const type *: copied (NULL stays NULL), then
 *                         fix(&copy) untags the pointers inside
 *   OUT(type, name)       a host result pointer: passed only when the op
 *                         waits (NULL otherwise)
 *   PROG(name)            a const tdm__prog *: the queued command holds a
 *                         reference, so the caller may drop it at once
 * wait: 1, the call returns the kernel's status (results, bad inputs,
 * factorization failures are this call's answer); 0, it returns at once,
 * failures sticky, as kernel launches do; or an expression of the
 * arguments. */
#define TDM__SIM_OPS(SIMOP)                                                                            \
  SIMOP(reduce, 1, VAL(tdm_dtype, dt), DEV(const void *, x), VAL(size_t, n), VAL(unsigned, need),     \
    VAL(tdm__moments *, out))                                                                      \
  SIMOP(group_stats, 1, SARG(x), SARG(g), VAL(size_t, G), VAL(size_t, nops),                          \
    VAL(const tdm_reduce_op *, ops), SARG(out))                                                    \
  SIMOP(reduce_axis, 1, SARG(x), VAL(int, axis), VAL(tdm_reduce_op, op), SARG(out))                    \
  SIMOP(sort, 1, SARG(x))                                                                              \
  SIMOP(argsort, 1, SARG(x), SARG(idx))                                                                \
  SIMOP(quantile, 1, SARG(x), VAL(size_t, nq), VAL(const double *, q), SARG(out))                     \
  SIMOP(gemm, 0, VAL(tdm_dtype, dt), VAL(tdm_trans, ta), VAL(tdm_trans, tb), VAL(size_t, m),          \
    VAL(size_t, n), VAL(size_t, k), VAL(double, alpha), DEV(const void *, A), VAL(size_t, lda),    \
    DEV(const void *, B), VAL(size_t, ldb), VAL(double, beta), DEV(void *, C), VAL(size_t, ldc))  \
  SIMOP(crossprod, 0, VAL(tdm_dtype, dt), VAL(size_t, n), VAL(size_t, p), DEV(const void *, X),       \
    VAL(size_t, ldx), DEV(void *, C), VAL(size_t, ldc))                                            \
  SIMOP(cholesky, 1, VAL(tdm_dtype, dt), VAL(size_t, n), DEV(void *, A), VAL(size_t, lda))            \
  SIMOP(solve_spd, 1, VAL(tdm_dtype, dt), VAL(size_t, n), VAL(size_t, nrhs), DEV(void *, A),          \
    VAL(size_t, lda), DEV(void *, B), VAL(size_t, ldb))                                            \
  SIMOP(eval, 0, PROG(prog), ARGS(tdm__eval_args, a, tdm__sim_fix_eval))                               \
  SIMOP(rng_fill, 0, ARGS(tdm__rng_req, req, tdm__sim_fix_none), DEV(void *, out))                     \
  SIMOP(take, 1, ARGS(tdm__take_args, a, tdm__sim_fix_take))                                           \
  SIMOP(nonzero, 1, ARGS(tdm__nonzero_args, a, tdm__sim_fix_nonzero), VAL(size_t *, count))            \
  SIMOP(eval_reduce, 1, VAL(const tdm__prog *, prog), ARGS(tdm__eval_args, a, tdm__sim_fix_eval),     \
    VAL(tdm__moments *, out))                                                                      \
  SIMOP(copy, tdm__cv_can_fail(sdt, ddt), VAL(tdm_dtype, sdt), DEV(const void *, src),                \
    VAL(size_t, lds), VAL(tdm_dtype, ddt), DEV(void *, dst), VAL(size_t, ldd), VAL(size_t, rows),  \
    VAL(size_t, cols), OUT(size_t *, bad))                                                         \
  SIMOP(gemv, 0, VAL(tdm_dtype, dt), VAL(tdm_trans, ta), VAL(size_t, m), VAL(size_t, n),              \
    VAL(double, alpha), DEV(const void *, A), VAL(size_t, lda), DEV(const void *, x),             \
    VAL(size_t, incx), VAL(double, beta), DEV(void *, y), VAL(size_t, incy))                       \
  SIMOP(crossprod_w, 1, VAL(tdm_dtype, dt), VAL(size_t, n), VAL(size_t, p), DEV(const void *, X),     \
    VAL(size_t, ldx), DEV(const void *, w), DEV(void *, C), VAL(size_t, ldc))                      \
  SIMOP(solve_tri, 1, VAL(tdm_dtype, dt), VAL(tdm_trans, t), VAL(size_t, n), VAL(size_t, nrhs),       \
    DEV(const void *, R), VAL(size_t, ldr), DEV(void *, B), VAL(size_t, ldb))                      \
  SIMOP(chol_inverse, 1, VAL(tdm_dtype, dt), VAL(size_t, n), DEV(const void *, R), VAL(size_t, ldr),  \
    DEV(void *, A), VAL(size_t, lda))                                                              \
  SIMOP(lstsq, 1, VAL(tdm_dtype, dt), VAL(size_t, n), VAL(size_t, p), VAL(size_t, k),                 \
    DEV(const void *, X), VAL(size_t, ldx), DEV(const void *, Y), VAL(size_t, ldy),               \
    DEV(void *, B), VAL(size_t, ldb))                                                              \
  SIMOP(eigh, 1, VAL(tdm_dtype, dt), VAL(size_t, n), DEV(const void *, A), VAL(size_t, lda),          \
    DEV(void *, w), VAL(size_t, incw), DEV(void *, V), VAL(size_t, ldv))                           \
  SIMOP(svd, 1, VAL(tdm_dtype, dt), VAL(size_t, m), VAL(size_t, n), DEV(const void *, X),             \
    VAL(size_t, ldx), DEV(void *, U), VAL(size_t, ldu), DEV(void *, s), VAL(size_t, incs),        \
    DEV(void *, Vt), VAL(size_t, ldvt))

/* ---- M(arg) for each of up to 16 arguments -------------------------------- */
#define TDM__SIM_CAT_(a, b) a##b
#define TDM__SIM_CAT(a, b) TDM__SIM_CAT_(a, b)
#define TDM__SIM_NARG(...)                                                                         \
  TDM__SIM_NARG_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define TDM__SIM_NARG_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, N,   \
                       ...)                                                                        \
  N
#define TDM__SIM_EACH(M, ...) TDM__SIM_CAT(TDM__SIM_E, TDM__SIM_NARG(__VA_ARGS__))(M, __VA_ARGS__)
#define TDM__SIM_E1(M, a) M(a)
#define TDM__SIM_E2(M, a, ...) M(a) TDM__SIM_E1(M, __VA_ARGS__)
#define TDM__SIM_E3(M, a, ...) M(a) TDM__SIM_E2(M, __VA_ARGS__)
#define TDM__SIM_E4(M, a, ...) M(a) TDM__SIM_E3(M, __VA_ARGS__)
#define TDM__SIM_E5(M, a, ...) M(a) TDM__SIM_E4(M, __VA_ARGS__)
#define TDM__SIM_E6(M, a, ...) M(a) TDM__SIM_E5(M, __VA_ARGS__)
#define TDM__SIM_E7(M, a, ...) M(a) TDM__SIM_E6(M, __VA_ARGS__)
#define TDM__SIM_E8(M, a, ...) M(a) TDM__SIM_E7(M, __VA_ARGS__)
#define TDM__SIM_E9(M, a, ...) M(a) TDM__SIM_E8(M, __VA_ARGS__)
#define TDM__SIM_E10(M, a, ...) M(a) TDM__SIM_E9(M, __VA_ARGS__)
#define TDM__SIM_E11(M, a, ...) M(a) TDM__SIM_E10(M, __VA_ARGS__)
#define TDM__SIM_E12(M, a, ...) M(a) TDM__SIM_E11(M, __VA_ARGS__)
#define TDM__SIM_E13(M, a, ...) M(a) TDM__SIM_E12(M, __VA_ARGS__)
#define TDM__SIM_E14(M, a, ...) M(a) TDM__SIM_E13(M, __VA_ARGS__)
#define TDM__SIM_E15(M, a, ...) M(a) TDM__SIM_E14(M, __VA_ARGS__)
#define TDM__SIM_E16(M, a, ...) M(a) TDM__SIM_E15(M, __VA_ARGS__)

/* An argument in one role: TDM__SIM_<role>_<kind>(...). The kinds' names
 * are pasted, never expanded, so VAL, DEV, ... need not be macros. */
#define TDM__SIM_PARAM(arg) TDM__SIM_PARAM_##arg
#define TDM__SIM_PARAM_VAL(t, n) , t n
#define TDM__SIM_PARAM_DEV(t, n) , t n
#define TDM__SIM_PARAM_SARG(n) , const tdm__sarg *n
#define TDM__SIM_PARAM_ARGS(t, n, fix) , const t *n
#define TDM__SIM_PARAM_OUT(t, n) , t n
#define TDM__SIM_PARAM_PROG(n) , const tdm__prog *n

/* The entry point's prototype (sim_int.h). */
#define TDM__SIM_DECL(op, wait, ...)                                                               \
  tdm_status tdm__sim_##op(void *st TDM__SIM_EACH(TDM__SIM_PARAM, __VA_ARGS__));

#endif
