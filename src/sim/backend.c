/* backend.c -- TDM_SIM, the test device: "device memory" is a separate host
 * allocation reached only through h2d/d2h, so a missing transfer shows as
 * a wrong answer in tests, as on a GPU. Ops run the CPU kernels on that
 * memory. Its perf figures are settable for placement tests. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"

typedef struct tdm__sim {
  tdm__cpu cpu; /* first: CPU kernels take the state as a tdm__cpu */
} tdm__sim;

static tdm_status tdm__sim_open(const tdm_config *cfg, void **state, char *why, size_t whylen) {
  (void)why;
  (void)whylen;
  tdm__sim *s = tdm__malloc(sizeof *s);
  TDM__CHECK(!s, TDM_ERR_NOMEM, "out of host memory for the sim device");
  s->cpu.threads = cfg->threads > 0 ? cfg->threads : tdm__ncores();
  *state = s;
  return TDM_OK;
}

static tdm_status tdm__sim_open_lane(void *parent, void **state) {
  (void)parent;
  tdm__sim *s = tdm__malloc(sizeof *s);
  TDM__CHECK(!s, TDM_ERR_NOMEM, "out of host memory for a sim lane");
  s->cpu.threads = 1;
  *state = s;
  return TDM_OK;
}

static void tdm__sim_close(void *st) { tdm__free(st); }

static tdm_status tdm__sim_sync(void *st) {
  (void)st;
  return TDM_OK;
}

static tdm_status tdm__sim_perf(void *st, tdm__perf *p) {
  (void)st;
  p->h2d_bps = p->d2h_bps = 12e9;
  p->mem_bps = 1e12;
  p->flops = 1e13;
  p->launch_s = 5e-6;
  return TDM_OK;
}

static tdm_status tdm__sim_alloc(void *st, size_t bytes, void **p) {
  (void)st;
  *p = tdm__malloc(bytes);
  TDM__CHECK(!*p, TDM_ERR_DEVICE_NOMEM, "sim device: out of device memory for %zu bytes", bytes);
  return TDM_OK;
}

static void tdm__sim_free(void *st, void *p) {
  (void)st;
  tdm__free(p);
}

static tdm_status tdm__sim_zero(void *st, void *p, size_t bytes) {
  (void)st;
  memset(p, 0, bytes);
  return TDM_OK;
}

static tdm_status tdm__sim_copy(void *st, void *dst, const void *src, size_t bytes) {
  (void)st;
  memcpy(dst, src, bytes);
  return TDM_OK;
}

const tdm__backend tdm__sim_backend = {
    .version = TDM__BACKEND_VERSION,
    .name = "sim",
    .kind = TDM_SIM,
    .open = tdm__sim_open,
    .open_lane = tdm__sim_open_lane,
    .close = tdm__sim_close,
    .sync = tdm__sim_sync,
    .perf = tdm__sim_perf,
    .alloc = tdm__sim_alloc,
    .free = tdm__sim_free,
    .zero = tdm__sim_zero,
    .h2d = tdm__sim_copy,
    .d2h = tdm__sim_copy,
    .d2d = tdm__sim_copy,
    .reduce = tdm__cpu_reduce,
    .group_reduce = tdm__cpu_group_reduce,
    .gemm = tdm__cpu_gemm,
    .crossprod = tdm__cpu_crossprod,
    .cholesky = tdm__cpu_cholesky,
    .solve_spd = tdm__cpu_solve_spd,
    .eval = tdm__cpu_eval,
    .rng_fill = tdm__cpu_rng_fill,
};
