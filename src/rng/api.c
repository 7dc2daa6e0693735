/* api.c -- tdm_rng: a handle on Philox stream (seed, stream) and its
 * position, and the continuous draws (bits, uniform, normal, lognormal,
 * exponential, gamma, chi-square, beta). Each call validates, places the
 * fill on a side, runs it there and advances the position by the words the
 * request consumed (src/rng/group.h; docs/random.md). */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "rng/group.h"
#include "rng/rng_int.h"

int tdm__rng_finite(double x) { return x == x && x - x == 0.0; }

tdm_status tdm_rng_create(tdm_ctx *ctx, uint64_t seed, uint64_t stream, tdm_rng **out) {
  static const char fn[] = "tdm_rng_create";
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  *out = NULL;
  TDM__CHECK(!ctx, TDM_ERR_INVALID, "%s: ctx: is NULL", fn);
  tdm_rng *r = tdm__malloc(sizeof *r);
  TDM__CHECK(!r, TDM_ERR_NOMEM, "%s: out of host memory", fn);
  r->ctx = tdm__ctx_ref(ctx); /* dropped by tdm_rng_destroy */
  r->seed = seed;
  r->stream = stream;
  r->offset = 0;
  *out = r;
  return TDM_OK;
}

void tdm_rng_destroy(tdm_rng *r) {
  if (!r) return;
  tdm__ctx_unref(r->ctx);
  tdm__free(r);
}

uint64_t tdm_rng_offset(const tdm_rng *r) { return r ? r->offset : 0; }

tdm_status tdm_rng_seek(tdm_rng *r, uint64_t offset) {
  TDM__CHECK(!r, TDM_ERR_INVALID, "tdm_rng_seek: r: is NULL");
  r->offset = offset;
  return TDM_OK;
}

static const char *tdm__dt_list(unsigned dts) {
  if (dts == TDM__DT_REAL) return "f32 or f64";
  if (dts == TDM__DT_COUNT) return "i32, i64, f32 or f64";
  if (dts == TDM__DT(TDM_U32)) return "u32";
  if (dts == (TDM__DT(TDM_I32) | TDM__DT(TDM_I64))) return "i32 or i64";
  if (dts == (TDM__DT(TDM_I32) | TDM__DT(TDM_I64) | TDM__DT(TDM_U32))) return "i32, i64 or u32";
  return "f32, f64, i32, i64 or u32";
}

tdm_status tdm__rng_begin(tdm_rng *r, tdm_buf *out, unsigned dts, tdm__dist d, tdm__rng_req *q,
                          const char *fn) {
  TDM__CHECK(!r, TDM_ERR_INVALID, "%s: r: is NULL", fn);
  TDM__TRY(tdm__buf_check(r->ctx, out, fn, "out"));
  TDM__CHECK(!(dts & TDM__DT(out->dt)), TDM_ERR_INVALID, "%s: out: dtype %s, expected %s", fn,
             tdm_dtype_name(out->dt), tdm__dt_list(dts));
  q->dist = d;
  q->dt = out->dt;
  q->n = out->n;
  q->seed = r->seed;
  q->stream = r->stream;
  q->offset = r->offset;
  q->p[0] = q->p[1] = q->p[2] = q->p[3] = 0.0;
  return TDM_OK;
}

tdm_status tdm__rng_run(tdm_rng *r, tdm_buf *out, tdm__rng_req *q, double flops_per_value,
                        const char *fn) {
  /* The words this call consumes (exactly: a draw that just fits is
   * allowed), and the position after it, must fit. */
  unsigned bpv = tdm__rng_slice_blocks(q->dist);
  uint64_t words, end;
  int ovf = bpv ? __builtin_mul_overflow((uint64_t)q->n, 4ull * bpv, &words) ||
                      __builtin_add_overflow(words, (4 - (r->offset & 3)) & 3, &words)
                : __builtin_mul_overflow(tdm__rng_padded(q), tdm__rng_wpv(q->dist, q->dt), &words);
  TDM__CHECK(ovf || __builtin_add_overflow(r->offset, words, &end), TDM_ERR_INVALID,
             "%s: out: %zu values would run past the end of the stream", fn, out->n);
  if (!tdm__buf_contig(out)) { /* a strided view: the values of a fresh buffer of its shape */
    tdm_buf *tmp;
    TDM__TRY(tdm_buf_create(r->ctx, out->dt, out->rows, out->cols, &tmp));
    tdm_status s = tdm__rng_run(r, tmp, q, flops_per_value, fn);
    if (s == TDM_OK) {
      s = tdm_copy(r->ctx, tmp, out);
      if (s != TDM_OK) r->offset -= words; /* nothing drawn into out */
    }
    tdm_buf_destroy(tmp);
    return s;
  }
  tdm__opcost cost = {flops_per_value * (double)out->n, (double)out->bytes};
  tdm__exec ex = tdm__place(r->ctx, &cost, NULL, 0);
  void *po;
  tdm_status s = tdm__buf_out(r->ctx, &ex, out, 0, &po);
  if (s == TDM_OK) s = ex.be->rng_fill(ex.st, q, po);
  if (s != TDM_OK) return tdm__err_prefix(s, fn);
  tdm__buf_done(out, &ex);
  r->offset += words;
  return TDM_OK;
}

