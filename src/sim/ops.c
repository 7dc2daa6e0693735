/* ops.c -- the sim device's ops, generated from the list in ops.h: each
 * packs its arguments (device pointers untagged) into a queue command that
 * runs the CPU table's kernel (tdm__cpu_backend) on the queue thread, and
 * waits or returns at once as the list says. */
#include "core/convert.h"
#include "expr/expr_int.h"
#include "sim/ops.h"
#include "sim/sim_int.h"

/* ---- fixes: the pointers inside an argument struct, untagged ---------------- */
static void tdm__sim_fix_none(tdm__rng_req *r) { (void)r; } /* holds no pointers */

static void tdm__sim_fix_eval(tdm__eval_args *e) {
  e->out = tdm__sim_real(e->out);
  for (int i = 0; i < e->nin && i < TDM__MAX_INPUTS; i++) e->in[i] = tdm__sim_real(e->in[i]);
}

static void tdm__sim_fix_take(tdm__take_args *t) {
  t->x = tdm__sim_real(t->x);
  t->idx = tdm__sim_real(t->idx);
  t->out = tdm__sim_real(t->out);
}

static void tdm__sim_fix_nonzero(tdm__nonzero_args *z) {
  z->mask = tdm__sim_real(z->mask);
  z->idx = tdm__sim_real(z->idx);
}

static void tdm__sim_release_prog(void *p) { tdm__prog_release(p); }

/* ---- an argument in each role (ops.h lists the kinds) ------------------------ */
/* its field(s) in the op's argument block */
#define TDM__SIM_FIELD(arg) TDM__SIM_FIELD_##arg
#define TDM__SIM_FIELD_VAL(t, n) t n;
#define TDM__SIM_FIELD_DEV(t, n) t n;
#define TDM__SIM_FIELD_SARG(n) tdm__sarg n;
#define TDM__SIM_FIELD_ARGS(t, n, fix) t n; unsigned char n##_set;
#define TDM__SIM_FIELD_OUT(t, n) t n;
#define TDM__SIM_FIELD_PROG(n) const tdm__prog *n;
/* packing it, in the entry point (tdm__blk, tdm__wait, tdm__own in scope) */
#define TDM__SIM_PACK(arg) TDM__SIM_PACK_##arg
#define TDM__SIM_PACK_VAL(t, n) tdm__blk.n = n;
#define TDM__SIM_PACK_DEV(t, n) tdm__blk.n = tdm__sim_real(n);
#define TDM__SIM_PACK_SARG(n) tdm__blk.n = *n, tdm__blk.n.p = tdm__sim_real(n->p);
#define TDM__SIM_PACK_ARGS(t, n, fix)                                                              \
  tdm__blk.n##_set = n != NULL;                                                                    \
  if (n) tdm__blk.n = *n, fix(&tdm__blk.n);
#define TDM__SIM_PACK_OUT(t, n) tdm__blk.n = tdm__wait ? n : NULL;
#define TDM__SIM_PACK_PROG(n)                                                                      \
  tdm__blk.n = n, tdm__own = (void *)n;                                                            \
  tdm__prog_retain(tdm__own);
/* passing it to the CPU kernel, in the runner (a: the block) */
#define TDM__SIM_CALL(arg) TDM__SIM_CALL_##arg
#define TDM__SIM_CALL_VAL(t, n) , a->n
#define TDM__SIM_CALL_DEV(t, n) , a->n
#define TDM__SIM_CALL_SARG(n) , &a->n
#define TDM__SIM_CALL_ARGS(t, n, fix) , a->n##_set ? &a->n : NULL
#define TDM__SIM_CALL_OUT(t, n) , a->n
#define TDM__SIM_CALL_PROG(n) , a->n

#define TDM__SIM_DEFINE(op, W, ...)                                                                \
  typedef struct {                                                                                 \
    TDM__SIM_EACH(TDM__SIM_FIELD, __VA_ARGS__)                                                     \
  } tdm__sima_##op;                                                                                \
  _Static_assert(sizeof(tdm__sima_##op) <= TDM__SIMQ_ARGS,                                         \
                 "sim op " #op ": its arguments do not fit a queue command");                      \
  static tdm_status tdm__simr_##op(tdm__cpu *cpu, void *args) {                                    \
    const tdm__sima_##op *a = args;                                                                \
    return tdm__cpu_backend.op(cpu TDM__SIM_EACH(TDM__SIM_CALL, __VA_ARGS__));                     \
  }                                                                                                \
  tdm_status tdm__sim_##op(void *st TDM__SIM_EACH(TDM__SIM_PARAM, __VA_ARGS__)) {                  \
    tdm__sima_##op tdm__blk;                                                                       \
    int tdm__wait = (W) != 0;                                                                      \
    void *tdm__own = NULL;                                                                         \
    TDM__SIM_EACH(TDM__SIM_PACK, __VA_ARGS__)                                                      \
    return tdm__simq_call_owned(st, tdm__simr_##op, &tdm__blk, sizeof tdm__blk, tdm__wait,         \
                                tdm__own ? tdm__sim_release_prog : NULL, tdm__own);                \
  }

TDM__SIM_OPS(TDM__SIM_DEFINE)
