/* cuda_fake_index.h -- the fake GPU's take and nonzero launchers (part of
 * cuda_fake_k.h): plain loops over "device" memory, written apart from the
 * CPU kernels. They count their launches and what the module asked for,
 * so tests check that the index check ran before the gather and that CUB's
 * temp storage was sized first. */
#ifndef TDM_TEST_CUDA_FAKE_INDEX_H
#define TDM_TEST_CUDA_FAKE_INDEX_H

#include <stdint.h>

#include "tdmk.h"

static struct {
  long checks, gathers, temps, selects;
  int passed;        /* the last check found every index good */
  size_t temp_asked; /* what kNonzeroTemp answered */
} fki;

static size_t fki_off(size_t q, size_t irows, size_t ild) { return q % irows + q / irows * ild; }
static int64_t fki_get(tdm_dtype idt, const void *idx, size_t off) {
  return idt == TDM_I64 ? ((const int64_t *)idx)[off] : ((const int32_t *)idx)[off];
}

static int f_kTakeCheck(const tdm__take_args *a, uint64_t *bad, int nb, void *stream) {
  (void)nb; (void)stream;
  fki.checks++;
  if (fk.kernel_err) return fk.kernel_err;
  cr_assert(bad[0] == UINT64_MAX && bad[1] == UINT64_MAX, "the check word was set to ones");
  size_t lim = a->axis == 0 ? a->rows : a->cols;
  fki.passed = 1;
  for (size_t q = 0; q < a->m; q++) {
    int64_t v = fki_get(a->idt, a->idx, fki_off(q, a->irows, a->ild));
    if (v < 0 || (uint64_t)v >= lim) {
      bad[0] = q, bad[1] = (uint64_t)v;
      fki.passed = 0;
      break;
    }
  }
  return 0;
}

static int f_kTake(const tdm__take_args *a, int nb, void *stream) {
  (void)nb; (void)stream;
  fki.gathers++;
  if (fk.kernel_err) return fk.kernel_err;
  cr_assert(fki.passed, "a gather follows a check that passed");
  fki.passed = 0;
  size_t es = a->dt == TDM_F64 || a->dt == TDM_I64 ? 8 : 4;
  size_t orows = a->axis == 0 ? a->m : a->rows, ocols = a->axis == 0 ? a->cols : a->m;
  for (size_t j = 0; j < ocols; j++)
    for (size_t i = 0; i < orows; i++) {
      size_t src = a->axis == 0
                       ? (size_t)fki_get(a->idt, a->idx, fki_off(i, a->irows, a->ild)) + j * a->ldx
                       : i + (size_t)fki_get(a->idt, a->idx, fki_off(j, a->irows, a->ild)) * a->ldx;
      memcpy((char *)a->out + (i + j * a->ldo) * es, (const char *)a->x + src * es, es);
    }
  return 0;
}

static int f_kNonzeroTemp(const tdm__nonzero_args *a, size_t *bytes) {
  fki.temps++;
  *bytes = fki.temp_asked = 100 + a->rows * a->cols / 8;
  return 0;
}

static int fki_nz(tdm_dtype dt, const void *m, size_t off) {
  switch (dt) {
  case TDM_F32: { float v; memcpy(&v, (const char *)m + off * 4, 4); return !(v == 0); }
  case TDM_F64: { double v; memcpy(&v, (const char *)m + off * 8, 8); return !(v == 0); }
  case TDM_I64: return ((const int64_t *)m)[off] != 0;
  default: return ((const uint32_t *)m)[off] != 0;
  }
}

static int f_kNonzero(const tdm__nonzero_args *a, void *temp, size_t temp_bytes, void *stage,
                      uint64_t *count, int nb, void *stream) {
  (void)nb; (void)stream; (void)temp;
  fki.selects++;
  if (fk.kernel_err) return fk.kernel_err;
  cr_assert_eq(temp_bytes, fki.temp_asked, "temp storage as sized");
  cr_assert_eq(stage != NULL, a->ild != a->irows, "a stage only for a strided idx");
  uint64_t k = 0;
  for (size_t j = 0; j < a->cols; j++)
    for (size_t i = 0; i < a->rows; i++)
      if (fki_nz(a->dt, a->mask, i + j * a->ldm)) {
        size_t off = fki_off(k, a->irows, a->ild), pos = i + j * a->rows;
        if (a->idt == TDM_I64) ((int64_t *)a->idx)[off] = (int64_t)pos;
        else ((int32_t *)a->idx)[off] = (int32_t)pos;
        k++;
      }
  *count = k;
  return 0;
}

static void fake_install_index(tdm__cuda_calls *c) {
  memset(&fki, 0, sizeof fki);
  c->kTakeCheck = f_kTakeCheck;
  c->kTake = f_kTake;
  c->kNonzeroTemp = f_kNonzeroTemp;
  c->kNonzero = f_kNonzero;
}

#endif
