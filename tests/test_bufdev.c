/* test_bufdev.c -- tdm_buf_device_ptr: on the sim device the handle holds
 * the buffer's data (one upload, counted), a write through it is what the
 * host then reads back, a CPU-only context says UNSUPPORTED, bad arguments
 * are INVALID with a message. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim_int.h"
#include "support/support.h"

Test(bufdev, sim_pointer_holds_data_and_takes_writes) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  double x[6] = {1, 2, 3, 4, 5, 6}, y[6];
  tdm_buf *b;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 3, 2, x, &b), TDM_OK);
  void *p = NULL;
  cr_assert_eq(tdm_buf_device_ptr(b, 0, &p), TDM_OK, "%s", tdm_last_error());
  cr_assert(p != NULL && p != (void *)x);
  cr_assert_eq(memcmp(tdm__sim_real(p), x, sizeof x), 0); /* a sim handle: its real memory */
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.h2d_count, 1);
  void *q = NULL;
  cr_assert_eq(tdm_buf_device_ptr(b, 1, &q), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(q, p);
  ((double *)tdm__sim_real(q))[4] = 50; /* the device copy is now the only current one */
  cr_assert_eq(tdm_buf_read(b, y), TDM_OK);
  cr_assert_eq(y[4], 50.0);
  cr_assert_eq(y[0], 1.0);
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.h2d_count, 1);
  cr_assert_eq(st.d2h_count, 1);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

Test(bufdev, errors) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  tdm_buf *b;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 2, 2, &b), TDM_OK);
  void *p = (void *)1;
  cr_assert_eq(tdm_buf_device_ptr(b, 0, &p), TDM_ERR_UNSUPPORTED);
  cr_assert_null(p);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_device_ptr: b: its context has no device"),
            "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_device_ptr(NULL, 0, &p), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_device_ptr: b: is NULL"));
  cr_assert_eq(tdm_buf_device_ptr(b, 0, NULL), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "out: is NULL"));
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}
