/* eval.c -- tdm__cpu_eval: runs an expression program over the data in
 * blocks of 8 KiB per register (1024 doubles / 2048 floats, so a block's
 * registers stay in L1/L2), one instruction at a time over the whole block
 * with the widest SIMD tier the CPU has (vexec_*.c). Threads take groups
 * of blocks from a shared counter; each has its own scratch registers. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/vexec.h"

#define TDM__EBLOCK_BYTES 8192
#define TDM__EMIN_PER_THREAD 16384 /* elements below which a thread is not worth waking */
#define TDM__ESTREAM_BYTES ((size_t)32 << 20) /* outputs this big bypass the caches */

static const tdm__visa *const tdm__visas[TDM__ISA_COUNT] = {
    &tdm__visa_scalar, &tdm__visa_sse2, &tdm__visa_avx2, &tdm__visa_avx512};
static int tdm__isa_forced = -1; /* atomic; -1: the best */
static int tdm__isa_best = -1;   /* atomic; found on first use */

/* The tier is built in and this CPU has its ISA. */
static int tdm__isa_ok(int isa) {
  if (!tdm__visas[isa]->f64) return 0;
#if defined(__x86_64__)
  switch (isa) {
  case TDM__ISA_SSE2: return __builtin_cpu_supports("sse2");
  case TDM__ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case TDM__ISA_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  }
#endif
  return isa == TDM__ISA_SCALAR;
}

static int tdm__best(void) {
  int b = __atomic_load_n(&tdm__isa_best, __ATOMIC_RELAXED);
  if (b < 0) {
    b = TDM__ISA_SCALAR;
    for (int i = TDM__ISA_COUNT - 1; i > 0; i--)
      if (tdm__isa_ok(i)) {
        b = i;
        break;
      }
    __atomic_store_n(&tdm__isa_best, b, __ATOMIC_RELAXED);
  }
  return b;
}

int tdm__cpu_eval_isa(int isa) {
  if (isa < 0) {
    __atomic_store_n(&tdm__isa_forced, -1, __ATOMIC_RELAXED);
    return tdm__best();
  }
  if (isa >= TDM__ISA_COUNT || !tdm__isa_ok(isa)) return -1;
  __atomic_store_n(&tdm__isa_forced, isa, __ATOMIC_RELAXED);
  return isa;
}

int tdm__cpu_eval_isa_current(const char **name) {
  int f = __atomic_load_n(&tdm__isa_forced, __ATOMIC_RELAXED);
  int isa = f >= 0 ? f : tdm__best();
  if (name) *name = tdm__visas[isa]->name;
  return isa;
}

/* ---- loads and stores with conversion --------------------------------- */

#define TDM__CONV(TD, TS)                                                      \
  do {                                                                         \
    const TS *s_ = (const TS *)src;                                            \
    TD *d_ = (TD *)dst;                                                        \
    for (size_t i_ = 0; i_ < n; i_++) d_[i_] = (TD)s_[i_];                     \
  } while (0)

/* dst[0..n) (type ct) = src[0..n) (type dt), converted. */
static void tdm__load(void *dst, tdm_dtype ct, const void *src, tdm_dtype dt, size_t n) {
  if (ct == TDM_F64) {
    switch (dt) {
    case TDM_F32: TDM__CONV(double, float); break;
    case TDM_F64: TDM__CONV(double, double); break;
    case TDM_I32: TDM__CONV(double, int32_t); break;
    case TDM_I64: TDM__CONV(double, int64_t); break;
    case TDM_U32: TDM__CONV(double, uint32_t); break;
    }
  } else {
    switch (dt) {
    case TDM_F32: TDM__CONV(float, float); break;
    case TDM_F64: TDM__CONV(float, double); break;
    case TDM_I32: TDM__CONV(float, int32_t); break;
    case TDM_I64: TDM__CONV(float, int64_t); break;
    case TDM_U32: TDM__CONV(float, uint32_t); break;
    }
  }
}

/* dst[0..n) = v (type ct). */
static void tdm__fill(void *dst, tdm_dtype ct, double v, size_t n) {
  if (ct == TDM_F64) {
    double *d = dst;
    for (size_t i = 0; i < n; i++) d[i] = v;
  } else {
    float *d = dst, f = (float)v;
    for (size_t i = 0; i < n; i++) d[i] = f;
  }
}

/* ---- blocks ------------------------------------------------------------- */

typedef struct tdm__ejob {
  const tdm__prog *p;
  const tdm__eval_args *a;
  const tdm__visa *v;
  int stream; /* results go out with non-temporal stores */
  tdm__vexec_fn fx;
  tdm_dtype ct;
  size_t es, blk, nblk, grab;
  char *scratch;
  size_t slot_bytes, reg_bytes;
  size_t next; /* atomic: the next block to take */
} tdm__ejob;

