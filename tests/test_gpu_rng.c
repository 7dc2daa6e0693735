/* test_gpu_rng.c -- the CUDA backend's random numbers (kernels/rng.cu)
 * against the CPU's: the same bits for every draw and dtype, from offsets on
 * and off block boundaries, in one call and in pieces. Skipped, saying why,
 * where no CUDA device can be used. */
#include "rng_test.h"

static tdm_ctx *cuda_ctx(void) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = TDM_CUDA;
  tdm_ctx *ctx = NULL;
  tdm_status s = tdm_ctx_create(&cfg, &ctx);
  if (s == TDM_ERR_NO_DEVICE || s == TDM_ERR_UNSUPPORTED)
    cr_skip_test("no CUDA device: %s", tdm_last_error());
  cr_assert_eq(s, TDM_OK, "%s", tdm_last_error());
  return ctx;
}

Test(gpu_rng, same_bits_as_the_cpu) {
  tdm_ctx *gpu = cuda_ctx(), *cpu = rt_ctx(TDM_CPU, 2);
  static const size_t sizes[] = {1, 7, 100003};
  for (size_t i = 0; i < RT_NSPECS; i++) {
    const rt_spec *s = &rt_specs[i];
    for (size_t z = 0; z < 3; z++) {
      size_t n = s->wpv > 4 && sizes[z] > 20000 ? 20001 : sizes[z];
      for (uint64_t off = 0; off < 3; off++) {
        void *want = rt_sample(cpu, s, 0x1234567890ull, 42, off, n);
        void *got = rt_sample(gpu, s, 0x1234567890ull, 42, off, n);
        cr_expect_eq(memcmp(want, got, n * tdm_dtype_size(s->dt)), 0, "%s: n %zu offset %llu",
                     s->name, n, (unsigned long long)off);
        free(want);
        free(got);
      }
    }
  }
  tdm_stats st;
  cr_assert_eq(tdm_ctx_stats(gpu, &st), TDM_OK);
  cr_expect_gt(st.device_ops, 0, "the fills ran on the device");
  tdm_ctx_destroy(gpu);
  tdm_ctx_destroy(cpu);
}

Test(gpu_rng, pieces_continue_the_stream) {
  tdm_ctx *gpu = cuda_ctx(), *cpu = rt_ctx(TDM_CPU, 2);
  const rt_spec *s = &rt_specs[4]; /* normal f64 */
  double *want = rt_sample(cpu, s, 9, 9, 0, 1000);
  tdm_rng *r;
  cr_assert_eq(tdm_rng_create(gpu, 9, 9, &r), TDM_OK);
  tdm_buf *b = rt_buf(gpu, TDM_F64, 250);
  for (int k = 0; k < 4; k++) {
    cr_assert_eq(tdm_rng_normal(r, b, s->a, s->b), TDM_OK, "%s", tdm_last_error());
    double *got = rt_read(b);
    cr_expect_eq(memcmp(got, want + 250 * k, 250 * sizeof(double)), 0, "piece %d", k);
    free(got);
  }
  tdm_buf_destroy(b);
  tdm_rng_destroy(r);
  free(want);
  tdm_ctx_destroy(gpu);
  tdm_ctx_destroy(cpu);
}
