/* test_wrap.c -- wrapped memory: tdm_buf_read into the wrapped pointer
 * brings it up to date after device ops with one copy and no second
 * buffer, tdm_buf_write from it drops the device copy, the same through a
 * view of a wrap (the rest of the storage kept), and a wrap overlapping
 * another live wrap of the same context refused (other contexts, adjacent
 * memory and wraps whose handles are all gone are fine). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "support/support.h"

#define N 12
#define P 3

static void scale(tdm_ctx *ctx, tdm_buf *b, double k) {
  tdm_buf *s = ts_buf(ctx, TDM_F64, 1, 1, &k);
  cr_assert_eq(tdm_eval(ctx, "x * s", "x,s", b, (tdm_buf *[]){b, s}), TDM_OK, "%s", tdm_last_error());
  tdm_buf_destroy(s);
}

static void stats(tdm_ctx *ctx, uint64_t h2d, uint64_t d2h, const char *what) {
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.h2d_count, h2d, "%s: h2d %llu", what, (unsigned long long)st.h2d_count);
  cr_assert_eq(st.d2h_count, d2h, "%s: d2h %llu", what, (unsigned long long)st.d2h_count);
}

static void read_write_in_place(tdm_backend be) {
  tdm_ctx *ctx = ts_ctx(be, 1);
  int dev = be != TDM_CPU;
  double x[N * P];
  for (int i = 0; i < N * P; i++) x[i] = i;
  tdm_buf *b;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, P, x, &b), TDM_OK, "%s", tdm_last_error());
  scale(ctx, b, 2);
  cr_assert_eq(tdm_buf_read(b, x), TDM_OK, "%s", tdm_last_error());
  for (int i = 0; i < N * P; i++) cr_assert_eq(x[i], 2.0 * i, "read into the wrap itself");
  /* each scale uploads its scalar too */
  stats(ctx, 2 * dev, dev, "one upload, one download into the wrap");
  cr_assert_eq(tdm_buf_read(b, x), TDM_OK);
  stats(ctx, 2 * dev, dev, "current already: no copy");
  /* the caller changes the memory and says so */
  for (int i = 0; i < N * P; i++) x[i] = -i;
  cr_assert_eq(tdm_buf_write(b, x), TDM_OK);
  scale(ctx, b, 3);
  double got[N * P];
  cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
  for (int i = 0; i < N * P; i++) cr_assert_eq(got[i], -3.0 * i, "the device used the new data");
  stats(ctx, 4 * dev, 2 * dev, "the changed memory went up once");
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

Test(wrap, read_write_in_place_cpu) { read_write_in_place(TDM_CPU); }
Test(wrap, read_write_in_place_sim) { read_write_in_place(TDM_SIM); }

/* Through views: a view's first element in the wrap is its wrapped memory. */
Test(wrap, views_of_a_wrap_sim) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  double x[N * P];
  for (int i = 0; i < N * P; i++) x[i] = i;
  tdm_buf *b, *col, *blk;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, P, x, &b), TDM_OK);
  cr_assert_eq(tdm_buf_view(b, 0, 1, N, 1, &col), TDM_OK);
  cr_assert_eq(tdm_buf_view(b, 2, 1, 4, 2, &blk), TDM_OK);
  scale(ctx, b, 10);
  cr_assert_eq(tdm_buf_read(blk, x + 2 + N), TDM_OK, "%s", tdm_last_error());
  for (int i = 0; i < N * P; i++) cr_assert_eq(x[i], 10.0 * i, "the whole storage is current");
  /* the device has newer data; the caller changes column 1 and says so */
  scale(ctx, b, 2);
  for (int i = 0; i < N; i++) x[i + N] = 1000 + i;
  cr_assert_eq(tdm_buf_write(col, x + N), TDM_OK, "%s", tdm_last_error());
  double got[N * P];
  cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
  for (int j = 0; j < P; j++)
    for (int i = 0; i < N; i++) {
      double want = j == 1 ? 1000 + i : 20.0 * (i + j * N);
      cr_assert_eq(got[i + j * N], want, "(%d, %d): the window from the caller, the rest from the device", i, j);
    }
  tdm_buf_destroy(b);
  tdm_buf_destroy(col);
  tdm_buf_destroy(blk);
  tdm_ctx_destroy(ctx);
}

Test(wrap, overlapping_wraps_refused) {
  tdm_backend bes[2] = {TDM_CPU, TDM_SIM};
  for (int k = 0; k < 2; k++) {
    tdm_ctx *ctx = ts_ctx(bes[k], 1), *other = ts_ctx(bes[k], 1);
    double mem[N * P + 8], *x = mem + 4;
    memset(mem, 0, sizeof mem);
    tdm_buf *b, *c = (tdm_buf *)0x1, *d, *v;
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, P, x, &b), TDM_OK);
    /* the column "view" made by a second wrap */
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, 1, x + N, &c), TDM_ERR_INVALID);
    cr_assert_null(c);
    cr_assert(strstr(tdm_last_error(), "tdm_buf_wrap: host:"), "%s", tdm_last_error());
    cr_assert(strstr(tdm_last_error(), "overlap a live wrapped buffer"), "%s", tdm_last_error());
    cr_assert(strstr(tdm_last_error(), "tdm_buf_view"), "%s", tdm_last_error());
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 2, 1, x + N * P - 1, &c), TDM_ERR_INVALID, "tail");
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N * P + 4, 1, mem + 2, &c), TDM_ERR_INVALID, "around");
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_U32, 1, 1, (char *)x + 4, &c), TDM_ERR_INVALID, "inside");
    /* another context may wrap the same memory */
    cr_assert_eq(tdm_buf_wrap(other, TDM_F64, N, 1, x + N, &d), TDM_OK, "%s", tdm_last_error());
    tdm_buf_destroy(d);
    /* adjacent memory is fine */
    double y[2 * N];
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, 1, y, &c), TDM_OK);
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, 1, y + N, &d), TDM_OK, "%s", tdm_last_error());
    tdm_buf_destroy(c);
    tdm_buf_destroy(d);
    /* a view keeps the wrap alive; the last handle frees it */
    cr_assert_eq(tdm_buf_view(b, 0, 0, 2, 2, &v), TDM_OK);
    tdm_buf_destroy(b);
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, 1, x, &c), TDM_ERR_INVALID, "still live via v");
    tdm_buf_destroy(v);
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, N, 1, x, &c), TDM_OK, "%s", tdm_last_error());
    tdm_buf_destroy(c);
    tdm_ctx_destroy(other);
    tdm_ctx_destroy(ctx);
  }
}

/* A wrap that fails (no memory for its handle) registers nothing. */
Test(wrap, failed_wrap_registers_nothing) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double x[4] = {1, 2, 3, 4};
  tdm_buf *b;
  for (long n = 1; n <= 2; n++) {
    tdm__alloc_fail_after(n);
    cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 4, 1, x, &b), TDM_ERR_NOMEM);
    cr_assert_null(b);
  }
  tdm__alloc_fail_after(0);
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 4, 1, x, &b), TDM_OK, "%s", tdm_last_error());
  double got[4];
  cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
  cr_assert_eq(got[3], 4);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}