static void tdm__run_block(const tdm__ejob *j, char *scr, size_t b) {
  const tdm__prog *p = j->p;
  const tdm__eval_args *a = j->a;
  size_t off = b * j->blk, len = a->n - off < j->blk ? a->n - off : j->blk;
  size_t plen = (len + TDM__VEXEC_PAD - 1) / TDM__VEXEC_PAD * TDM__VEXEC_PAD;
  int full = len == j->blk;
  char *outp = (char *)a->out + off * tdm_dtype_size(a->out_dt);
  int direct = full && a->out_dt == j->ct && !j->stream;
  const void *cur[TDM__EXPR_MAX_REGS] = {0}; /* unused operands read as NULL */
  void *dst = NULL;
  for (int i = 0; i < p->ncode; i++) {
    const tdm__ins *in = &p->code[i];
    int last = i == p->ncode - 1;
    dst = last && direct ? (void *)outp : scr + (size_t)in->dst * j->reg_bytes;
    if (in->op == TDM__OP_LOAD) {
      int k = in->k;
      const char *src = a->in[k];
      size_t ies = tdm_dtype_size(a->in_dt[k]);
      if (a->in_n[k] == 1) {
        tdm__load(dst, j->ct, src, a->in_dt[k], 1);
        tdm__fill(dst, j->ct, j->ct == TDM_F64 ? *(double *)dst : *(float *)dst, plen);
      } else if (a->in_dt[k] == j->ct && full && !last) {
        cur[in->dst] = src + off * ies; /* read in place */
        continue;
      } else {
        tdm__load(dst, j->ct, src + off * ies, a->in_dt[k], len);
        memset((char *)dst + len * j->es, 0, (plen - len) * j->es);
      }
    } else if (in->op == TDM__OP_CONST) {
      tdm__fill(dst, j->ct, p->consts[in->k], plen);
    } else {
      double kv = in->flags ? p->consts[in->k] : 0;
      j->fx(in, dst, cur[in->a], cur[in->b], cur[in->c], kv, plen);
    }
    cur[in->dst] = dst;
  }
  if (direct) return;
  if (j->stream && full && a->out_dt == j->ct) j->v->stream(outp, dst, len * j->es);
  else tdm__load(outp, a->out_dt, dst, j->ct, len);
}

static void tdm__eval_slots(void *arg, size_t lo, size_t hi) {
  tdm__ejob *j = arg;
  for (size_t s = lo; s < hi; s++) {
    char *scr = j->scratch + s * j->slot_bytes;
    for (;;) {
      size_t b0 = __atomic_fetch_add(&j->next, j->grab, __ATOMIC_RELAXED);
      if (b0 >= j->nblk) break;
      size_t b1 = b0 + j->grab < j->nblk ? b0 + j->grab : j->nblk;
      for (size_t b = b0; b < b1; b++) tdm__run_block(j, scr, b);
    }
  }
  if (j->stream) j->v->fence();
}

tdm_status tdm__cpu_eval(void *st, const tdm__prog *p, const tdm__eval_args *a) {
  const tdm__cpu *c = st;
  TDM__CHECK(!p || !a || !a->out || a->nin != p->nin || a->nin > TDM__MAX_INPUTS, TDM_ERR_INVALID,
             "expression kernel: inconsistent arguments");
  TDM__CHECK(a->out_dt != TDM_F32 && a->out_dt != TDM_F64, TDM_ERR_INVALID,
             "expression kernel: output dtype %s is not f32 or f64", tdm_dtype_name(a->out_dt));
  for (int i = 0; i < a->nin; i++)
    TDM__CHECK((p->used >> i & 1) && (!a->in[i] || (a->in_n[i] != a->n && a->in_n[i] != 1) ||
                                      tdm_dtype_size(a->in_dt[i]) == 0),
               TDM_ERR_INVALID, "expression kernel: input %d is inconsistent", i);
  if (a->n == 0) return TDM_OK;
  tdm__ejob j = {0};
  j.p = p;
  j.a = a;
  j.ct = tdm__expr_ctype(a->out_dt, a->nin, a->in_dt);
  const tdm__visa *v = tdm__visas[tdm__cpu_eval_isa_current(NULL)];
  j.v = v;
  j.fx = j.ct == TDM_F64 ? v->f64 : v->f32;
  j.stream = a->n * tdm_dtype_size(a->out_dt) >= TDM__ESTREAM_BYTES;
  j.es = tdm_dtype_size(j.ct);
  j.blk = TDM__EBLOCK_BYTES / j.es;
  j.nblk = (a->n + j.blk - 1) / j.blk;
  j.reg_bytes = TDM__EBLOCK_BYTES;
  j.slot_bytes = (size_t)(p->nregs > 0 ? p->nregs : 1) * j.reg_bytes;
  size_t want = a->n / TDM__EMIN_PER_THREAD;
  int nthr = c->threads;
  if ((size_t)nthr > want) nthr = want > 0 ? (int)want : 1;
  if ((size_t)nthr > j.nblk) nthr = (int)j.nblk;
  j.grab = j.nblk / ((size_t)nthr * 16);
  if (j.grab < 1) j.grab = 1;
  if (j.grab > 16) j.grab = 16;
  j.scratch = tdm__malloc((size_t)nthr * j.slot_bytes);
  TDM__CHECK(!j.scratch, TDM_ERR_NOMEM, "expression kernel: out of host memory for %d x %zu bytes",
             nthr, j.slot_bytes);
  if (nthr == 1) tdm__eval_slots(&j, 0, 1);
  else tdm__par_for(nthr, (size_t)nthr, 1, tdm__eval_slots, &j);
  tdm__free(j.scratch);
  return TDM_OK;
}
