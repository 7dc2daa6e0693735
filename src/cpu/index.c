/* index.c -- gather (take) and non-zero positions on the CPU. take checks
 * every index in a parallel pass first (nothing is written when one is
 * bad), then gathers in parallel: rows in blocks of indices, one column at
 * a time, so each block's indices stay in L1 and its loads are independent;
 * columns one (part of a) column per item. nonzero counts fixed blocks in
 * parallel, prefix-sums the counts, then each block writes its positions. */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "cpu/cpu_int.h"

#define TDM__TAKE_ROWS 256            /* indices per gather block (axis 0) */
#define TDM__TAKE_SEG ((size_t)1 << 16) /* elements per work item of a column copy (axis 1) */
#define TDM__NZ_BLOCK ((size_t)1 << 16) /* mask elements per nonzero block */

static inline int64_t tdm__iget(tdm_dtype idt, const void *idx, size_t off) {
  return idt == TDM_I32 ? (int64_t)((const int32_t *)idx)[off] : ((const int64_t *)idx)[off];
}

/* ---- the index check ------------------------------------------------------ */
typedef struct tdm__check_job {
  const tdm__take_args *a;
  size_t limit;   /* valid indices are [0, limit) */
  size_t bad;     /* lowest bad element (atomic min), SIZE_MAX if none */
} tdm__check_job;

static void tdm__check_range(void *arg, size_t lo, size_t hi) {
  tdm__check_job *j = arg;
  const tdm__take_args *a = j->a;
  for (size_t q = lo; q < hi; q++) {
    int64_t v = tdm__iget(a->idt, a->idx, tdm__ioff(q, a->irows, a->ild));
    if (v < 0 || (uint64_t)v >= j->limit) {
      size_t cur = __atomic_load_n(&j->bad, __ATOMIC_RELAXED);
      while (q < cur && !__atomic_compare_exchange_n(&j->bad, &cur, q, 0, __ATOMIC_RELAXED,
                                                     __ATOMIC_RELAXED)) {
      }
      return; /* later elements of this range are higher */
    }
  }
}

static tdm_status tdm__take_check(const tdm__cpu *c, const tdm__take_args *a) {
  tdm__check_job j = {a, a->axis == 0 ? a->rows : a->cols, SIZE_MAX};
  tdm__par_for(c->threads, a->m, (size_t)1 << 15, tdm__check_range, &j);
  if (j.bad == SIZE_MAX) return TDM_OK;
  long long v = (long long)tdm__iget(a->idt, a->idx, tdm__ioff(j.bad, a->irows, a->ild));
  return tdm__err(TDM_ERR_INVALID, "idx: element %zu is %lld, outside [0, %zu) (the %s of x)",
                  j.bad, v, j.limit, a->axis == 0 ? "rows" : "columns");
}

/* ---- gather rows (axis 0) --------------------------------------------------- */
#define TDM__GATHER_ROWS(T)                                                                        \
  static void tdm__rows_##T(const tdm__take_args *a, const size_t *ix, size_t i0, size_t nb) {     \
    const T *x = a->x;                                                                             \
    T *o = (T *)a->out + i0;                                                                       \
    for (size_t j = 0; j < a->cols; j++) {                                                         \
      const T *xc = x + j * a->ldx;                                                                \
      T *oc = o + j * a->ldo;                                                                      \
      for (size_t i = 0; i < nb; i++) oc[i] = xc[ix[i]];                                           \
    }                                                                                              \
  }
TDM__GATHER_ROWS(uint32_t)
TDM__GATHER_ROWS(uint64_t)

static void tdm__take_rows(void *arg, size_t lo, size_t hi) {
  const tdm__take_args *a = arg;
  size_t ix[TDM__TAKE_ROWS];
  int wide = tdm__esize(a->dt) == 8;
  for (size_t b = lo; b < hi; b++) {
    size_t i0 = b * TDM__TAKE_ROWS, nb = a->m - i0 < TDM__TAKE_ROWS ? a->m - i0 : TDM__TAKE_ROWS;
    if (a->ild == a->irows && a->idt == TDM_I64) {
      const int64_t *p = (const int64_t *)a->idx + i0;
      for (size_t i = 0; i < nb; i++) ix[i] = (size_t)p[i];
    } else if (a->ild == a->irows) {
      const int32_t *p = (const int32_t *)a->idx + i0;
      for (size_t i = 0; i < nb; i++) ix[i] = (size_t)p[i];
    } else {
      for (size_t i = 0; i < nb; i++)
        ix[i] = (size_t)tdm__iget(a->idt, a->idx, tdm__ioff(i0 + i, a->irows, a->ild));
    }
    if (wide) tdm__rows_uint64_t(a, ix, i0, nb);
    else tdm__rows_uint32_t(a, ix, i0, nb);
  }
}

/* ---- gather columns (axis 1): item = (column of out, segment of rows) ------- */
static void tdm__take_cols(void *arg, size_t lo, size_t hi) {
  const tdm__take_args *a = arg;
  size_t es = tdm__esize(a->dt), nseg = (a->rows + TDM__TAKE_SEG - 1) / TDM__TAKE_SEG;
  for (size_t w = lo; w < hi; w++) {
    size_t j = w / nseg, r0 = w % nseg * TDM__TAKE_SEG;
    size_t nr = a->rows - r0 < TDM__TAKE_SEG ? a->rows - r0 : TDM__TAKE_SEG;
    size_t src = (size_t)tdm__iget(a->idt, a->idx, tdm__ioff(j, a->irows, a->ild));
    memcpy((char *)a->out + (j * a->ldo + r0) * es, (const char *)a->x + (src * a->ldx + r0) * es,
           nr * es);
  }
}

