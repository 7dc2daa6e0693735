/* copy.c -- the sim device's tdm_copy: the CPU kernel on the queue thread.
 * A dtype pair that can fail waits (the check's answer is this call's);
 * the others return at once, as a kernel launch does. */
#include "core/convert.h"
#include "sim/sim_int.h"

typedef struct {
  tdm_dtype sdt, ddt;
  const void *src;
  void *dst;
  size_t lds, ldd, rows, cols;
  size_t *bad;
} tdm__sim_copy_args;

static tdm_status tdm__run_copy2d(tdm__cpu *cpu, void *args) {
  const tdm__sim_copy_args *a = args;
  return tdm__cpu_copy(cpu, a->sdt, a->src, a->lds, a->ddt, a->dst, a->ldd, a->rows, a->cols,
                       a->bad);
}

tdm_status tdm__sim_copy(void *st, tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                         void *dst, size_t ldd, size_t rows, size_t cols, size_t *bad) {
  int wait = tdm__cv_can_fail(sdt, ddt);
  tdm__sim_copy_args a = {sdt, ddt, tdm__sim_real(src), tdm__sim_real(dst), lds, ldd, rows, cols,
                          wait ? bad : NULL};
  return tdm__simq_call(st, tdm__run_copy2d, &a, sizeof a, wait);
}
