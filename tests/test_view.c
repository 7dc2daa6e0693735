/* test_view.c -- views: windows and views of views (offset, shape, ld),
 * read/write of a view as a packed array, writes through a view seen by
 * the parent and the other way round, storage freed whatever the destroy
 * order, window checks, and on sim the transfers a view read/write costs.
 * References are plain loops over a host copy of the whole matrix. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "support/support.h"

#define R 9
#define C 7

static void fill(double *a, size_t n, double base) {
  for (size_t i = 0; i < n; i++) a[i] = base + (double)i;
}

/* The packed window (r0, c0, nr, nc) of an R-row column-major matrix. */
static void window(const double *a, size_t ld, size_t r0, size_t c0, size_t nr, size_t nc,
                   double *out) {
  for (size_t j = 0; j < nc; j++)
    for (size_t i = 0; i < nr; i++) out[i + j * nr] = a[r0 + i + (c0 + j) * ld];
}

static void views_roundtrip(tdm_backend be) {
  tdm_ctx *ctx = ts_ctx(be, 2);
  double a[R * C], got[R * C], want[R * C];
  fill(a, R * C, 100);
  tdm_buf *b = ts_buf(ctx, TDM_F64, R, C, a), *v, *vv;
  cr_assert_eq(tdm_buf_view(b, 2, 1, 5, 4, &v), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_rows(v), 5);
  cr_assert_eq(tdm_buf_cols(v), 4);
  cr_assert_eq(tdm_buf_ld(v), R);
  cr_assert_eq(tdm_buf_ld(b), R);
  cr_assert_eq(tdm_buf_dtype(v), TDM_F64);
  cr_assert_eq(tdm_buf_read(v, got), TDM_OK, "%s", tdm_last_error());
  window(a, R, 2, 1, 5, 4, want);
  cr_assert(memcmp(got, want, 20 * sizeof(double)) == 0);
  /* a view of a view: rows 1..3, cols 2..3 of v = rows 3..5, cols 3..4 of b */
  cr_assert_eq(tdm_buf_view(v, 1, 2, 3, 2, &vv), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_ld(vv), R);
  cr_assert_eq(tdm_buf_read(vv, got), TDM_OK);
  window(a, R, 3, 3, 3, 2, want);
  cr_assert(memcmp(got, want, 6 * sizeof(double)) == 0);
  /* writes through the view of a view are seen by b and v */
  double w[6] = {-1, -2, -3, -4, -5, -6};
  cr_assert_eq(tdm_buf_write(vv, w), TDM_OK, "%s", tdm_last_error());
  for (size_t j = 0; j < 2; j++)
    for (size_t i = 0; i < 3; i++) a[3 + i + (3 + j) * R] = w[i + j * 3];
  cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
  cr_assert(memcmp(got, a, sizeof a) == 0, "b sees the write through vv, nothing else changed");
  cr_assert_eq(tdm_buf_read(v, got), TDM_OK);
  window(a, R, 2, 1, 5, 4, want);
  cr_assert(memcmp(got, want, 20 * sizeof(double)) == 0);
  /* a write to b is seen by the views */
  fill(a, R * C, -50);
  cr_assert_eq(tdm_buf_write(b, a), TDM_OK);
  cr_assert_eq(tdm_buf_read(vv, got), TDM_OK);
  window(a, R, 3, 3, 3, 2, want);
  cr_assert(memcmp(got, want, 6 * sizeof(double)) == 0);
  tdm_buf_destroy(b); /* parent first: the views keep the storage */
  cr_assert_eq(tdm_buf_read(v, got), TDM_OK);
  window(a, R, 2, 1, 5, 4, want);
  cr_assert(memcmp(got, want, 20 * sizeof(double)) == 0);
  tdm_buf_destroy(v);
  cr_assert_eq(tdm_buf_read(vv, got), TDM_OK);
  window(a, R, 3, 3, 3, 2, want);
  cr_assert(memcmp(got, want, 6 * sizeof(double)) == 0);
  tdm_buf_destroy(vv);
  tdm_ctx_destroy(ctx);
}

Test(view, views_of_views_and_writes_cpu) { views_roundtrip(TDM_CPU); }
Test(view, views_of_views_and_writes_sim) { views_roundtrip(TDM_SIM); }

