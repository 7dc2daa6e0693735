/* harness.c -- what every scenario does around its work: start a row, time
 * repetitions (compute only, and on a device also with host<->device
 * copies), turn work into a rate against a ceiling, report progress on
 * stderr, and turn a failed call into a skipped or failed row. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suite.h"

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *bench_backend_label(tdm_backend b) { return tdm_backend_name(b); }

void bench_row_init(const bench_run *r, bench_row *row, const char *variant, const char *dtype,
                    const char *size) {
  memset(row, 0, sizeof *row);
  snprintf(row->scenario, sizeof row->scenario, "%s", r->scenario);
  snprintf(row->backend, sizeof row->backend, "%s", bench_backend_label(r->backend));
  snprintf(row->variant, sizeof row->variant, "%s", variant ? variant : "");
  snprintf(row->dtype, sizeof row->dtype, "%s", dtype ? dtype : "");
  snprintf(row->size, sizeof row->size, "%s", size ? size : "");
  snprintf(row->check, sizeof row->check, "ok");
  row->threads = r->threads;
  row->median_s = row->min_s = row->max_s = row->total_s = NAN;
  row->rate = row->ceiling = row->share = row->peer_ratio = row->numpy_ratio = NAN;
}

void bench_progress(const bench_run *r, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "[%7.1f s] %s %s: %s\n", bench_now() - r->t0, r->scenario,
          bench_backend_label(r->backend), msg);
}

static int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define BENCH_MAX_REPS 1000

tdm_status bench_time(const bench_run *r, bench_row *row, int reps, int xfer, bench_once_fn fn,
                      void *state) {
  if (reps < 1) reps = 1;
  if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
  double t[BENCH_MAX_REPS];
  for (int i = 0; i < reps; i++) {
    tdm_status s = fn(state, 0, &t[i]);
    if (s != TDM_OK) return s;
    bench_progress(r, "%s%s%s rep %d/%d %.4f s", row->variant, row->dtype[0] ? " " : "",
                   row->dtype, i + 1, reps, t[i]);
  }
  row->reps = reps;
  row->min_s = row->max_s = t[0];
  for (int i = 1; i < reps; i++) {
    if (t[i] < row->min_s) row->min_s = t[i];
    if (t[i] > row->max_s) row->max_s = t[i];
  }
  row->median_s = bench_median(t, reps);
  if (!r->device || !xfer) return TDM_OK;
  for (int i = 0; i < reps; i++) {
    tdm_status s = fn(state, 1, &t[i]);
    if (s != TDM_OK) return s;
    bench_progress(r, "%s %s with transfers rep %d/%d %.4f s", row->variant, row->dtype, i + 1,
                   reps, t[i]);
  }
  row->total_s = bench_median(t, reps);
  return TDM_OK;
}

void bench_rate(bench_row *row, double work, const char *unit, double ceiling,
                const char *ceiling_name) {
  snprintf(row->rate_unit, sizeof row->rate_unit, "%s", unit);
  if (!(row->median_s > 0)) return;
  row->rate = work / row->median_s;
  if (ceiling > 0) {
    row->ceiling = ceiling;
    row->share = row->rate / ceiling;
    snprintf(row->ceiling_name, sizeof row->ceiling_name, "%s", ceiling_name);
  }
}

void bench_emit(const bench_run *r, const bench_row *row) { r->emit(r->sink, row); }

void bench_fail(const bench_run *r, bench_row *row, tdm_status s, const char *why) {
  const char *msg = why ? why : tdm_last_error();
  int cannot_run = s == TDM_ERR_NO_DEVICE || s == TDM_ERR_UNSUPPORTED || s == TDM_ERR_NOMEM ||
                   s == TDM_ERR_DEVICE_NOMEM;
  if (cannot_run) {
    char full[1400];
    snprintf(full, sizeof full, "%s: %s", tdm_status_name(s), msg);
    bench_reason(row->skipped, sizeof row->skipped, full);
    snprintf(row->check, sizeof row->check, "skipped");
  } else {
    snprintf(row->check, sizeof row->check, "error %s: %s", tdm_status_name(s), msg);
  }
  bench_progress(r, "%s %s %s: %s", row->variant, row->dtype, cannot_run ? "skipped" : "FAILED",
                 msg);
}

void bench_finish(const bench_run *r, bench_row *rows, int n, tdm_status s, const char *why) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s", why ? why : tdm_last_error());
  int pending = 0;
  for (int v = 0; v < n; v++) pending += rows[v].reps == 0;
  for (int v = 0; v < n && s != TDM_OK; v++) {
    if (rows[v].reps == 0) bench_fail(r, &rows[v], s, msg); /* never ran */
    else if (!pending && v == n - 1) /* all ran: the failure came after the last */
      bench_check(&rows[v], 0, "error %s: %s", tdm_status_name(s), msg);
  }
  for (int v = 0; v < n; v++) bench_emit(r, &rows[v]);
}

int bench_skipping(const bench_run *r, bench_row *rows, int n) {
  if (!r->skip) return 0;
  bench_finish(r, rows, n, TDM_ERR_NO_DEVICE, r->skip);
  return 1;
}

int bench_reps(const bench_run *r, int dflt) { return r->reps > 0 ? r->reps : dflt; }

const char *bench_count(double n, char *buf, size_t len) {
  if (n < 1e5) {
    snprintf(buf, len, "%.0f", n);
    return buf;
  }
  int e = (int)floor(log10(n));
  double m = n / pow(10, e);
  if (fabs(m - round(m)) < 1e-9) snprintf(buf, len, "%.0fe%d", m, e);
  else snprintf(buf, len, "%ge%d", m, e);
  return buf;
}

tdm_status bench_ctx_like(const bench_run *r, int threads, tdm_ctx **out) {
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = r->backend;
  cfg.threads = threads;
  return tdm_ctx_create(&cfg, out);
}

tdm_status bench_ctx_env(const bench_run *r, int threads, const char *var, const char *value,
                         tdm_ctx **out) {
  const char *was = getenv(var);
  char *saved = was ? strdup(was) : NULL;
  if (was && !saved) return TDM_ERR_NOMEM;
  setenv(var, value, 1);
  tdm_status s = bench_ctx_like(r, threads, out);
  if (saved) setenv(var, saved, 1);
  else unsetenv(var);
  free(saved);
  return s;
}

const char *bench_speedup(double base_s, double t_s, char *buf, size_t len) {
  if (!(base_s > 0) || !(t_s > 0)) snprintf(buf, len, "?x vs");
  else if (t_s <= base_s) snprintf(buf, len, "%.2fx faster than", base_s / t_s);
  else snprintf(buf, len, "%.2fx slower than", t_s / base_s);
  return buf;
}

void bench_reason(char *dst, size_t len, const char *text) {
  static const char more[] = " [...]";
  if (!len) return;
  size_t n = strlen(text);
  if (n < len) {
    memcpy(dst, text, n + 1);
    return;
  }
  size_t room = len > sizeof more ? len - sizeof more : 0, cut = 0;
  for (size_t i = 1; i < room; i++) /* the last ". ", "; " or ": " that fits */
    if ((text[i - 1] == '.' || text[i - 1] == ';' || text[i - 1] == ':') && text[i] == ' ') cut = i - 1;
  if (cut == 0)
    for (size_t i = 1; i < room; i++) /* else the last word end */
      if (text[i] == ' ') cut = i;
  if (cut == 0) cut = room;
  memcpy(dst, text, cut);
  memcpy(dst + cut, more, sizeof more);
}
