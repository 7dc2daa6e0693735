/* eval.c -- tdm__cpu_eval / tdm__cpu_eval_reduce: run an expression
 * program over the data in blocks of 8 KiB per register (1024 doubles /
 * 2048 floats, so a block's registers stay in L1/L2), one instruction at a
 * time over the whole block with the kernel table's SIMD tier (ktab.h,
 * vexec_*.c). Strided (view) and broadcast operands are read a column's
 * contiguous run at a time. Threads take groups of blocks from a shared
 * counter; each has its own scratch registers. eval_reduce feeds each
 * block's result to the reduction's block kernel (reduce_block.c). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"
#include "cpu/ktab.h"
#include "cpu/reduce_int.h"
#include "cpu/vexec.h"

#define TDM__EBLOCK_BYTES 8192
#define TDM__EMIN_PER_THREAD 16384 /* elements below which a thread is not worth waking */
#define TDM__ESTREAM_BYTES ((size_t)32 << 20) /* outputs this big bypass the caches */
#define TDM__EPLAN 256 /* programs up to this long take scalar inputs as immediates */

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

#define TDM__CONVS(TD, TS)                                                     \
  do {                                                                         \
    const TS *s_ = (const TS *)src;                                            \
    TD *d_ = (TD *)dst;                                                        \
    for (size_t i_ = 0; i_ < n; i_++) d_[i_] = (TD)s_[i_ * st];                \
  } while (0)

/* dst[0..n) (type ct) = src[0, st, 2st, ...) (type dt): a contiguous run
 * (st 1), one value repeated (st 0: a row input within a column), or a
 * strided one. */
static void tdm__gather(void *dst, tdm_dtype ct, const void *src, tdm_dtype dt, size_t st,
                        size_t n) {
  if (st == 1) {
    tdm__load(dst, ct, src, dt, n);
  } else if (st == 0) {
    tdm__load(dst, ct, src, dt, 1);
    tdm__fill(dst, ct, ct == TDM_F64 ? *(double *)dst : *(float *)dst, n);
  } else if (ct == TDM_F64) {
    switch (dt) {
    case TDM_F32: TDM__CONVS(double, float); break;
    case TDM_F64: TDM__CONVS(double, double); break;
    case TDM_I32: TDM__CONVS(double, int32_t); break;
    case TDM_I64: TDM__CONVS(double, int64_t); break;
    case TDM_U32: TDM__CONVS(double, uint32_t); break;
    }
  } else {
    switch (dt) {
    case TDM_F32: TDM__CONVS(float, float); break;
    case TDM_F64: TDM__CONVS(float, double); break;
    case TDM_I32: TDM__CONVS(float, int32_t); break;
    case TDM_I64: TDM__CONVS(float, int64_t); break;
    case TDM_U32: TDM__CONVS(float, uint32_t); break;
    }
  }
}

/* dst[0, st, 2st, ...) (f32/f64 od) = src[0..n) (type ct). */
static void tdm__scatter(void *dst, tdm_dtype od, const void *src, tdm_dtype ct, size_t st,
                         size_t n) {
  if (st == 1) {
    tdm__load(dst, od, src, ct, n);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    double v = ct == TDM_F64 ? ((const double *)src)[i] : ((const float *)src)[i];
    if (od == TDM_F64) ((double *)dst)[i * st] = v;
    else ((float *)dst)[i * st] = (float)v;
  }
}

/* ---- blocks ------------------------------------------------------------- */

/* Blocks run over the result's elements in column-major order; element
 * (i, c) of the layout: out at i*ors + c*ocs, input k at i*rs[k] + c*cs[k]
 * (elements). A flat layout (every operand contiguous) is one column of
 * n rows. */
typedef struct tdm__ejob {
  const tdm__prog *p;
  const tdm__eval_args *a;
  const tdm__visa *v;
  int stream; /* results go out with non-temporal stores */
  tdm__vexec_fn fx;
  tdm_dtype ct;
  size_t es, blk, nblk, grab;
  size_t rows, ors, ocs, rs[TDM__MAX_INPUTS], cs[TDM__MAX_INPUTS];
  char *scratch;
  size_t slot_bytes, reg_bytes;
  size_t next; /* atomic: the next block (or item) to take */
  /* eval_reduce: items of iblk blocks, each one's moments in part[] */
  tdm__moments *part;
  size_t iblk, nitems;
  /* Scalar inputs as immediates (programs of up to TDM__EPLAN
   * instructions): a binary instruction reading a scalar input's register
   * takes its value instead (immf: TDM__K_A or K_B; immk: the input), and a
   * scalar LOAD no instruction needs as a block (skip) fills nothing. */
  int planned;
  uint8_t skip[TDM__EPLAN], immf[TDM__EPLAN], immk[TDM__EPLAN];
  double sval[TDM__MAX_INPUTS];
} tdm__ejob;