/* Every destroy order of a buffer, a view and a view of the view frees
 * everything (the allocator's live count returns to where it was). */
Test(view, storage_freed_in_any_destroy_order) {
  static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  tdm_backend bes[2] = {TDM_CPU, TDM_SIM};
  for (int k = 0; k < 2; k++) {
    tdm_ctx *ctx = ts_ctx(bes[k], 1);
    for (int o = 0; o < 6; o++) {
      long live = tdm__alloc_live();
      double a[R * C];
      fill(a, R * C, 0);
      tdm_buf *h[3];
      h[0] = ts_buf(ctx, TDM_F64, R, C, a);
      cr_assert_eq(tdm_buf_view(h[0], 1, 1, 4, 4, &h[1]), TDM_OK);
      cr_assert_eq(tdm_buf_view(h[1], 1, 1, 2, 2, &h[2]), TDM_OK);
      double one = 7;
      tdm_buf *e;
      cr_assert_eq(tdm_buf_view(h[2], 1, 1, 1, 1, &e), TDM_OK);
      cr_assert_eq(tdm_buf_write(e, &one), TDM_OK);
      tdm_buf_destroy(e);
      for (int i = 0; i < 3; i++) {
        tdm_buf_destroy(h[orders[o][i]]);
        for (int j = i + 1; j < 3; j++) { /* the others still read the storage */
          double x[R * C];
          cr_assert_eq(tdm_buf_read(h[orders[o][j]], x), TDM_OK);
        }
      }
      cr_assert_eq(tdm__alloc_live(), live, "order %d on backend %d leaks", o, k);
    }
    tdm_ctx_destroy(ctx);
  }
}

