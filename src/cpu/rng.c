/* rng.c -- the CPU random-number fill: values are cut into fixed chunks at
 * fixed stream positions and spread over the worker pool, so the result is
 * the same for any thread count. Elementwise and integer kinds go through the
 * kernel table's fills (ktab.h): the vector kernels (rng_simd.c) where the
 * CPU has AVX2+FMA, else the scalar group code of src/rng/group.h. */
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/ktab.h"
#include "cpu/rng_int.h"
#include "rng/group.h"

void tdm__rng_chunk_c(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1,
                      uint32_t *scratch) {
  (void)scratch;
  for (uint64_t g = g0; g < g1; g++) tdm__rng_group(q, out, g);
}

void tdm__rng_range_c(const tdm__rng_req *q, void *out, uint64_t g0, uint64_t g1) {
  for (uint64_t g = g0; g < g1; g++) tdm__rng_group(q, out, g);
}

typedef struct tdm__rng_job {
  const tdm__rng_req *q;
  void *out;
  uint64_t full;        /* complete groups (chunk path) */
  const tdm__ktab *k;   /* the kernels in force */
} tdm__rng_job;

/* Chunks [lo, hi) of TDM__RNG_CHUNK complete groups each. */
static void tdm__rng_chunks(void *arg, size_t lo, size_t hi) {
  const tdm__rng_job *j = arg;
  uint32_t scratch[TDM__RNG_SCRATCH];
  for (size_t c = lo; c < hi; c++) {
    uint64_t g0 = (uint64_t)c * TDM__RNG_CHUNK;
    uint64_t g1 = g0 + TDM__RNG_CHUNK < j->full ? g0 + TDM__RNG_CHUNK : j->full;
    j->k->rng_chunk(j->q, j->out, g0, g1, scratch);
  }
}

/* Groups [lo, hi) of a rejection sampler (gamma and chi-square, beta in
 * vector lanes where the table has them). */
static void tdm__rng_groups(void *arg, size_t lo, size_t hi) {
  const tdm__rng_job *j = arg;
  tdm__dist d = j->q->dist;
  if (d == TDM__RNG_GAMMA || d == TDM__RNG_CHISQ) j->k->rng_gamma(j->q, j->out, lo, hi);
  else if (d == TDM__RNG_BETA) j->k->rng_beta(j->q, j->out, lo, hi);
  else j->k->rng_reject(j->q, j->out, lo, hi);
}

tdm_status tdm__cpu_rng_fill(void *st, const tdm__rng_req *req, void *out) {
  const tdm__cpu *c = st;
  TDM__CHECK((int)req->dist < 0 || req->dist >= TDM__RNG_DIST_COUNT, TDM_ERR_INTERNAL,
             "rng_fill: dist %d is not a distribution", (int)req->dist);
  TDM__CHECK(tdm_dtype_size(req->dt) == 0, TDM_ERR_INTERNAL, "rng_fill: dtype %d is not a dtype",
             (int)req->dt);
  if (req->n == 0) return TDM_OK;
  uint64_t ng = tdm__rng_ngroups(req);
  TDM__CHECK(ng > (uint64_t)SIZE_MAX / TDM__RNG_CHUNK, TDM_ERR_INVALID,
             "rng_fill: %llu values is too many", (unsigned long long)req->n);
  tdm__rng_job j = {req, out, 0, tdm__ktab_get()};
  unsigned bpv = tdm__rng_slice_blocks(req->dist);
  if (bpv > 1) { /* rejection samplers: cost varies, so small units */
    int vec = j.k->rng_vec && (req->dist == TDM__RNG_GAMMA || req->dist == TDM__RNG_CHISQ ||
                              req->dist == TDM__RNG_BETA);
    tdm__par_for(c->threads, (size_t)ng, vec ? 1024 : 16, tdm__rng_groups, &j);
    return TDM_OK;
  }
  /* Complete groups go in chunks; the last group of an odd normal count or
   * of a count that is not a multiple of the group size goes scalar. */
  uint64_t vpg = bpv ? 1 : 4 / tdm__rng_wpv(req->dist, req->dt);
  j.full = req->n / vpg;
  size_t nchunks = (size_t)((j.full + TDM__RNG_CHUNK - 1) / TDM__RNG_CHUNK);
  tdm__par_for(c->threads, nchunks, 1, tdm__rng_chunks, &j);
  for (uint64_t g = j.full; g < ng; g++) tdm__rng_group(req, out, g);
  return TDM_OK;
}
