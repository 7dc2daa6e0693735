/* dist_example.c -- the guide's "from one machine to a cluster" example: a
 * simulation study of 1000 replicates spread over the MPI ranks. Replicate
 * i draws 500 values from random stream i and keeps their mean and sd, so
 * the results are the same bytes for any number of ranks.
 *   build: mpicc dist_example.c -ltandem_dist -ltandem
 *   run:   mpirun -np 4 ./dist_example */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <tandem/dist.h>

#define NREP 1000
#define NOBS 500

typedef struct study {
  double *out; /* NREP x 2: mean, sd of each replicate */
} study;

static tdm_status replicate(const tdm_task_env *env, size_t i, void *arg) {
  study *st = arg;
  tdm_rng *rng = NULL;
  tdm_buf *x = NULL;
  tdm_reduce_op ops[2] = {TDM_MEAN, TDM_SD};
  tdm_status s = tdm_rng_create(env->ctx, 42, i, &rng); /* stream i, on any rank */
  if (s == TDM_OK) s = tdm_buf_create(env->ctx, TDM_F64, NOBS, 1, &x);
  if (s == TDM_OK) s = tdm_rng_normal(rng, x, 10.0, 2.0);
  if (s == TDM_OK) s = tdm_reduce(env->ctx, x, 2, ops, &st->out[2 * i]);
  tdm_buf_destroy(x);
  tdm_rng_destroy(rng);
  return s;
}

int main(int argc, char **argv) {
  tdm_dist *d;
  if (tdm_dist_init(&argc, &argv, &d) != TDM_OK) {
    fprintf(stderr, "%s\n", tdm_last_error());
    return 1;
  }
  int rank = tdm_dist_rank(d);
  tdm_config cfg;
  tdm_ctx *ctx = NULL;
  tdm_pool *pool = NULL;
  study st = {calloc(2 * NREP, sizeof(double))};
  tdm_status s = tdm_dist_config(d, &cfg); /* this rank's GPU and share of cores */
  if (s == TDM_OK) s = tdm_ctx_create(&cfg, &ctx);
  if (s == TDM_OK && tdm_pool_create(ctx, NULL, &pool) != TDM_OK) pool = NULL; /* no pool: serial */
  tdm_dist_set_ctx(d, ctx);
  tdm_schedule sched = {TDM_SCHED_DYNAMIC, 0, TDM_LANE_ANY};
  if (s == TDM_OK) s = tdm_dist_map(d, pool, NREP, replicate, &st, sched, st.out, 2 * sizeof(double));
  if (s != TDM_OK) {
    fprintf(stderr, "rank %d: %s\n", rank, tdm_last_error());
  } else {
    double m = 0, sd = 0;
    unsigned long long h = 1469598103934665603ull; /* a hash of all results */
    const unsigned char *b = (const unsigned char *)st.out;
    for (size_t k = 0; k < 2 * NREP * sizeof(double); k++) h = (h ^ b[k]) * 1099511628211ull;
    for (int i = 0; i < NREP; i++) m += st.out[2 * i] / NREP, sd += st.out[2 * i + 1] / NREP;
    printf("rank %d of %d: mean of means %.4f, mean of sds %.4f, results hash %016llx\n", rank,
           tdm_dist_size(d), m, sd, h);
    /* Every rank holds every result: the hashes agree (plain MPI here). */
    unsigned long long lo, hi;
    MPI_Allreduce(&h, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&h, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0) printf("same on every rank: %s\n", lo == hi ? "yes" : "NO");
  }
  if (pool) tdm_pool_destroy(pool);
  tdm_ctx_destroy(ctx);
  free(st.out);
  tdm_dist_finalize(d);
  return s == TDM_OK ? 0 : 1;
}
