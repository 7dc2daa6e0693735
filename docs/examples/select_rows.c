/* select_rows.c -- selecting rows without leaving the device: a fold as a
 * view, a bootstrap resample with tdm_take, a group's rows with
 * tdm_nonzero + a view of the positions + tdm_take. Prints each
 * selection's column means and what moved between host and device.
 *   cc select_rows.c $(pkg-config --cflags --libs tandem) && TDM_BACKEND=sim ./a.out */
#include <stdio.h>
#include <tandem/tandem.h>

#define TRY(call)                                                                  \
  do {                                                                             \
    tdm_status s_ = (call);                                                        \
    if (s_ != TDM_OK) {                                                            \
      fprintf(stderr, "%s: %s\n", tdm_status_name(s_), tdm_last_error());         \
      return 1;                                                                    \
    }                                                                              \
  } while (0)

enum { N = 100000, P = 3 };

/* The column means of X (rows x P), one reduction per column view. */
static int col_means(tdm_ctx *ctx, tdm_buf *X, const char *what) {
  printf("%-28s %6zu rows, means", what, tdm_buf_rows(X));
  for (size_t j = 0; j < P; j++) {
    tdm_buf *c;
    double m;
    tdm_reduce_op op = TDM_MEAN;
    TRY(tdm_buf_view(X, 0, j, tdm_buf_rows(X), 1, &c));
    TRY(tdm_reduce(ctx, c, 1, &op, &m));
    tdm_buf_destroy(c);
    printf(" %8.4f", m);
  }
  printf("\n");
  return 0;
}

int main(void) {
  tdm_ctx *ctx;
  TRY(tdm_ctx_create(NULL, &ctx));
  tdm_rng *rng;
  tdm_buf *X, *g, *idx;
  TRY(tdm_rng_create(ctx, 42, 0, &rng));
  TRY(tdm_buf_create(ctx, TDM_F64, N, P, &X));
  TRY(tdm_rng_normal(rng, X, 0.0, 1.0));         /* drawn where it will be used */
  TRY(tdm_buf_create(ctx, TDM_I32, N, 1, &g));
  TRY(tdm_rng_integers(rng, g, 0, 4));           /* a group id 0..3 per row */
  TRY(tdm_buf_create(ctx, TDM_I64, N, 1, &idx));
  tdm_ctx_stats_reset(ctx);

  /* 1. Fold 3 of 10: rows [30000, 40000) are a view, no copy. */
  tdm_buf *fold;
  TRY(tdm_buf_view(X, 3 * N / 10, 0, N / 10, P, &fold));

  /* 2. A bootstrap resample: N row indices drawn with replacement, gathered. */
  tdm_buf *Xb;
  TRY(tdm_rng_bootstrap(rng, idx, N));
  TRY(tdm_buf_create(ctx, TDM_F64, N, P, &Xb));
  TRY(tdm_take(ctx, X, 0, idx, Xb));

  /* 3. Group 2's rows: a mask, its positions, a view of the first count. */
  tdm_buf *mask, *pos, *Xg, *in[1] = {g};
  size_t count;
  TRY(tdm_buf_create(ctx, TDM_F64, N, 1, &mask));
  TRY(tdm_eval(ctx, "g == 2", "g", mask, in));
  TRY(tdm_nonzero(ctx, mask, idx, &count));      /* only the count comes back */
  TRY(tdm_buf_view(idx, 0, 0, count, 1, &pos));
  TRY(tdm_buf_create(ctx, TDM_F64, count, P, &Xg));
  TRY(tdm_take(ctx, X, 0, pos, Xg));

  if (col_means(ctx, fold, "fold 3 (a view)") || col_means(ctx, Xb, "bootstrap resample (take)") ||
      col_means(ctx, Xg, "group 2 (nonzero + take)"))
    return 1;
  tdm_stats st;
  TRY(tdm_ctx_stats(ctx, &st));
  printf("on %s: %llu copies to the device, %llu back (%llu bytes: counts, checks, means)\n",
         tdm_backend_name(tdm_ctx_device_backend(ctx)), (unsigned long long)st.h2d_count,
         (unsigned long long)st.d2h_count, (unsigned long long)st.d2h_bytes);
  tdm_buf_destroy(fold), tdm_buf_destroy(Xb), tdm_buf_destroy(mask), tdm_buf_destroy(pos);
  tdm_buf_destroy(Xg), tdm_buf_destroy(X), tdm_buf_destroy(g), tdm_buf_destroy(idx);
  tdm_rng_destroy(rng);
  tdm_ctx_destroy(ctx);
  return 0;
}