static void tdm__plan_scalars(tdm__ejob *j) {
  const tdm__prog *p = j->p;
  const tdm__eval_args *a = j->a;
  j->planned = p->ncode <= TDM__EPLAN;
  if (!j->planned) return;
  for (int k = 0; k < a->nin; k++)
    if (a->in_n[k] == 1 && (p->used >> k & 1)) {
      char v[8];
      tdm__load(v, j->ct, a->in[k], a->in_dt[k], 1);
      j->sval[k] = j->ct == TDM_F64 ? *(double *)v : *(float *)v;
    }
  int def[TDM__EXPR_MAX_REGS];
  uint8_t need[TDM__EPLAN] = {0};
  for (int r = 0; r < TDM__EXPR_MAX_REGS; r++) def[r] = -1;
  for (int i = 0; i < p->ncode; i++) {
    const tdm__ins *in = &p->code[i];
    int ar = tdm__ins_arity(in->op), opnd[3] = {in->a, in->b, in->c};
    j->immf[i] = 0;
    for (int o = 0; o < ar; o++) {
      if (ar == 2 && ((o == 0 && (in->flags & TDM__K_A)) || (o == 1 && (in->flags & TDM__K_B))))
        continue;
      int d = def[opnd[o]];
      if (d < 0 || p->code[d].op != TDM__OP_LOAD || a->in_n[p->code[d].k] != 1) continue;
      if (ar == 2 && !in->flags && !j->immf[i]) {
        j->immf[i] = o == 0 ? TDM__K_A : TDM__K_B;
        j->immk[i] = (uint8_t)p->code[d].k;
      } else {
        need[d] = 1;
      }
    }
    def[in->dst] = i;
  }
  need[p->ncode - 1] = 1;
  for (int i = 0; i < p->ncode; i++)
    j->skip[i] = p->code[i].op == TDM__OP_LOAD && a->in_n[p->code[i].k] == 1 && !need[i];
}

/* Input k's elements [off, off+len) of the layout into dst (type ct). */
static void tdm__load_run(const tdm__ejob *j, int k, void *dst, size_t off, size_t len) {
  const tdm__eval_args *a = j->a;
  const char *base = a->in[k];
  size_t ies = tdm_dtype_size(a->in_dt[k]), i = off % j->rows, c = off / j->rows, done = 0;
  while (done < len) {
    size_t seg = j->rows - i < len - done ? j->rows - i : len - done;
    tdm__gather((char *)dst + done * j->es, j->ct, base + (i * j->rs[k] + c * j->cs[k]) * ies,
                a->in_dt[k], j->rs[k], seg);
    done += seg, i = 0, c++;
  }
}

/* The result's elements [off, off+len) from src (type ct) to out. */
static void tdm__store_run(const tdm__ejob *j, const void *src, size_t off, size_t len) {
  const tdm__eval_args *a = j->a;
  size_t oes = tdm_dtype_size(a->out_dt), i = off % j->rows, c = off / j->rows, done = 0;
  while (done < len) {
    size_t seg = j->rows - i < len - done ? j->rows - i : len - done;
    tdm__scatter((char *)a->out + (i * j->ors + c * j->ocs) * oes, a->out_dt,
                 (const char *)src + done * j->es, j->ct, j->ors, seg);
    done += seg, i = 0, c++;
  }
}

/* Runs block b; with m (eval_reduce) its result's moments go there instead
 * of to out. */
