/* test_config.c -- tdm_config_default reads TDM_BACKEND, TDM_NUM_THREADS and
 * TDM_DEVICE; bad values are never ignored (tdm_ctx_create fails naming the
 * variable); asking for CUDA without a device is TDM_ERR_NO_DEVICE with a
 * reason; TDM_AUTO falls back to the CPU and says why. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ctx_int.h"
#include "tandem/tandem.h"

static void clean_env(void) {
  unsetenv("TDM_BACKEND");
  unsetenv("TDM_NUM_THREADS");
  unsetenv("TDM_DEVICE");
}

TestSuite(config, .init = clean_env);

Test(config, defaults_without_environment) {
  tdm_config c = {TDM_SIM, 7, 7};
  tdm_config_default(&c);
  cr_assert_eq(c.backend, TDM_AUTO);
  cr_assert_eq(c.threads, 0);
  cr_assert_eq(c.device, 0);
  tdm_config_default(NULL); /* no crash */
}

Test(config, good_values_are_read) {
  static const struct { const char *v; tdm_backend b; } cases[] = {
      {"auto", TDM_AUTO}, {"cpu", TDM_CPU}, {"CPU", TDM_CPU}, {"cuda", TDM_CUDA},
      {"sim", TDM_SIM},   {"Sim", TDM_SIM}, {"", TDM_AUTO}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    setenv("TDM_BACKEND", cases[i].v, 1);
    tdm_config c;
    tdm_config_default(&c);
    cr_assert_eq(c.backend, cases[i].b, "TDM_BACKEND=%s", cases[i].v);
  }
  setenv("TDM_NUM_THREADS", "3", 1);
  setenv("TDM_DEVICE", "2", 1);
  tdm_config c;
  tdm_config_default(&c);
  cr_assert_eq(c.threads, 3);
  cr_assert_eq(c.device, 2);
  /* the context follows them */
  setenv("TDM_BACKEND", "cpu", 1);
  tdm_ctx *ctx;
  cr_assert_eq(tdm_ctx_create(NULL, &ctx), TDM_OK, "%s", tdm_last_error());
  cr_assert_eq(tdm_ctx_threads(ctx), 3);
  cr_assert_eq(tdm_ctx_device_backend(ctx), TDM_CPU);
  tdm_ctx_destroy(ctx);
}

/* Every bad value: the field is -1, the message names the variable, and
 * tdm_ctx_create(NULL) fails with TDM_ERR_INVALID naming it too. */
static void expect_bad(const char *var, const char *val) {
  clean_env();
  setenv(var, val, 1);
  tdm_config c;
  tdm_config_default(&c);
  int field = !strcmp(var, "TDM_BACKEND") ? (int)c.backend
              : !strcmp(var, "TDM_NUM_THREADS") ? c.threads : c.device;
  cr_assert_eq(field, -1, "%s=%s", var, val);
  cr_assert(strstr(tdm_last_error(), var), "config message: %s", tdm_last_error());
  tdm_ctx *ctx = (tdm_ctx *)0x1;
  cr_assert_eq(tdm_ctx_create(NULL, &ctx), TDM_ERR_INVALID, "%s=%s", var, val);
  cr_assert_null(ctx);
  const char *m = tdm_last_error();
  cr_assert(strstr(m, "tdm_ctx_create") == m, "%s", m);
  cr_assert(strstr(m, var), "message names %s: %s", var, m);
}

Test(config, bad_values_fail_context_creation) {
  expect_bad("TDM_BACKEND", "gpu");
  expect_bad("TDM_BACKEND", "c pu"); /* spaces around a value are fine (test_limits.c), inside are not */
  expect_bad("TDM_NUM_THREADS", "abc");
  expect_bad("TDM_NUM_THREADS", "0");
  expect_bad("TDM_NUM_THREADS", "-2");
  expect_bad("TDM_NUM_THREADS", "3x");
  expect_bad("TDM_NUM_THREADS", "99999");
  expect_bad("TDM_DEVICE", "-1");
  expect_bad("TDM_DEVICE", "one");
  expect_bad("TDM_DEVICE", "99999999999999999999");
}

