/* backend.c -- the CPU backend's table: host memory is the data's home, so
 * there are no copies; ops run on the shared worker pool and OpenBLAS. */
#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/stats_int.h"
#include "cpu/fit.h"

static tdm_status tdm__cpu_open(const tdm_config *cfg, void **state, char *why, size_t whylen) {
  (void)why;
  (void)whylen;
  tdm__cpu *c = tdm__malloc(sizeof *c);
  TDM__CHECK(!c, TDM_ERR_NOMEM, "out of host memory for the CPU backend");
  c->threads = cfg->threads > 0 ? cfg->threads : tdm__ncores();
  *state = c;
  return TDM_OK;
}

/* A lane keeps the parent's thread count: its loops run on the calling
 * thread and take only workers that are idle (tdm__par_for), and its BLAS
 * calls run single-threaded (tdm__blas_threads). */
static tdm_status tdm__cpu_open_lane(void *parent, void **state) {
  const tdm__cpu *pc = parent;
  tdm__cpu *c = tdm__malloc(sizeof *c);
  TDM__CHECK(!c, TDM_ERR_NOMEM, "out of host memory for a CPU lane");
  c->threads = pc ? pc->threads : 1;
  *state = c;
  return TDM_OK;
}

static void tdm__cpu_close(void *st) { tdm__free(st); }

static tdm_status tdm__cpu_sync(void *st) {
  (void)st;
  return TDM_OK;
}

/* Measured once per process (perf.c), asked only by placements. */
static tdm_status tdm__cpu_perf(void *st, tdm__perf *p) {
  const tdm__cpu *c = st;
  p->h2d_bps = p->d2h_bps = 0;
  tdm__cpu_rates(c->threads, &p->mem_bps, &p->flops);
  p->launch_s = 2e-6;
  return TDM_OK;
}

const tdm__backend tdm__cpu_backend = {
    .version = TDM__BACKEND_VERSION,
    .name = "cpu",
    .kind = TDM_CPU,
    .open = tdm__cpu_open,
    .open_lane = tdm__cpu_open_lane,
    .close = tdm__cpu_close,
    .sync = tdm__cpu_sync,
    .perf = tdm__cpu_perf,
/* every compute op (backend.h's list) */
#define TDM__CPU_SLOT(op) .op = tdm__cpu_##op,
    TDM__BACKEND_OPS(TDM__CPU_SLOT)
#undef TDM__CPU_SLOT
};
