/* expr.c -- expressions reduced on the sim device (tdm_eval_reduce): the
 * CPU kernel runs on the queue thread over the device's memory; the call
 * waits, since its moments are the result. The caller holds the program
 * until it returns. */
#include "core/error.h"
#include "sim/sim_int.h"

typedef struct {
  const tdm__prog *prog;
  const tdm__eval_args *a; /* real pointers; the caller's, alive while it waits */
  tdm__moments *out;
} tdm__sim_erargs;

static tdm_status tdm__sim_er_run(tdm__cpu *cpu, void *args) {
  const tdm__sim_erargs *x = args;
  return tdm__cpu_eval_reduce(cpu, x->prog, x->a, x->out);
}

tdm_status tdm__sim_eval_reduce(void *st, const tdm__prog *prog, const tdm__eval_args *a,
                                tdm__moments *out) {
  TDM__CHECK(!a || a->nin < 0 || a->nin > TDM__MAX_INPUTS, TDM_ERR_INVALID,
             "expression kernel: inconsistent arguments");
  tdm__eval_args real = *a;
  for (int i = 0; i < a->nin; i++) real.in[i] = a->in[i] ? tdm__sim_real(a->in[i]) : NULL;
  tdm__sim_erargs x = {prog, &real, out};
  return tdm__simq_call(st, tdm__sim_er_run, &x, sizeof x, 1);
}
