/* stats.c -- the sim device's statistics ops: each untags its operands'
 * device pointers and runs the CPU kernel on the queue thread through
 * tdm__simq_call, waiting (results and bad-input statuses are needed now;
 * ops and q are host arrays read while the caller waits). */
#include "sim/sim_int.h"
#include "cpu/stats_int.h"

static tdm__sarg tdm__real(const tdm__sarg *a) {
  tdm__sarg r = *a;
  r.p = tdm__sim_real(a->p);
  return r;
}

typedef struct {
  tdm__sarg x, g, out, idx;
  size_t G, nops, nq;
  const tdm_reduce_op *ops;
  const double *q;
  int axis;
  tdm_reduce_op op;
} tdm__simstat;

static tdm_status tdm__run_group_stats(tdm__cpu *cpu, void *p) {
  tdm__simstat *a = p;
  return tdm__cpu_group_stats(cpu, &a->x, &a->g, a->G, a->nops, a->ops, &a->out);
}
tdm_status tdm__sim_group_stats(void *st, const tdm__sarg *x, const tdm__sarg *g, size_t G,
                                size_t nops, const tdm_reduce_op ops[], const tdm__sarg *out) {
  tdm__simstat a = {.x = tdm__real(x), .g = tdm__real(g), .out = tdm__real(out), .G = G,
                    .nops = nops, .ops = ops};
  return tdm__simq_call(st, tdm__run_group_stats, &a, sizeof a, 1);
}

static tdm_status tdm__run_reduce_axis(tdm__cpu *cpu, void *p) {
  tdm__simstat *a = p;
  return tdm__cpu_reduce_axis(cpu, &a->x, a->axis, a->op, &a->out);
}
tdm_status tdm__sim_reduce_axis(void *st, const tdm__sarg *x, int axis, tdm_reduce_op op,
                                const tdm__sarg *out) {
  tdm__simstat a = {.x = tdm__real(x), .out = tdm__real(out), .axis = axis, .op = op};
  return tdm__simq_call(st, tdm__run_reduce_axis, &a, sizeof a, 1);
}

static tdm_status tdm__run_sort(tdm__cpu *cpu, void *p) {
  tdm__simstat *a = p;
  return tdm__cpu_sort(cpu, &a->x);
}
tdm_status tdm__sim_sort(void *st, const tdm__sarg *x) {
  tdm__simstat a = {.x = tdm__real(x)};
  return tdm__simq_call(st, tdm__run_sort, &a, sizeof a, 1);
}

static tdm_status tdm__run_argsort(tdm__cpu *cpu, void *p) {
  tdm__simstat *a = p;
  return tdm__cpu_argsort(cpu, &a->x, &a->idx);
}
tdm_status tdm__sim_argsort(void *st, const tdm__sarg *x, const tdm__sarg *idx) {
  tdm__simstat a = {.x = tdm__real(x), .idx = tdm__real(idx)};
  return tdm__simq_call(st, tdm__run_argsort, &a, sizeof a, 1);
}

static tdm_status tdm__run_quantile(tdm__cpu *cpu, void *p) {
  tdm__simstat *a = p;
  return tdm__cpu_quantile(cpu, &a->x, a->nq, a->q, &a->out);
}
tdm_status tdm__sim_quantile(void *st, const tdm__sarg *x, size_t nq, const double q[],
                             const tdm__sarg *out) {
  tdm__simstat a = {.x = tdm__real(x), .out = tdm__real(out), .nq = nq, .q = q};
  return tdm__simq_call(st, tdm__run_quantile, &a, sizeof a, 1);
}