tdm_status tdm__cpu_take(void *st, const tdm__take_args *a) {
  const tdm__cpu *c = st;
  TDM__TRY(tdm__take_check(c, a));
  if (a->axis == 0) {
    size_t nb = (a->m + TDM__TAKE_ROWS - 1) / TDM__TAKE_ROWS;
    size_t grain = (size_t)1 << 14; /* elements per chunk, at least */
    grain = grain / (TDM__TAKE_ROWS * (a->cols ? a->cols : 1)) + 1;
    tdm__par_for(c->threads, nb, grain, tdm__take_rows, (void *)a);
  } else {
    size_t nseg = (a->rows + TDM__TAKE_SEG - 1) / TDM__TAKE_SEG;
    size_t per = a->rows < TDM__TAKE_SEG ? a->rows : TDM__TAKE_SEG;
    tdm__par_for(c->threads, a->m * nseg, ((size_t)1 << 14) / per + 1, tdm__take_cols, (void *)a);
  }
  return TDM_OK;
}

/* ---- nonzero ----------------------------------------------------------------- */
typedef struct tdm__nz_job {
  const tdm__nonzero_args *a;
  size_t n;     /* elements of mask */
  size_t *cnt;  /* per block: count, then (after the prefix sum) first output slot */
  int write;    /* 0: count; 1: write positions */
} tdm__nz_job;

static inline void tdm__iput(const tdm__nonzero_args *a, size_t q, size_t v) {
  size_t off = tdm__ioff(q, a->irows, a->ild);
  if (a->idt == TDM_I32) ((int32_t *)a->idx)[off] = (int32_t)v;
  else ((int64_t *)a->idx)[off] = (int64_t)v;
}

/* Positions [lo, hi) of the mask, column by column (ld may exceed rows),
 * for one element type T (floats: NaN != 0 holds, -0.0 != 0 does not).
 * Counts them; with out != NULL also writes them from slot *out on. */
#define TDM__NZ_SPAN(T)                                                                            \
  static size_t tdm__nz_##T(const tdm__nonzero_args *a, size_t lo, size_t hi, size_t *out) {       \
    const T *m = a->mask;                                                                          \
    size_t k = 0, r = a->rows;                                                                     \
    for (size_t p = lo; p < hi;) {                                                                 \
      size_t i = p % r, e = r - i < hi - p ? r - i : hi - p;                                       \
      const T *col = m + p / r * a->ldm + i;                                                       \
      if (out) {                                                                                   \
        for (size_t t = 0; t < e; t++)                                                             \
          if (col[t] != 0) tdm__iput(a, (*out)++, p + t), k++;                                     \
      } else {                                                                                     \
        for (size_t t = 0; t < e; t++) k += (size_t)(col[t] != 0);                                 \
      }                                                                                            \
      p += e;                                                                                      \
    }                                                                                              \
    return k;                                                                                      \
  }
TDM__NZ_SPAN(float)
TDM__NZ_SPAN(double)
TDM__NZ_SPAN(int32_t)
TDM__NZ_SPAN(int64_t)
TDM__NZ_SPAN(uint32_t)

static size_t tdm__nz_span(const tdm__nonzero_args *a, size_t lo, size_t hi, size_t *out) {
  switch (a->dt) {
  case TDM_F32: return tdm__nz_float(a, lo, hi, out);
  case TDM_F64: return tdm__nz_double(a, lo, hi, out);
  case TDM_I32: return tdm__nz_int32_t(a, lo, hi, out);
  case TDM_I64: return tdm__nz_int64_t(a, lo, hi, out);
  case TDM_U32: return tdm__nz_uint32_t(a, lo, hi, out);
  }
  return 0;
}

static void tdm__nz_blocks(void *arg, size_t lo, size_t hi) {
  tdm__nz_job *j = arg;
  for (size_t b = lo; b < hi; b++) {
    size_t p0 = b * TDM__NZ_BLOCK, p1 = p0 + TDM__NZ_BLOCK < j->n ? p0 + TDM__NZ_BLOCK : j->n;
    if (j->write) {
      size_t slot = j->cnt[b];
      tdm__nz_span(j->a, p0, p1, &slot);
    } else {
      j->cnt[b] = tdm__nz_span(j->a, p0, p1, NULL);
    }
  }
}

tdm_status tdm__cpu_nonzero(void *st, const tdm__nonzero_args *args, size_t *count) {
  const tdm__cpu *c = st;
  tdm__nonzero_args flat = *args, *a = &flat;
  size_t n = a->rows * a->cols, nb = (n + TDM__NZ_BLOCK - 1) / TDM__NZ_BLOCK;
  if (a->ldm == a->rows) a->rows = a->ldm = n, a->cols = 1; /* contiguous: one column */
  if (nb <= 1 || c->threads <= 1) { /* one pass */
    size_t slot = 0;
    *count = tdm__nz_span(a, 0, n, &slot);
    return TDM_OK;
  }
  size_t *cnt = tdm__calloc(nb, sizeof *cnt);
  TDM__CHECK(!cnt, TDM_ERR_NOMEM, "out of host memory for %zu block counts", nb);
  tdm__nz_job j = {a, n, cnt, 0};
  tdm__par_for(c->threads, nb, 1, tdm__nz_blocks, &j);
  size_t total = 0;
  for (size_t b = 0; b < nb; b++) {
    size_t k = cnt[b];
    cnt[b] = total;
    total += k;
  }
  j.write = 1;
  tdm__par_for(c->threads, nb, 1, tdm__nz_blocks, &j);
  tdm__free(cnt);
  *count = total;
  return TDM_OK;
}
