/* test_buf.c -- buffers: create/wrap/write/read/destroy on the CPU and the
 * sim device, zeros until written, shape and size checks (0, overflow),
 * bad dtype, NULL arguments, mixing contexts, and a wrapped buffer that
 * uses the caller's memory with no copy. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "support/support.h"

static const tdm_dtype dts[] = {TDM_F32, TDM_F64, TDM_I32, TDM_I64, TDM_U32};

static void roundtrip(tdm_backend be) {
  tdm_ctx *ctx = ts_ctx(be, 2);
  for (size_t d = 0; d < 5; d++) {
    size_t rows = 7, cols = 3, es = tdm_dtype_size(dts[d]), bytes = rows * cols * es;
    tdm_buf *b;
    cr_assert_eq(tdm_buf_create(ctx, dts[d], rows, cols, &b), TDM_OK, "%s", tdm_last_error());
    cr_assert_eq(tdm_buf_rows(b), rows);
    cr_assert_eq(tdm_buf_cols(b), cols);
    cr_assert_eq(tdm_buf_dtype(b), dts[d]);
    unsigned char in[7 * 3 * 8 + 8], out[7 * 3 * 8 + 8], zero[7 * 3 * 8 + 8] = {0};
    memset(out, 0xab, sizeof out);
    cr_assert_eq(tdm_buf_read(b, out), TDM_OK);
    cr_assert(memcmp(out, zero, bytes) == 0, "a new %s buffer reads as zeros", tdm_dtype_name(dts[d]));
    cr_assert_eq(out[bytes], 0xab, "read writes exactly rows*cols elements");
    for (size_t i = 0; i < bytes; i++) in[i] = (unsigned char)(i * 37 + d);
    cr_assert_eq(tdm_buf_write(b, in), TDM_OK);
    memset(out, 0, sizeof out);
    cr_assert_eq(tdm_buf_read(b, out), TDM_OK);
    cr_assert(memcmp(in, out, bytes) == 0);
    tdm_buf_destroy(b);
  }
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.h2d_count + st.d2h_count, 0, "host writes and reads move nothing");
  tdm_ctx_destroy(ctx);
}

Test(buf, roundtrip_every_dtype_cpu) { roundtrip(TDM_CPU); }
Test(buf, roundtrip_every_dtype_sim) { roundtrip(TDM_SIM); }

Test(buf, zero_and_overflowing_sizes_are_invalid) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  tdm_buf *b = (tdm_buf *)0x1;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 0, 4, &b), TDM_ERR_INVALID);
  cr_assert_null(b);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_create: rows: must be > 0");
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 4, 0, &b), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_create: cols: must be > 0");
  /* rows*cols overflows */
  cr_assert_eq(tdm_buf_create(ctx, TDM_F32, SIZE_MAX / 2, 3, &b), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "overflows"), "%s", tdm_last_error());
  /* rows*cols fits, the bytes do not */
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, SIZE_MAX / 8 + 1, 1, &b), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_create: rows x cols"), "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 0, 1, &b, &b), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_wrap: rows: must be > 0");
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, SIZE_MAX / 4, 5, &b, &b), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "overflows"), "%s", tdm_last_error());
  tdm_ctx_destroy(ctx);
}