Test(view, window_checks) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  tdm_buf *b = ts_buf(ctx, TDM_F32, 4, 3, NULL), *v = (tdm_buf *)0x1;
  cr_assert_eq(tdm_buf_view(b, 0, 0, 0, 1, &v), TDM_ERR_INVALID);
  cr_assert_null(v);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_view: nrows: must be > 0");
  cr_assert_eq(tdm_buf_view(b, 0, 0, 1, 0, &v), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_view: ncols: must be > 0");
  cr_assert_eq(tdm_buf_view(b, 3, 0, 2, 1, &v), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_view: r0, nrows: rows 3..4 are outside b's 4 rows"),
            "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_view(b, 4, 0, 1, 1, &v), TDM_ERR_INVALID);
  cr_assert_eq(tdm_buf_view(b, 0, 1, 1, 3, &v), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_view: c0, ncols: columns 1..3 are outside b's 3"),
            "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_view(b, (size_t)-1, 0, 2, 1, &v), TDM_ERR_INVALID, "no wrap-around");
  cr_assert_eq(tdm_buf_view(b, 0, 0, (size_t)-1, 1, &v), TDM_ERR_INVALID);
  cr_assert_eq(tdm_buf_view(NULL, 0, 0, 1, 1, &v), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_view: b: is NULL");
  cr_assert_eq(tdm_buf_view(b, 0, 0, 1, 1, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_view: out: is NULL");
  /* a view's window is checked against the view, not the storage */
  tdm_buf *w;
  cr_assert_eq(tdm_buf_view(b, 1, 1, 2, 2, &v), TDM_OK);
  cr_assert_eq(tdm_buf_view(v, 1, 0, 2, 1, &w), TDM_ERR_INVALID);
  tdm__alloc_fail_after(1);
  cr_assert_eq(tdm_buf_view(v, 0, 0, 1, 1, &w), TDM_ERR_NOMEM);
  cr_assert_null(w);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_view: out of host memory"), "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_ld(NULL), 0);
  tdm_buf_destroy(v);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

/* On sim a storage current only on the device: a contiguous view reads and
 * writes straight from/to the device (its bytes only, the storage stays on
 * the device); a strided one brings the storage to the host once. */
Test(view, sim_view_io_moves_only_the_window) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  double a[R * C], got[R * C], want[R * C];
  fill(a, R * C, 1);
  tdm_buf *b = ts_buf(ctx, TDM_F64, R, C, a), *col, *blk;
  double two = 2;
  tdm_buf *s = ts_buf(ctx, TDM_F64, 1, 1, &two);
  cr_assert_eq(tdm_eval(ctx, "x * s", "x,s", b, (tdm_buf *[]){b, s}), TDM_OK, "%s", tdm_last_error());
  for (size_t i = 0; i < R * C; i++) a[i] *= 2;
  cr_assert_eq(tdm_ctx_stats_reset(ctx), TDM_OK);
  cr_assert_eq(tdm_buf_view(b, 0, 2, R, 2, &col), TDM_OK); /* whole columns: contiguous */
  cr_assert_eq(tdm_buf_read(col, got), TDM_OK);
  window(a, R, 0, 2, R, 2, want);
  cr_assert(memcmp(got, want, 2 * R * sizeof(double)) == 0);
  double w[2 * R];
  fill(w, 2 * R, -10);
  cr_assert_eq(tdm_buf_write(col, w), TDM_OK);
  memcpy(a + 2 * R, w, sizeof w);
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.d2h_count, 1);
  cr_assert_eq(st.d2h_bytes, 2 * R * sizeof(double));
  cr_assert_eq(st.h2d_count, 1);
  cr_assert_eq(st.h2d_bytes, 2 * R * sizeof(double));
  cr_assert_eq(tdm_buf_view(b, 1, 1, 3, 3, &blk), TDM_OK); /* strided */
  cr_assert_eq(tdm_buf_read(blk, got), TDM_OK);
  window(a, R, 1, 1, 3, 3, want);
  cr_assert(memcmp(got, want, 9 * sizeof(double)) == 0);
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.d2h_count, 2);
  cr_assert_eq(st.d2h_bytes, 2 * R * sizeof(double) + sizeof a, "the whole storage, once");
  cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
  cr_assert(memcmp(got, a, sizeof a) == 0);
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.d2h_count, 2, "the host copy is current now");
  tdm_buf_destroy(blk);
  tdm_buf_destroy(col);
  tdm_buf_destroy(s);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

/* A never-written storage reads as zeros through a view; a partial write
 * keeps the zeros around it. */
Test(view, unwritten_storage_and_partial_write) {
  tdm_backend bes[2] = {TDM_CPU, TDM_SIM};
  for (int k = 0; k < 2; k++) {
    tdm_ctx *ctx = ts_ctx(bes[k], 1);
    tdm_buf *b, *v;
    cr_assert_eq(tdm_buf_create(ctx, TDM_I32, 5, 4, &b), TDM_OK);
    cr_assert_eq(tdm_buf_view(b, 1, 1, 2, 2, &v), TDM_OK);
    int32_t got[20], w[4] = {1, 2, 3, 4};
    memset(got, 0x55, sizeof got);
    cr_assert_eq(tdm_buf_read(v, got), TDM_OK);
    for (int i = 0; i < 4; i++) cr_assert_eq(got[i], 0);
    cr_assert_eq(got[4], 0x55555555, "a view reads exactly its elements");
    cr_assert_eq(tdm_buf_write(v, w), TDM_OK);
    cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
    for (int j = 0; j < 4; j++)
      for (int i = 0; i < 5; i++) {
        int32_t e = (i >= 1 && i < 3 && j >= 1 && j < 3) ? w[(i - 1) + (j - 1) * 2] : 0;
        cr_assert_eq(got[i + j * 5], e, "(%d,%d)", i, j);
      }
    tdm_buf_destroy(b);
    tdm_buf_destroy(v);
    tdm_ctx_destroy(ctx);
  }
}

/* Allocation failures on the new paths: each leaves the state as it was. */
Test(view, allocation_failures) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  tdm_buf *b, *v;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, R, C, &b), TDM_OK);
  cr_assert_eq(tdm_buf_view(b, 1, 1, 3, 3, &v), TDM_OK);
  double w[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, got[R * C];
  /* a partial write to a never-written storage needs its host copy */
  tdm__alloc_fail_after(1);
  cr_assert_eq(tdm_buf_write(v, w), TDM_ERR_NOMEM);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_write: out of host memory"), "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_write(v, w), TDM_OK);
  /* a random fill of a strided view needs a fresh buffer */
  tdm_rng *g;
  cr_assert_eq(tdm_rng_create(ctx, 3, 4, &g), TDM_OK);
  tdm__alloc_fail_after(1);
  cr_assert_eq(tdm_rng_normal(g, v, 0, 1), TDM_ERR_NOMEM);
  cr_assert_eq(tdm_rng_offset(g), 0, "nothing drawn");
  cr_assert_eq(tdm_buf_read(v, got), TDM_OK);
  cr_assert(memcmp(got, w, sizeof w) == 0, "the view is unchanged");
  /* the device copy of a storage for a copy */
  tdm_buf *d;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 3, 3, &d), TDM_OK);
  tdm__alloc_fail_after(1);
  tdm_status s = tdm_copy(ctx, v, d);
  cr_assert(s == TDM_ERR_DEVICE_NOMEM || s == TDM_ERR_NOMEM, "%s", tdm_status_name(s));
  cr_assert(strstr(tdm_last_error(), "tdm_copy"), "%s", tdm_last_error());
  tdm__alloc_fail_after(0);
  cr_assert_eq(tdm_copy(ctx, v, d), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_read(d, got), TDM_OK);
  cr_assert(memcmp(got, w, sizeof w) == 0);
  tdm_rng_destroy(g);
  tdm_buf_destroy(d);
  tdm_buf_destroy(v);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

