/* bench_core.c -- the foundation's benchmark program (not a test): prints
 * (a) tdm_reduce SUM+MIN+MAX+MEAN+VAR over 1e8 f64 against a plain read of
 * the same array, and (b) crossprod + Cholesky of an n x n f64 matrix with
 * 1 thread and all threads, next to numpy (bench/peers/crossprod_chol.py)
 * run in the same process' lifetime. Ratios are what to compare. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpu_int.h"
#include "cpu/reduce_int.h"
#include "tandem/tandem.h"

typedef struct {
  size_t len;     /* reduce length */
  size_t n;       /* crossprod size */
  int reps;
  int threads;    /* "all" */
  const char *python, *peers;
  int skip_reduce, skip_la, skip_peer;
} opts;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Best and median of reps timings. */
typedef struct { double best, med; } tstat;
static tstat stat_of(double *t, int reps) {
  qsort(t, (size_t)reps, sizeof *t, cmp_d);
  tstat s = {t[0], reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2])};
  return s;
}

#define CHECK(call)                                                            \
  do {                                                                         \
    tdm_status s_ = (call);                                                    \
    if (s_ != TDM_OK) {                                                        \
      fprintf(stderr, "bench_core: %s failed: %s: %s\n", #call, tdm_status_name(s_), \
              tdm_last_error());                                               \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static tdm_ctx *ctx_threads(int threads) {
  tdm_config cfg = {TDM_CPU, threads, 0};
  tdm_ctx *c;
  CHECK(tdm_ctx_create(&cfg, &c));
  return c;
}

/* ---- (a) reduce vs a plain read ----------------------------------------------- */
/* The plain read: eight independent sums so the loop waits on memory, not
 * on the adder. */
static double read_sum(const double *x, size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
    s4 += x[i + 4], s5 += x[i + 5], s6 += x[i + 6], s7 += x[i + 7];
  }
  for (; i < n; i++) s0 += x[i];
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

typedef struct { const double *x; size_t n, chunk; double *part; } rjob;
static void read_range(void *arg, size_t lo, size_t hi) {
  rjob *j = arg;
  for (size_t c = lo; c < hi; c++) {
    size_t b = c * j->chunk, e = b + j->chunk < j->n ? b + j->chunk : j->n;
    j->part[c] = read_sum(j->x + b, e - b);
  }
}

static double read_par(int threads, const double *x, size_t n, double *part, size_t nchunk) {
  rjob j = {x, n, (n + nchunk - 1) / nchunk, part};
  tdm__par_for(threads, nchunk, 1, read_range, &j);
  double s = 0;
  for (size_t c = 0; c < nchunk; c++) s += part[c];
  return s;
}

static void bench_reduce(const opts *o) {
  size_t n = o->len;
  double *x = malloc(n * sizeof *x);
  if (!x) {
    fprintf(stderr, "bench_core: no memory for %zu doubles\n", n);
    exit(1);
  }
  unsigned long long st = 88172645463325252ull;
  for (size_t i = 0; i < n; i++) { /* xorshift: values in [1e3, 1e3+1) */
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    x[i] = 1e3 + (double)(st >> 11) * 0x1.0p-53;
  }
  const size_t nchunk = 4096;
  double *part = malloc(nchunk * sizeof *part);
  static const tdm_reduce_op ops[5] = {TDM_SUM, TDM_MIN, TDM_MAX, TDM_MEAN, TDM_VAR};
  printf("\n(a) tdm_reduce SUM+MIN+MAX+MEAN+VAR over %zu f64 (%.0f MB) vs a plain read-sum loop\n",
         n, (double)n * 8 / 1e6);
  int tlist[2] = {1, o->threads};
  for (int ti = 0; ti < (o->threads > 1 ? 2 : 1); ti++) {
    int th = tlist[ti];
    tdm_ctx *ctx = ctx_threads(th);
    tdm_buf *b;
    CHECK(tdm_buf_wrap(ctx, TDM_F64, n, 1, x, &b));
    double out[5], tr[64], tp[64], sink = 0;
    int reps = o->reps < 64 ? o->reps : 64;
    CHECK(tdm_reduce(ctx, b, 5, ops, out)); /* warm-up */
    sink += read_par(th, x, n, part, nchunk);
    for (int r = 0; r < reps; r++) { /* interleaved, so both see the same noise */
      double t0 = now();
      sink += read_par(th, x, n, part, nchunk);
      double t1 = now();
      CHECK(tdm_reduce(ctx, b, 5, ops, out));
      double t2 = now();
      tp[r] = t1 - t0;
      tr[r] = t2 - t1;
    }
    tstat sp = stat_of(tp, reps), sr = stat_of(tr, reps);
    printf("  threads=%d  read: best %.4f s (%.1f GB/s) median %.4f | tdm_reduce: best %.4f s "
           "(%.1f GB/s) median %.4f | ratio reduce/read: best %.2f median %.2f\n",
           th, sp.best, (double)n * 8 / sp.best / 1e9, sp.med, sr.best,
           (double)n * 8 / sr.best / 1e9, sr.med, sr.best / sp.best, sr.med / sp.med);
    if (ti == 0)
      printf("  (check: mean %.9f var %.9f, read sum/n %.9f)\n", out[3], out[4], sink / (reps + 1) / n);
    tdm_buf_destroy(b);
    tdm_ctx_destroy(ctx);
  }
  free(part);
  free(x);
}

/* ---- (b) crossprod + Cholesky, tandem and numpy ----------------------------------- */
typedef struct { double xp, chol, total; } la_t;

static void keep_best(la_t *best, double t0, double t1, double t2) {
  best->xp = fmin(best->xp, t1 - t0);
  best->chol = fmin(best->chol, t2 - t1);
  best->total = fmin(best->total, t2 - t0);
}

/* tandem: X written once; each rep is crossprod + Cholesky (+ sync). */
typedef struct { tdm_ctx *ctx; tdm_buf *X, *C; } la_tdm;

static void tdm_rep(la_tdm *t, la_t *best) {
  double t0 = now();
  CHECK(tdm_crossprod(t->ctx, t->X, t->C));
  double t1 = now();
  CHECK(tdm_cholesky(t->ctx, t->C));
  CHECK(tdm_ctx_sync(t->ctx));
  double t2 = now();
  if (best) keep_best(best, t0, t1, t2);
}

/* The bare BLAS/LAPACK work (dsyrk, dpotrf; no lower-triangle fill, no
 * zeroing) straight through OpenBLAS, the library tandem calls, in this
 * process: tandem's overhead is the difference. */
static void bare_rep(int threads, size_t n, const double *X, double *C, la_t *best) {
  const int nn = (int)n;
  openblas_set_num_threads(threads);
  double t0 = now();
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, nn, nn, 1.0, X, nn, 0.0, C, nn);
  double t1 = now();
  lapack_int info = 0;
  LAPACK_dpotrf("U", &nn, C, &nn, &info);
  double t2 = now();
  if (info != 0) fprintf(stderr, "bench_core: bare dpotrf info %d\n", (int)info);
  if (best) keep_best(best, t0, t1, t2);
}

/* Runs the numpy peer once (its own warm-up, then one timed rep) and keeps
 * the best; 0 if it cannot run. *said: a line about the peer was printed
 * (its first result, or why it was skipped), so print no more. */
static int peer_rep(const opts *o, int threads, la_t *best, int *said) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", o->python);
  if (system(cmd) != 0) {
    if (!*said) printf("  numpy peer skipped: '%s' not found on PATH\n", o->python);
    *said = 1;
    return 0;
  }
  snprintf(cmd, sizeof cmd,
           "OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d '%s' '%s/crossprod_chol.py' --n %zu --reps 1",
           threads, threads, o->python, o->peers, o->n);
  FILE *p = popen(cmd, "r");
  if (!p) {
    if (!*said) printf("  numpy peer skipped: could not run %s\n", cmd);
    *said = 1;
    return 0;
  }
  char line[4096] = "";
  char *got = fgets(line, sizeof line, p);
  int rc = pclose(p);
  const char *sk = strstr(line, "\"skipped\"");
  const char *tot = strstr(line, "\"total_s\":"), *xp = strstr(line, "\"crossprod_s\":"),
             *ch = strstr(line, "\"cholesky_s\":");
  if (!got || rc != 0 || sk || !tot || !xp || !ch) {
    if (!*said) printf("  numpy peer skipped: %s (exit %d)\n", got ? line : "no output", rc);
    *said = 1;
    return 0;
  }
  double x = strtod(xp + 14, NULL), c = strtod(ch + 13, NULL), t = strtod(tot + 10, NULL);
  best->xp = fmin(best->xp, x);
  best->chol = fmin(best->chol, c);
  best->total = fmin(best->total, t);
  if (!*said) printf("  numpy peer: %s", line); /* the first one, for its versions */
  *said = 1;
  return 1;
}