Test(buf, bad_dtype_and_null_arguments) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  tdm_buf *b = NULL;
  double x[4] = {0};
  cr_assert_eq(tdm_buf_create(ctx, (tdm_dtype)42, 2, 2, &b), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_create: dt: 42 is not a tdm_dtype");
  cr_assert_eq(tdm_buf_wrap(ctx, (tdm_dtype)-1, 2, 2, x, &b), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_wrap: dt:"), "%s", tdm_last_error());
  cr_assert_eq(tdm_buf_create(NULL, TDM_F64, 2, 2, &b), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_create: ctx: is NULL");
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 2, 2, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_create: out: is NULL");
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 2, 2, NULL, &b), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_wrap: host: is NULL");
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 2, 2, x, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_wrap: out: is NULL");
  cr_assert_eq(tdm_buf_wrap(NULL, TDM_F64, 2, 2, x, &b), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_wrap: ctx: is NULL");
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 2, 2, &b), TDM_OK);
  cr_assert_eq(tdm_buf_write(NULL, x), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_write: b: is NULL");
  cr_assert_eq(tdm_buf_write(b, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_write: src: is NULL");
  cr_assert_eq(tdm_buf_read(NULL, x), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_read: b: is NULL");
  cr_assert_eq(tdm_buf_read(b, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_read: dst: is NULL");
  cr_assert_eq(tdm_buf_rows(NULL), 0);
  cr_assert_eq(tdm_buf_cols(NULL), 0);
  cr_assert_eq((int)tdm_buf_dtype(NULL), -1);
  tdm_buf_destroy(NULL);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

Test(buf, buffers_of_another_context_are_rejected) {
  tdm_ctx *a = ts_ctx(TDM_CPU, 1), *b = ts_ctx(TDM_CPU, 1);
  double v[2] = {1, 2};
  tdm_buf *x = ts_buf(b, TDM_F64, 2, 1, v);
  tdm_reduce_op op = TDM_SUM;
  double out;
  cr_assert_eq(tdm_reduce(a, x, 1, &op, &out), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_reduce: x: belongs to another context"), "%s",
            tdm_last_error());
  tdm_buf_destroy(x);
  tdm_ctx_destroy(a);
  tdm_ctx_destroy(b);
}

/* On the CPU a wrapped buffer IS the caller's memory: an op's result is
 * there without a read, and a change there is seen after tdm_buf_write
 * with the same pointer (which copies nothing). */
Test(buf, wrapped_buffer_uses_caller_memory_cpu) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  double a[4] = {1, 2, 3, 4}, c[4] = {-1, -1, -1, -1}; /* 2 x 2, column-major */
  tdm_buf *A, *C;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 2, 2, a, &A), TDM_OK);
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 2, 2, c, &C), TDM_OK);
  cr_assert_eq(tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, 1.0, A, A, 0.0, C), TDM_OK);
  /* A'A = [[1*1+2*2, 1*3+2*4], [.., 3*3+4*4]] */
  cr_assert_eq(c[0], 5.0);
  cr_assert_eq(c[1], 11.0);
  cr_assert_eq(c[2], 11.0);
  cr_assert_eq(c[3], 25.0);
  a[0] = 0; /* the caller changes its memory, then says so */
  cr_assert_eq(tdm_buf_write(A, a), TDM_OK);
  cr_assert_eq(tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, 1.0, A, A, 0.0, C), TDM_OK);
  cr_assert_eq(c[0], 4.0);
  double r[4];
  cr_assert_eq(tdm_buf_read(C, r), TDM_OK);
  cr_assert(memcmp(r, c, sizeof r) == 0);
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.h2d_count + st.d2h_count, 0);
  cr_assert_eq(st.cpu_ops, 2);
  tdm_buf_destroy(A);
  tdm_buf_destroy(C);
  tdm_ctx_destroy(ctx);
}

/* On the sim device the wrapped memory is the host copy: results arrive
 * there only when read (one counted copy). */
Test(buf, wrapped_buffer_on_the_sim_device) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  double a[4] = {1, 2, 3, 4}, c[4] = {-1, -1, -1, -1};
  tdm_buf *A, *C;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 2, 2, a, &A), TDM_OK);
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 2, 2, c, &C), TDM_OK);
  cr_assert_eq(tdm_gemm(ctx, TDM_TRANS, TDM_NOTRANS, 1.0, A, A, 0.0, C), TDM_OK);
  cr_assert_eq(tdm_ctx_sync(ctx), TDM_OK);
  cr_assert_eq(c[0], -1.0, "the result is on the device until read");
  cr_assert_eq(tdm_buf_read(C, c), TDM_OK);
  cr_assert_eq(c[0], 5.0);
  cr_assert_eq(c[3], 25.0);
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.h2d_count, 1, "A went up once");
  cr_assert_eq(st.d2h_count, 1, "C came back once");
  tdm_buf_destroy(A);
  tdm_buf_destroy(C);
  tdm_ctx_destroy(ctx);
}

Test(buf, large_buffers_read_as_zeros) {
  tdm_ctx *ctx = ts_ctx(TDM_SIM, 1);
  tdm_buf *b;
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 1000, 100, &b), TDM_OK);
  /* used on the device before any write: zeros there too */
  tdm_reduce_op ops[3] = {TDM_SUM, TDM_MIN, TDM_MAX};
  double out[3];
  cr_assert_eq(tdm_reduce(ctx, b, 3, ops, out), TDM_OK);
  cr_assert_eq(out[0], 0.0);
  cr_assert_eq(out[1], 0.0);
  cr_assert_eq(out[2], 0.0);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}
