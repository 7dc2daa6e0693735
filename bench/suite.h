/* suite.h -- the contract between the `tandem bench` driver (src/cli/) and
 * the scenarios in bench/scenarios/<name>.c: problem sizes, the run a
 * scenario gets, the row it fills per variant, and the timing and checking
 * helpers all scenarios and the tools in bench/tools/ share (bench/harness.c,
 * bench/check.c). Scenarios use only the public API (a ctest checks their
 * includes); this header adds no library internals. */
#ifndef TDM_BENCH_SUITE_H
#define TDM_BENCH_SUITE_H

#include <stddef.h>

#include <tandem/tandem.h>

typedef enum bench_size { BENCH_SMALL, BENCH_DEFAULT, BENCH_FULL } bench_size;

/* What the machine allows, measured once at the start (src/cli/ceiling.c).
 * 0 = not measured (no device, or not asked for). */
typedef struct bench_ceil {
  double copy_gbs;            /* host memory copy, bytes read + written per second / 1e9 */
  double read_gbs;            /* host memory read-only stream, bytes read per second / 1e9 */
  double dgemm1, dgemmN;      /* F64 GEMM GFLOP/s on one core and on all --threads */
  double sgemmN;              /* F32 GEMM GFLOP/s on all --threads */
  double dev_gbs;             /* device memory read bandwidth (a resident reduction) */
  double dev_dgemm, dev_sgemm;
  double h2d_gbs, d2h_gbs;    /* host <-> device copies */
} bench_ceil;

/* One line of the table and one JSON record. Text fields are "" when unset;
 * times are NaN when they do not apply (total_s on the host). */
typedef struct bench_row {
  char scenario[32];
  char backend[16];    /* cpu, cuda, sim; or a peer: numpy, numexpr, jax, pandas, scipy, ... */
  char variant[40];    /* "1 thread", "static", "one pass", ... */
  char size[64];       /* problem size, e.g. "n=3000" */
  char dtype[8];       /* f64, f32 */
  int threads;
  int reps;
  double median_s, min_s, max_s;
  double total_s;      /* device rows: median including host<->device copies */
  double rate;         /* work / median_s in rate_unit */
  char rate_unit[12];  /* "GFLOP/s", "GB/s" */
  double ceiling;      /* the ceiling the rate is compared with, same unit */
  char ceiling_name[24];
  double share;        /* rate / ceiling, NaN when no ceiling */
  double peer_ratio;   /* best peer's median / this median (filled by --peers), NaN if none */
  double numpy_ratio;  /* numpy's median / this median, NaN if none */
  char peer[16];       /* the best (fastest) peer's name, "" if none */
  char check[200];     /* "ok" or what disagreed */
  char skipped[512];   /* why the row could not run; "" when it ran */
  char note[200];      /* one line of context: speedup, LPT share, bias, ... */
} bench_row;

typedef struct bench_run bench_run;
struct bench_run {
  tdm_ctx *ctx;           /* the backend under test with --threads threads */
  tdm_backend backend;    /* TDM_CPU, TDM_CUDA or TDM_SIM */
  int device;             /* 1 when ctx runs its ops on a device */
  int threads;
  bench_size size;
  int reps;               /* --reps; 0 = the scenario's default */
  int detail;             /* --detail: the extra rows a scenario has (tiers, 1 thread, f32) */
  const bench_ceil *ceil;
  const char *scenario;
  double t0;              /* suite start (bench_now), for progress lines */
  const char *skip;       /* non-NULL: no context for this backend (ctx NULL), why */
  void (*emit)(void *sink, const bench_row *row);
  void *sink;
};

typedef struct bench_scenario {
  const char *name;
  const char *what;       /* one line for `tandem bench --help` */
  void (*run)(bench_run *r);
} bench_scenario;

/* The registry (bench/scenarios/registry.c), in the order the suite runs. */
extern const bench_scenario bench_scenarios[];
extern const size_t bench_nscenarios;
const bench_scenario *bench_find(const char *name);