/* A parameter that must be finite and > 0. */
static tdm_status tdm__positive(double x, const char *fn, const char *arg) {
  TDM__CHECK(!tdm__rng_finite(x) || x <= 0.0, TDM_ERR_INVALID,
             "%s: %s: %g, expected a finite value > 0", fn, arg, x);
  return TDM_OK;
}

tdm_status tdm_rng_bits(tdm_rng *r, tdm_buf *out) {
  static const char fn[] = "tdm_rng_bits";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT(TDM_U32), TDM__RNG_BITS, &q, fn));
  return tdm__rng_run(r, out, &q, 10, fn);
}

tdm_status tdm_rng_uniform(tdm_rng *r, tdm_buf *out, double lo, double hi) {
  static const char fn[] = "tdm_rng_uniform";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_REAL, TDM__RNG_UNIFORM, &q, fn));
  TDM__CHECK(!tdm__rng_finite(lo) || !tdm__rng_finite(hi) || !(lo < hi), TDM_ERR_INVALID,
             "%s: lo, hi: [%g, %g) is not a finite nonempty interval", fn, lo, hi);
  if (q.dt == TDM_F32) { /* the interval between the floats nearest lo and hi */
    float flo = (float)lo, fhi = (float)hi, d = fhi - flo;
    TDM__CHECK(!(flo < fhi) || !tdm__rng_finite(d), TDM_ERR_INVALID,
               "%s: lo, hi: [%g, %g) is empty or unbounded in f32", fn, lo, hi);
    q.p[0] = flo;
    q.p[1] = fhi;
    q.p[2] = d;
    q.p[3] = nextafterf(fhi, -INFINITY);
  } else {
    double d = hi - lo;
    TDM__CHECK(!tdm__rng_finite(d), TDM_ERR_INVALID, "%s: lo, hi: hi - lo overflows", fn);
    q.p[0] = lo;
    q.p[1] = hi;
    q.p[2] = d;
    q.p[3] = nextafter(hi, -INFINITY);
  }
  return tdm__rng_run(r, out, &q, 10, fn);
}

/* normal and lognormal share their checks and their words. */
static tdm_status tdm__rng_gauss(tdm_rng *r, tdm_buf *out, double mean, double sd, tdm__dist d,
                                 const char *fn, const char *mname, const char *sname) {
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_REAL, d, &q, fn));
  TDM__CHECK(!tdm__rng_finite(mean), TDM_ERR_INVALID, "%s: %s: %g is not finite", fn, mname,
             mean);
  TDM__TRY(tdm__positive(sd, fn, sname));
  q.p[0] = mean;
  q.p[1] = sd;
  return tdm__rng_run(r, out, &q, 60, fn);
}

tdm_status tdm_rng_normal(tdm_rng *r, tdm_buf *out, double mean, double sd) {
  return tdm__rng_gauss(r, out, mean, sd, TDM__RNG_NORMAL, "tdm_rng_normal", "mean", "sd");
}

tdm_status tdm_rng_lognormal(tdm_rng *r, tdm_buf *out, double meanlog, double sdlog) {
  return tdm__rng_gauss(r, out, meanlog, sdlog, TDM__RNG_LOGNORMAL, "tdm_rng_lognormal",
                        "meanlog", "sdlog");
}

tdm_status tdm_rng_exponential(tdm_rng *r, tdm_buf *out, double rate) {
  static const char fn[] = "tdm_rng_exponential";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_REAL, TDM__RNG_EXPONENTIAL, &q, fn));
  TDM__TRY(tdm__positive(rate, fn, "rate"));
  q.p[0] = rate;
  return tdm__rng_run(r, out, &q, 30, fn);
}

tdm_status tdm_rng_gamma(tdm_rng *r, tdm_buf *out, double shape, double scale) {
  static const char fn[] = "tdm_rng_gamma";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_REAL, TDM__RNG_GAMMA, &q, fn));
  TDM__TRY(tdm__positive(shape, fn, "shape"));
  TDM__TRY(tdm__positive(scale, fn, "scale"));
  q.p[0] = shape;
  q.p[1] = scale;
  return tdm__rng_run(r, out, &q, 200, fn);
}

tdm_status tdm_rng_chisq(tdm_rng *r, tdm_buf *out, double df) {
  static const char fn[] = "tdm_rng_chisq";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_REAL, TDM__RNG_CHISQ, &q, fn));
  TDM__TRY(tdm__positive(df, fn, "df"));
  q.p[0] = df;
  return tdm__rng_run(r, out, &q, 200, fn);
}

tdm_status tdm_rng_beta(tdm_rng *r, tdm_buf *out, double a, double b) {
  static const char fn[] = "tdm_rng_beta";
  tdm__rng_req q;
  TDM__TRY(tdm__rng_begin(r, out, TDM__DT_REAL, TDM__RNG_BETA, &q, fn));
  TDM__TRY(tdm__positive(a, fn, "a"));
  TDM__TRY(tdm__positive(b, fn, "b"));
  q.p[0] = a;
  q.p[1] = b;
  return tdm__rng_run(r, out, &q, 450, fn);
}