/* The wrap's own pointer written back from a partial view while the device
 * holds newer data: the rest is fetched around a saved copy of the window;
 * no memory for that copy is NOMEM and nothing changes. */
Test(view, wrap_changed_partial_needs_memory) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  double x[R * C];
  fill(x, R * C, 0);
  tdm_buf *b, *v;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, R, C, x, &b), TDM_OK);
  cr_assert_eq(tdm_buf_view(b, 2, 2, 3, 3, &v), TDM_OK);
  double two = 2;
  tdm_buf *s = ts_buf(ctx, TDM_F64, 1, 1, &two);
  cr_assert_eq(tdm_eval(ctx, "x * s", "x,s", b, (tdm_buf *[]){b, s}), TDM_OK);
  tdm__alloc_fail_after(1);
  cr_assert_eq(tdm_buf_write(v, x + 2 + 2 * R), TDM_ERR_NOMEM);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_write:"), "%s", tdm_last_error());
  double got[R * C];
  cr_assert_eq(tdm_buf_read(b, got), TDM_OK);
  for (size_t i = 0; i < R * C; i++) cr_assert_eq(got[i], 2.0 * (double)i, "the device copy kept");
  tdm_buf_destroy(s);
  tdm_buf_destroy(v);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

/* The context first, then the handles: views keep working and the last
 * handle frees the storage (and with it the context). */
Test(view, context_destroyed_before_views) {
  tdm_backend bes[2] = {TDM_CPU, TDM_SIM};
  for (int k = 0; k < 2; k++) {
    long live = tdm__alloc_live();
    tdm_ctx *ctx = ts_ctx(bes[k], 1);
    double a[R * C], got[R * C], want[R * C];
    fill(a, R * C, 3);
    tdm_buf *b = ts_buf(ctx, TDM_F64, R, C, a), *v, *w;
    cr_assert_eq(tdm_buf_view(b, 2, 2, 4, 3, &v), TDM_OK);
    cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 4, 3, &w), TDM_OK);
    cr_assert_eq(tdm_copy(ctx, v, w), TDM_OK); /* on sim: device copies exist */
    tdm_ctx_destroy(ctx);
    tdm_buf_destroy(b);
    cr_assert_eq(tdm_buf_read(v, got), TDM_OK, "%s", tdm_last_error());
    window(a, R, 2, 2, 4, 3, want);
    cr_assert(memcmp(got, want, 12 * sizeof(double)) == 0);
    cr_assert_eq(tdm_buf_read(w, got), TDM_OK);
    cr_assert(memcmp(got, want, 12 * sizeof(double)) == 0);
    tdm_buf_destroy(w);
    tdm_buf_destroy(v);
    cr_assert_eq(tdm__alloc_live(), live, "backend %d: everything freed", k);
  }
}