/* The three are interleaved rep by rep, so a busy spell on a shared
 * machine hits all of them alike; each reports its best rep. */
static void bench_la(const opts *o) {
  size_t n = o->n;
  double *xh = malloc(n * n * sizeof *xh), *Xb = malloc(n * n * sizeof *Xb),
         *Cb = calloc(n * n, sizeof *Cb);
  if (!xh || !Xb || !Cb) exit(1);
  unsigned long long st = 2463534242ull;
  for (size_t i = 0; i < n * n; i++) {
    st ^= st << 13, st ^= st >> 7, st ^= st << 17;
    xh[i] = 2.0 * ((double)(st >> 11) * 0x1.0p-53) - 1.0;
  }
  memcpy(Xb, xh, n * n * sizeof *Xb);
  printf("\n(b) crossprod (C = X'X) + Cholesky, n = %zu f64: tandem, the bare OpenBLAS calls and "
         "numpy (%s) interleaved, best of %d rounds after a warm-up\n",
         n, o->skip_peer ? "off" : o->python, o->reps);
  int tlist[2] = {1, o->threads};
  for (int ti = 0; ti < (o->threads > 1 ? 2 : 1); ti++) {
    int th = tlist[ti], said = o->skip_peer, have_peer = 0;
    la_tdm t = {ctx_threads(th), NULL, NULL};
    CHECK(tdm_buf_create(t.ctx, TDM_F64, n, n, &t.X));
    CHECK(tdm_buf_create(t.ctx, TDM_F64, n, n, &t.C));
    CHECK(tdm_buf_write(t.X, xh));
    la_t bt = {INFINITY, INFINITY, INFINITY}, bb = bt, bp = bt;
    tdm_rep(&t, NULL); /* warm-ups */
    bare_rep(th, n, Xb, Cb, NULL);
    for (int r = 0; r < o->reps; r++) {
      tdm_rep(&t, &bt);
      bare_rep(th, n, Xb, Cb, &bb);
      if (!o->skip_peer) have_peer |= peer_rep(o, th, &bp, &said);
    }
    tdm_buf_destroy(t.C);
    tdm_buf_destroy(t.X);
    tdm_ctx_destroy(t.ctx);
    printf("  threads=%d  tandem: crossprod %.3f s, cholesky %.3f s, total %.3f s (%.1f GFLOP/s)\n",
           th, bt.xp, bt.chol, bt.total, ((double)n * n * n + (double)n * n * n / 3) / bt.total / 1e9);
    printf("  threads=%d  bare dsyrk+dpotrf: crossprod %.3f s, cholesky %.3f s, total %.3f s | "
           "ratio tandem/bare: total %.3f\n",
           th, bb.xp, bb.chol, bb.total, bt.total / bb.total);
    if (have_peer)
      printf("  threads=%d  numpy: crossprod %.3f s, cholesky %.3f s, total %.3f s | ratio "
             "tandem/numpy: total %.3f (crossprod %.3f, cholesky %.3f)\n",
             th, bp.xp, bp.chol, bp.total, bt.total / bp.total, bt.xp / bp.xp, bt.chol / bp.chol);
  }
  free(xh), free(Xb), free(Cb);
}