static void tdm__run_block(const tdm__ejob *j, char *scr, size_t b, tdm__moments *m) {
  const tdm__prog *p = j->p;
  const tdm__eval_args *a = j->a;
  size_t off = b * j->blk, len = a->n - off < j->blk ? a->n - off : j->blk;
  size_t plen = (len + TDM__VEXEC_PAD - 1) / TDM__VEXEC_PAD * TDM__VEXEC_PAD;
  int full = len == j->blk;
  size_t i0 = off % j->rows, c0 = off / j->rows;
  int one = i0 + len <= j->rows; /* the block lies within one column */
  char *outp = m ? NULL : (char *)a->out + (i0 * j->ors + c0 * j->ocs) * tdm_dtype_size(a->out_dt);
  int direct = !m && one && j->ors == 1 && full && a->out_dt == j->ct && !j->stream;
  const void *cur[TDM__EXPR_MAX_REGS] = {0}; /* unused operands read as NULL */
  void *dst = NULL;
  for (int i = 0; i < p->ncode; i++) {
    const tdm__ins *in = &p->code[i];
    int last = i == p->ncode - 1;
    dst = last && direct ? (void *)outp : scr + (size_t)in->dst * j->reg_bytes;
    if (in->op == TDM__OP_LOAD) {
      int k = in->k;
      if (j->planned && j->skip[i]) continue; /* read as an immediate by its users */
      if (a->in_n[k] == 1) {
        tdm__load(dst, j->ct, a->in[k], a->in_dt[k], 1);
        tdm__fill(dst, j->ct, j->ct == TDM_F64 ? *(double *)dst : *(float *)dst, plen);
      } else if (one && j->rs[k] == 1 && a->in_dt[k] == j->ct && full && !last) {
        /* read in place (a column input: the same run for every column) */
        cur[in->dst] = (const char *)a->in[k] + (i0 + c0 * j->cs[k]) * j->es;
        continue;
      } else {
        tdm__load_run(j, k, dst, off, len);
        memset((char *)dst + len * j->es, 0, (plen - len) * j->es);
      }
    } else if (in->op == TDM__OP_CONST) {
      tdm__fill(dst, j->ct, p->consts[in->k], plen);
    } else if (j->planned && j->immf[i]) {
      tdm__ins t = *in;
      t.flags = j->immf[i];
      j->fx(&t, dst, cur[in->a], cur[in->b], cur[in->c], j->sval[j->immk[i]], plen);
    } else {
      double kv = in->flags ? p->consts[in->k] : 0;
      j->fx(in, dst, cur[in->a], cur[in->b], cur[in->c], kv, plen);
    }
    cur[in->dst] = dst;
  }
  if (m) {
    tdm__reduce_block(j->ct, dst, len, m);
    return;
  }
  if (direct) return;
  if (j->stream && one && j->ors == 1 && full && a->out_dt == j->ct)
    j->v->stream(outp, dst, len * j->es);
  else if (one) tdm__scatter(outp, a->out_dt, dst, j->ct, j->ors, len);
  else tdm__store_run(j, dst, off, len);
}

static void tdm__eval_slots(void *arg, size_t lo, size_t hi) {
  tdm__ejob *j = arg;
  for (size_t s = lo; s < hi; s++) {
    char *scr = j->scratch + s * j->slot_bytes;
    for (;;) {
      size_t b0 = __atomic_fetch_add(&j->next, j->grab, __ATOMIC_RELAXED);
      if (b0 >= j->nblk) break;
      size_t b1 = b0 + j->grab < j->nblk ? b0 + j->grab : j->nblk;
      for (size_t b = b0; b < b1; b++) tdm__run_block(j, scr, b, NULL);
    }
  }
  if (j->stream) j->v->fence();
}

/* eval_reduce: a slot takes whole items; an item's blocks merge in order. */
static void tdm__reduce_slots(void *arg, size_t lo, size_t hi) {
  tdm__ejob *j = arg;
  for (size_t s = lo; s < hi; s++) {
    char *scr = j->scratch + s * j->slot_bytes;
    for (;;) {
      size_t it = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
      if (it >= j->nitems) break;
      size_t b1 = (it + 1) * j->iblk < j->nblk ? (it + 1) * j->iblk : j->nblk;
      tdm__moments acc = {0}, m;
      for (size_t b = it * j->iblk; b < b1; b++) {
        tdm__run_block(j, scr, b, &m);
        tdm__moments_merge(&acc, &m);
      }
      j->part[it] = acc;
    }
  }
}

/* Checks a, fills the job's types and layout (first-wave callers: rows 0,
 * a flat n-vector). */
static tdm_status tdm__ejob_init(tdm__ejob *j, const tdm__prog *p, const tdm__eval_args *a,
                                 int reduce) {
  TDM__CHECK(!p || !a || (!reduce && !a->out) || a->nin != p->nin || a->nin > TDM__MAX_INPUTS,
             TDM_ERR_INVALID, "expression kernel: inconsistent arguments");
  TDM__CHECK(a->out_dt != TDM_F32 && a->out_dt != TDM_F64, TDM_ERR_INVALID,
             "expression kernel: output dtype %s is not f32 or f64", tdm_dtype_name(a->out_dt));
  int legacy = a->rows == 0 || a->cols == 0;
  TDM__CHECK(!legacy && a->rows * a->cols != a->n, TDM_ERR_INVALID,
             "expression kernel: %zu x %zu is not %zu elements", a->rows, a->cols, a->n);
  for (int i = 0; i < a->nin; i++)
    TDM__CHECK((p->used >> i & 1) && (!a->in[i] || (a->in_n[i] != a->n && a->in_n[i] != 1) ||
                                      tdm_dtype_size(a->in_dt[i]) == 0),
               TDM_ERR_INVALID, "expression kernel: input %d is inconsistent", i);
  memset(j, 0, sizeof *j);
  j->p = p;
  j->a = a;
  j->ct = tdm__expr_ctype(a->out_dt, a->nin, a->in_dt);
  const tdm__visa *v = tdm__ktab_get()->vexec;
  j->v = v;
  j->fx = j->ct == TDM_F64 ? (a->fast ? v->f64fast : v->f64) : (a->fast ? v->f32fast : v->f32);
  j->es = tdm_dtype_size(j->ct);
  size_t r = legacy ? a->n : a->rows, c = legacy ? 1 : a->cols;
  j->rows = r, j->ors = 1, j->ocs = legacy ? r : a->ld;
  int flat = c == 1 || j->ocs == r;
  for (int k = 0; k < a->nin; k++) {
    int sc = a->in_n[k] == 1;
    j->rs[k] = sc ? 0 : legacy ? 1 : a->in_rs[k];
    j->cs[k] = sc ? 0 : legacy ? r : a->in_cs[k];
    if ((p->used >> k & 1) && !sc) flat &= j->rs[k] == 1 && (c == 1 || j->cs[k] == r);
  }
  tdm__plan_scalars(j);
  if (flat) { /* one column of n */
    j->rows = a->n, j->ocs = a->n;
  } else if (r == 1) { /* one row: walk it as a column with the column strides */
    j->rows = c, j->ors = j->ocs, j->ocs = 0;
    for (int k = 0; k < a->nin; k++) j->rs[k] = j->cs[k], j->cs[k] = 0;
  }
  return TDM_OK;
}