Test(config, bad_struct_fields_are_invalid) {
  tdm_ctx *ctx;
  tdm_config c = {(tdm_backend)9, 0, 0};
  cr_assert_eq(tdm_ctx_create(&c, &ctx), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "cfg->backend"), "%s", tdm_last_error());
  c = (tdm_config){TDM_CPU, -3, 0};
  cr_assert_eq(tdm_ctx_create(&c, &ctx), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "cfg->threads"), "%s", tdm_last_error());
  c = (tdm_config){TDM_CPU, 0, -1};
  cr_assert_eq(tdm_ctx_create(&c, &ctx), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "cfg->device"), "%s", tdm_last_error());
  cr_assert_eq(tdm_ctx_create(&c, NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_ctx_create: out: is NULL");
}

/* A build with the CUDA module: TDM_ERR_NO_DEVICE and why; without it
 * (TDM_TEST_CUDA_BUILT unset): TDM_ERR_UNSUPPORTED naming the module. */
Test(config, cuda_without_a_device_is_no_device_with_a_reason) {
  tdm_config c = {TDM_CUDA, 1, 0};
  tdm_ctx *ctx = NULL;
  unsetenv("TDM_CUDA_MODULE");
  tdm_status s = tdm_ctx_create(&c, &ctx);
  if (s == TDM_OK) {
    tdm_ctx_destroy(ctx);
    cr_skip_test("a CUDA device is usable here; this test is for machines without one");
  }
#ifdef TDM_TEST_CUDA_BUILT
  cr_assert_eq(s, TDM_ERR_NO_DEVICE, "%s: %s", tdm_status_name(s), tdm_last_error());
#else
  cr_assert_eq(s, TDM_ERR_UNSUPPORTED, "%s: %s", tdm_status_name(s), tdm_last_error());
  cr_assert(strstr(tdm_last_error(), "this build of tandem has no CUDA module"), "%s",
            tdm_last_error());
#endif
  cr_assert_null(ctx);
  const char *m = tdm_last_error();
  const char *pre = "tdm_ctx_create: TDM_CUDA: ";
  cr_assert(strncmp(m, pre, strlen(pre)) == 0, "%s", m);
  cr_assert(strlen(m) > strlen(pre) + 10, "the reason is given: %s", m);
}

Test(config, auto_falls_back_to_the_cpu_and_says_why) {
  tdm_config c = {TDM_AUTO, 1, 0};
  tdm_ctx *ctx;
  cr_assert_eq(tdm_ctx_create(&c, &ctx), TDM_OK, "%s", tdm_last_error());
  if (tdm_ctx_device_backend(ctx) == TDM_CUDA) {
    tdm_ctx_destroy(ctx);
    cr_skip_test("a CUDA device is usable here");
  }
  cr_assert_eq(tdm_ctx_device_backend(ctx), TDM_CPU, "AUTO never picks the sim device");
  cr_assert(strlen(tdm_ctx_device_note(ctx)) > 10, "why: '%s'", tdm_ctx_device_note(ctx));
  cr_assert(strstr(tdm_ctx_device_note(ctx), "CUDA") || strstr(tdm_ctx_device_note(ctx), "cuda"),
            "%s", tdm_ctx_device_note(ctx));
  /* work still runs (on the CPU) */
  tdm_buf *b;
  double x[3] = {1, 2, 6}, out;
  tdm_reduce_op op = TDM_MEAN;
  cr_assert_eq(tdm_buf_wrap(ctx, TDM_F64, 3, 1, x, &b), TDM_OK);
  cr_assert_eq(tdm_reduce(ctx, b, 1, &op, &out), TDM_OK);
  cr_assert_eq(out, 3.0);
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(ctx, &st), TDM_OK);
  cr_assert_eq(st.cpu_ops, 1);
  cr_assert_eq(st.device_ops, 0);
  tdm_buf_destroy(b);
  tdm_ctx_destroy(ctx);
}

Test(config, cpu_and_sim_plans) {
  tdm_config c = {TDM_CPU, 2, 0};
  tdm_ctx *ctx;
  cr_assert_eq(tdm_ctx_create(&c, &ctx), TDM_OK);
  cr_assert_eq(tdm_ctx_device_backend(ctx), TDM_CPU);
  cr_assert(strstr(tdm_ctx_device_note(ctx), "CPU only"), "%s", tdm_ctx_device_note(ctx));
  cr_assert_eq(tdm_ctx_threads(ctx), 2);
  cr_assert_eq(tdm_ctx_sync(ctx), TDM_OK);
  cr_assert_eq(tdm__ctx_set_auto(ctx, 1), TDM_ERR_INVALID, "no device to place on");
  tdm_ctx_destroy(ctx);
  c = (tdm_config){TDM_SIM, 0, 0};
  cr_assert_eq(tdm_ctx_create(&c, &ctx), TDM_OK);
  cr_assert_eq(tdm_ctx_device_backend(ctx), TDM_SIM);
  cr_assert_str_eq(tdm_ctx_device_note(ctx), "");
  cr_assert_eq(tdm_ctx_threads(ctx), (int)sysconf(_SC_NPROCESSORS_ONLN), "0 = all cores");
  cr_assert_eq(tdm_ctx_sync(ctx), TDM_OK);
  tdm_ctx_destroy(ctx);
}

Test(config, names_sizes_and_null_handles) {
  cr_assert_str_eq(tdm_backend_name(TDM_AUTO), "auto");
  cr_assert_str_eq(tdm_backend_name(TDM_CPU), "cpu");
  cr_assert_str_eq(tdm_backend_name(TDM_CUDA), "cuda");
  cr_assert_str_eq(tdm_backend_name(TDM_SIM), "sim");
  cr_assert_str_eq(tdm_backend_name((tdm_backend)17), "invalid");
  static const struct { tdm_dtype d; const char *n; size_t sz; } dts[] = {
      {TDM_F32, "f32", 4}, {TDM_F64, "f64", 8}, {TDM_I32, "i32", 4},
      {TDM_I64, "i64", 8}, {TDM_U32, "u32", 4}, {(tdm_dtype)9, "invalid", 0}};
  for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
    cr_assert_str_eq(tdm_dtype_name(dts[i].d), dts[i].n);
    cr_assert_eq(tdm_dtype_size(dts[i].d), dts[i].sz);
  }
  cr_assert_str_eq(tdm_version(), TDM_VERSION_STRING);
  tdm_ctx_destroy(NULL);
  cr_assert_eq(tdm_ctx_sync(NULL), TDM_ERR_INVALID);
  cr_assert_str_eq(tdm_last_error(), "tdm_ctx_sync: ctx: is NULL");
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(NULL, &st), TDM_ERR_INVALID);
  cr_assert_eq(tdm_ctx_stats_reset(NULL), TDM_ERR_INVALID);
  cr_assert_eq(tdm_ctx_device_backend(NULL), TDM_CPU);
  cr_assert_eq(tdm_ctx_threads(NULL), 0);
  cr_assert_str_eq(tdm_ctx_device_note(NULL), "");
}