/* ---- harness.c: rows, timing, progress --------------------------------- */
double bench_now(void); /* monotonic seconds: the bench's one timer */
/* Median of v[0..n), n >= 1 (sorts v). */
double bench_median(double *v, int n);
/* Starts a row for r's scenario and backend: check "ok", times NaN. */
void bench_row_init(const bench_run *r, bench_row *row, const char *variant, const char *dtype,
                    const char *size);
/* One timed run. xfer = 0: inputs already where the op runs, results left
 * there (the "compute" time); xfer = 1: inputs written from the host first
 * and results read back (only asked for on a device). */
typedef tdm_status (*bench_once_fn)(void *state, int xfer, double *secs);
/* reps runs of fn(state, 0), and with xfer on a device reps of
 * fn(state, 1) for total_s; fills median/min/max/reps; progress lines on
 * stderr. xfer = 0 for work that moves no data (results are scalars). */
tdm_status bench_time(const bench_run *r, bench_row *row, int reps, int xfer, bench_once_fn fn,
                      void *state);
/* rate = work / median_s; share = rate / ceiling (ceiling <= 0: none). */
void bench_rate(bench_row *row, double work, const char *unit, double ceiling,
                const char *ceiling_name);
/* Sends the row to the driver. */
void bench_emit(const bench_run *r, const bench_row *row);
/* Marks the row as not run. why NULL: tdm_last_error(). A status that means
 * "cannot run here" (module not built, no device, out of memory) gives a
 * skipped row; any other failure is a failed check. */
void bench_fail(const bench_run *r, bench_row *row, tdm_status s, const char *why);
/* Emits rows[0..n). With s != TDM_OK, rows that never ran are skipped or
 * failed (bench_fail); when every row ran, the last one gets the error. */
void bench_finish(const bench_run *r, bench_row *rows, int n, tdm_status s, const char *why);
/* When r->skip is set, emits rows[0..n) as skipped with that reason and
 * returns 1 (the scenario returns); else 0. */
int bench_skipping(const bench_run *r, bench_row *rows, int n);
/* Scenario default reps unless --reps was given. */
int bench_reps(const bench_run *r, int dflt);
/* Progress line on stderr: "[  12.3 s] scenario backend: text". */
void bench_progress(const bench_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dst := text; when it does not fit, cut at the last sentence or clause
 * end (". ", "; ", ": ") that fits and say so, never mid-word. */
void bench_reason(char *dst, size_t len, const char *text);
/* "2.50x faster than" when t < base, "1.30x slower than" otherwise: a speed-up
 * worded as one (the caller appends what was compared with). */
const char *bench_speedup(double base_s, double t_s, char *buf, size_t len);
/* A count as the size column shows it: 3000, 1e8, 2.5e7. */
const char *bench_count(double n, char *buf, size_t len);
/* Another context like r->ctx (same backend) with the given threads. */
tdm_status bench_ctx_like(const bench_run *r, int threads, tdm_ctx **out);
/* The same, created with the environment variable var set to value (a
 * setting read when a context is created, e.g. TDM_MATH=fast); var is
 * restored afterwards. */
tdm_status bench_ctx_env(const bench_run *r, int threads, const char *var, const char *value,
                         tdm_ctx **out);

/* ---- check.c: comparisons that write what disagreed into row->check ---- */
/* Records the first failure only; returns 1 if this one passed. */
int bench_check(bench_row *row, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* |a - b| <= tol * scale, with scale > 0 the size the error is judged by. */
int bench_close(double a, double b, double tol, double scale);
/* Largest |a[i] - b[i]| / max(|b[i]|, floor) over n values. */
double bench_maxrel(const double *a, const double *b, size_t n, double floor);
/* splitmix64: the next 64-bit value of the state *s (advances it). The
 * bench's one host-side generator, independent of the library's Philox. */
unsigned long long bench_splitmix(unsigned long long *s);
/* Fills v[0..n) with a fixed pseudo-random sample in [0, 1) from
 * bench_splitmix: for picking entries to check. */
void bench_pick(double *v, size_t n, unsigned long long seed);

#endif