static void usage(void) {
  puts("bench_core [--len N] [--n N] [--reps R] [--threads T] [--python PATH] [--peers DIR]\n"
       "           [--no-reduce] [--no-linalg] [--no-peer]\n"
       "  --len: reduce length (default 100000000); --n: crossprod size (default 6000)\n"
       "  --threads: the 'all threads' count (default: cores online)");
}

int main(int argc, char **argv) {
  opts o = {100000000, 6000, 5, 0, "python3", TDM_BENCH_PEERS, 0, 0, 0};
  o.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--len") && v) o.len = strtoull(v, NULL, 10), i++;
    else if (!strcmp(a, "--n") && v) o.n = strtoull(v, NULL, 10), i++;
    else if (!strcmp(a, "--reps") && v) o.reps = atoi(v), i++;
    else if (!strcmp(a, "--threads") && v) o.threads = atoi(v), i++;
    else if (!strcmp(a, "--python") && v) o.python = v, i++;
    else if (!strcmp(a, "--peers") && v) o.peers = v, i++;
    else if (!strcmp(a, "--no-reduce")) o.skip_reduce = 1;
    else if (!strcmp(a, "--no-linalg")) o.skip_la = 1;
    else if (!strcmp(a, "--no-peer")) o.skip_peer = 1;
    else {
      usage();
      return strcmp(a, "--help") ? 2 : 0;
    }
  }
  if (o.len == 0 || o.n == 0 || o.reps < 1 || o.threads < 1) {
    usage();
    return 2;
  }
  static const char *isa[] = {"plain C", "AVX2"};
  printf("bench_core: tandem %s, %d cores online, all threads = %d, reduce kernel %s\n",
         tdm_version(), (int)sysconf(_SC_NPROCESSORS_ONLN), o.threads, isa[tdm__reduce_isa(-1)]);
  const char *cv = getenv("OPENBLAS_CORETYPE");
  if (cv) printf("  OPENBLAS_CORETYPE=%s\n", cv);
  if (!o.skip_reduce) bench_reduce(&o);
  if (!o.skip_la) bench_la(&o);
  return 0;
}
