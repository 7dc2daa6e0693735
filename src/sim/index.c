/* index.c -- take and nonzero on the sim device: the CPU kernels on the
 * queue thread over the device's memory (tdm__simq_call). Both wait: a
 * bad index and the count are this call's answer, as on a GPU where the
 * check's flag or the count is the one small copy back. */
#include "sim/sim_int.h"

#define R(p) tdm__sim_real(p)

static tdm_status tdm__run_take(tdm__cpu *cpu, void *args) {
  return tdm__cpu_take(cpu, args);
}

tdm_status tdm__sim_take(void *st, const tdm__take_args *a) {
  tdm__take_args r = *a;
  r.x = R(a->x);
  r.idx = R(a->idx);
  r.out = R(a->out);
  return tdm__simq_call(st, tdm__run_take, &r, sizeof r, 1);
}

typedef struct tdm__sim_nz {
  tdm__nonzero_args a;
  size_t *count; /* host memory: the caller waits */
} tdm__sim_nz;

static tdm_status tdm__run_nonzero(tdm__cpu *cpu, void *args) {
  tdm__sim_nz *z = args;
  return tdm__cpu_nonzero(cpu, &z->a, z->count);
}

tdm_status tdm__sim_nonzero(void *st, const tdm__nonzero_args *a, size_t *count) {
  tdm__sim_nz z = {*a, count};
  z.a.mask = R(a->mask);
  z.a.idx = R(a->idx);
  return tdm__simq_call(st, tdm__run_nonzero, &z, sizeof z, 1);
}