static int tdm__nthreads(const tdm__cpu *c, size_t n, size_t units) {
  size_t want = n / TDM__EMIN_PER_THREAD;
  int nthr = c->threads;
  if ((size_t)nthr > want) nthr = want > 0 ? (int)want : 1;
  if ((size_t)nthr > units) nthr = (int)units;
  return nthr < 1 ? 1 : nthr;
}

tdm_status tdm__cpu_eval(void *st, const tdm__prog *p, const tdm__eval_args *a) {
  const tdm__cpu *c = st;
  tdm__ejob j;
  TDM__TRY(tdm__ejob_init(&j, p, a, 0));
  if (a->n == 0) return TDM_OK;
  j.stream = a->n * tdm_dtype_size(a->out_dt) >= TDM__ESTREAM_BYTES;
  j.blk = TDM__EBLOCK_BYTES / j.es;
  j.nblk = (a->n + j.blk - 1) / j.blk;
  j.reg_bytes = TDM__EBLOCK_BYTES;
  j.slot_bytes = (size_t)(p->nregs > 0 ? p->nregs : 1) * j.reg_bytes;
  int nthr = tdm__nthreads(c, a->n, j.nblk);
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

/* The reduction's blocks are tdm_reduce's (TDM__RBLOCK elements, items of
 * TDM__RSUPER merged in order; reduce_int.h), so the moments are those tdm_reduce gives
 * for the evaluated result, bit for bit, whatever the thread count. */
tdm_status tdm__cpu_eval_reduce(void *st, const tdm__prog *p, const tdm__eval_args *a,
                                tdm__moments *out) {
  const tdm__cpu *c = st;
  tdm__ejob j;
  TDM__CHECK(!out, TDM_ERR_INVALID, "expression kernel: out: is NULL");
  TDM__TRY(tdm__ejob_init(&j, p, a, 1));
  memset(out, 0, sizeof *out);
  if (a->n == 0) return TDM_OK;
  j.blk = TDM__RBLOCK;
  j.nblk = (a->n + j.blk - 1) / j.blk;
  j.iblk = TDM__RSUPER;
  j.nitems = (j.nblk + j.iblk - 1) / j.iblk;
  j.reg_bytes = j.blk * j.es;
  j.slot_bytes = (size_t)(p->nregs > 0 ? p->nregs : 1) * j.reg_bytes;
  int nthr = tdm__nthreads(c, a->n, j.nitems);
  tdm__moments one;
  j.part = j.nitems == 1 ? &one : tdm__malloc(j.nitems * sizeof *j.part);
  TDM__CHECK(!j.part, TDM_ERR_NOMEM, "expression kernel: out of host memory for %zu partial results",
             j.nitems);
  j.scratch = tdm__malloc((size_t)nthr * j.slot_bytes);
  if (!j.scratch) {
    if (j.part != &one) tdm__free(j.part);
    return tdm__err(TDM_ERR_NOMEM, "expression kernel: out of host memory for %d x %zu bytes", nthr,
                    j.slot_bytes);
  }
  if (nthr == 1) tdm__reduce_slots(&j, 0, 1);
  else tdm__par_for(nthr, (size_t)nthr, 1, tdm__reduce_slots, &j);
  tdm__moments m = j.part[0];
  for (size_t i = 1; i < j.nitems; i++) tdm__moments_merge(&m, &j.part[i]);
  if (j.part != &one) tdm__free(j.part);
  tdm__free(j.scratch);
  *out = m;
  return TDM_OK;
}
