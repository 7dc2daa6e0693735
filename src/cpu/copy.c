/* copy.c -- the CPU's tdm_copy kernel: a strided rows x cols window into
 * another, converting dtypes as C does, columns spread over the context's
 * threads. A pair that can fail is checked first, in parallel too, and the
 * first element (column-major) that does not fit is reported before
 * anything is written. */
#include <string.h>

#include "core/convert.h"
#include "cpu/cpu_int.h"

typedef struct {
  tdm_dtype sdt, ddt;
  const void *src;
  void *dst;
  size_t lds, ldd, rows;
  size_t bad; /* first bad element, column-major; SIZE_MAX: none (atomic min) */
} tdm__copy_job;

#define TDM__CP(TS, TD)                                                        \
  do {                                                                         \
    const TS *s_ = (const TS *)j->src;                                         \
    TD *d_ = (TD *)j->dst;                                                     \
    for (size_t c = lo; c < hi; c++) {                                         \
      const TS *sc = s_ + c * j->lds;                                          \
      TD *dc = d_ + c * j->ldd;                                                \
      for (size_t i = 0; i < j->rows; i++) dc[i] = (TD)sc[i];                  \
    }                                                                          \
  } while (0)

#define TDM__CP_TO(TS)                                                         \
  switch (j->ddt) {                                                            \
  case TDM_F32: TDM__CP(TS, float); break;                                     \
  case TDM_F64: TDM__CP(TS, double); break;                                    \
  case TDM_I32: TDM__CP(TS, int32_t); break;                                   \
  case TDM_I64: TDM__CP(TS, int64_t); break;                                   \
  case TDM_U32: TDM__CP(TS, uint32_t); break;                                  \
  }

static void tdm__copy_cols(void *arg, size_t lo, size_t hi) {
  const tdm__copy_job *j = arg;
  if (j->sdt == j->ddt) {
    size_t es = tdm_dtype_size(j->sdt), cb = j->rows * es;
    for (size_t c = lo; c < hi; c++)
      memcpy((char *)j->dst + c * j->ldd * es, (const char *)j->src + c * j->lds * es, cb);
    return;
  }
  switch (j->sdt) {
  case TDM_F32: TDM__CP_TO(float); break;
  case TDM_F64: TDM__CP_TO(double); break;
  case TDM_I32: TDM__CP_TO(int32_t); break;
  case TDM_I64: TDM__CP_TO(int64_t); break;
  case TDM_U32: TDM__CP_TO(uint32_t); break;
  }
}

/* The first bad row of column c, or rows. */
static size_t tdm__check_col(const tdm__copy_job *j, size_t c) {
  size_t es = tdm_dtype_size(j->sdt);
  const char *col = (const char *)j->src + c * j->lds * es;
  for (size_t i = 0; i < j->rows; i++) {
    int ok;
    switch (j->sdt) {
    case TDM_F32: ok = tdm__cv_fits_f(j->ddt, ((const float *)col)[i]); break;
    case TDM_F64: ok = tdm__cv_fits_f(j->ddt, ((const double *)col)[i]); break;
    case TDM_I32: ok = tdm__cv_fits_i(j->ddt, ((const int32_t *)col)[i]); break;
    case TDM_I64: ok = tdm__cv_fits_i(j->ddt, ((const int64_t *)col)[i]); break;
    default: ok = tdm__cv_fits_i(j->ddt, ((const uint32_t *)col)[i]); break;
    }
    if (!ok) return i;
  }
  return j->rows;
}

static void tdm__check_cols(void *arg, size_t lo, size_t hi) {
  tdm__copy_job *j = arg;
  for (size_t c = lo; c < hi; c++) {
    if (c * j->rows >= __atomic_load_n(&j->bad, __ATOMIC_RELAXED)) return; /* an earlier one */
    size_t i = tdm__check_col(j, c);
    if (i == j->rows) continue;
    size_t at = c * j->rows + i, cur = __atomic_load_n(&j->bad, __ATOMIC_RELAXED);
    while (at < cur &&
           !__atomic_compare_exchange_n(&j->bad, &cur, at, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return;
  }
}

/* Both sides one contiguous run: cut it into blocks so a long vector
 * spreads over the threads too (element indices stay column-major). */
#define TDM__COPY_BLOCK 32768

static tdm_status tdm__run(tdm__copy_job *j, int nt, size_t cols, size_t *bad) {
  size_t grain = j->rows >= 16384 ? 1 : 16384 / j->rows; /* >= 16k elements a chunk */
  if (tdm__cv_can_fail(j->sdt, j->ddt)) {
    tdm__par_for(nt, cols, grain, tdm__check_cols, j);
    if (j->bad != SIZE_MAX) {
      if (bad) *bad = j->bad;
      return TDM_ERR_INVALID;
    }
  }
  tdm__par_for(nt, cols, grain, tdm__copy_cols, j);
  return TDM_OK;
}

tdm_status tdm__cpu_copy(void *st, tdm_dtype sdt, const void *src, size_t lds, tdm_dtype ddt,
                         void *dst, size_t ldd, size_t rows, size_t cols, size_t *bad) {
  const tdm__cpu *cpu = st;
  int nt = tdm__in_worker() ? 1 : cpu->threads;
  size_t n = rows * cols;
  int flat = (rows == lds || cols == 1) && (rows == ldd || cols == 1) && n >= 2 * TDM__COPY_BLOCK;
  if (!flat) {
    tdm__copy_job j = {sdt, ddt, src, dst, lds, ldd, rows, SIZE_MAX};
    return tdm__run(&j, nt, cols, bad);
  }
  size_t nb = n / TDM__COPY_BLOCK, head = nb * TDM__COPY_BLOCK;
  tdm__copy_job j = {sdt, ddt, src, dst, TDM__COPY_BLOCK, TDM__COPY_BLOCK, TDM__COPY_BLOCK, SIZE_MAX};
  tdm__copy_job t = {sdt, ddt, (const char *)src + head * tdm_dtype_size(sdt),
                     (char *)dst + head * tdm_dtype_size(ddt), n - head, n - head, n - head,
                     SIZE_MAX};
  if (tdm__cv_can_fail(sdt, ddt)) { /* check all before writing any */
    tdm__par_for(nt, nb, 1, tdm__check_cols, &j);
    if (j.bad == SIZE_MAX && n > head) tdm__check_cols(&t, 0, 1);
    if (j.bad != SIZE_MAX || t.bad != SIZE_MAX) {
      if (bad) *bad = j.bad != SIZE_MAX ? j.bad : head + t.bad;
      return TDM_ERR_INVALID;
    }
  }
  tdm__par_for(nt, nb, 1, tdm__copy_cols, &j);
  if (n > head) tdm__copy_cols(&t, 0, 1);
  return TDM_OK;
}
