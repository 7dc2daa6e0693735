/* main.c -- a small simulation study that embeds tandem: how often does the
 * nominal 95% t-interval for a mean cover the truth when the data are
 * skewed (Gamma(shape 2, scale 1), mean 2)? For each sample size the R
 * replicates run as one tdm_map; replicate i draws from its own stream i,
 * so the table is the same on one core, on every core, or on a GPU. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/tandem.h>

typedef struct study {
  size_t n;        /* observations per replicate */
  double shape;    /* Gamma shape = the true mean (scale 1) */
  int *covered;    /* per replicate: did the interval cover the mean? */
  double *width;   /* per replicate: interval width */
} study;

/* 97.5% quantile of Student's t with nu degrees of freedom (Cornish-Fisher
 * expansion around the normal quantile; error < 1e-4 for nu >= 4). */
static double t975(double nu) {
  const double z = 1.959963984540054, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu);
}

static tdm_status replicate(const tdm_task_env *env, size_t i, void *arg) {
  study *s = arg;
  tdm_rng *rng = NULL;
  tdm_buf *x = NULL;
  double ms[2];
  const tdm_reduce_op ops[2] = {TDM_MEAN, TDM_SD};
  tdm_status st = tdm_rng_create(env->ctx, 20240501, (uint64_t)i, &rng); /* stream = replicate */
  if (st == TDM_OK) st = tdm_buf_create(env->ctx, TDM_F64, s->n, 1, &x);
  if (st == TDM_OK) st = tdm_rng_gamma(rng, x, s->shape, 1.0);
  if (st == TDM_OK) st = tdm_reduce(env->ctx, x, 2, ops, ms); /* mean and sd in one pass */
  if (st == TDM_OK) {
    double half = t975((double)s->n - 1) * ms[1] / sqrt((double)s->n);
    s->covered[i] = fabs(ms[0] - s->shape) <= half;
    s->width[i] = 2 * half;
  }
  tdm_buf_destroy(x);
  tdm_rng_destroy(rng);
  return st;
}

static int fail(void) { /* the message names the call that failed */
  fprintf(stderr, "simulation-study: %s\n", tdm_last_error());
  return 1;
}

int main(int argc, char **argv) {
  size_t R = 10000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) R = strtoul(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: simulation-study [--reps R]\n");
      return 2;
    }
  }
  if (R < 2) R = 2;
  tdm_ctx *ctx = NULL;
  tdm_pool *pool = NULL;
  if (tdm_ctx_create(NULL, &ctx) != TDM_OK) return fail();
  if (tdm_pool_create(ctx, NULL, &pool) != TDM_OK) {
    tdm_ctx_destroy(ctx);
    return fail();
  }
  study s = {0, 2.0, calloc(R, sizeof(int)), calloc(R, sizeof(double))};
  if (!s.covered || !s.width) {
    fprintf(stderr, "simulation-study: out of memory\n");
    return 1;
  }
  printf("coverage of the 95%% t-interval, Gamma(2,1) data, %zu replicates "
         "(tandem %s, %s, %d threads)\n",
         R, tdm_version(), tdm_backend_name(tdm_ctx_device_backend(ctx)), tdm_ctx_threads(ctx));
  printf("%8s %10s %10s %12s\n", "n", "coverage", "MC s.e.", "mean width");
  static const size_t sizes[] = {5, 10, 30, 100, 1000};
  int rc = 0;
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    s.n = sizes[k];
    tdm_schedule sched = {TDM_SCHED_STATIC, 0, TDM_LANE_ANY}; /* many equal tasks: chunk them */
    if (tdm_map(pool, R, replicate, &s, sched) != TDM_OK) {
      rc = fail();
      break;
    }
    double cov = 0, width = 0;
    for (size_t i = 0; i < R; i++) cov += s.covered[i], width += s.width[i];
    cov /= (double)R;
    printf("%8zu %10.4f %10.4f %12.4f\n", s.n, cov, sqrt(cov * (1 - cov) / (double)R),
           width / (double)R);
  }
  free(s.covered);
  free(s.width);
  tdm_pool_destroy(pool);
  tdm_ctx_destroy(ctx);
  return rc;
}
