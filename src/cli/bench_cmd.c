/* bench_cmd.c -- `tandem bench`: picks the backends (the machine's default
 * unless --backend), measures the ceilings once, runs each scenario on each
 * backend with a fresh context, optionally runs the numpy peers, then
 * prints the table and writes the JSON and the plot. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct cli_sink {
  cli_rows *rows;
  int oom;
} cli_sink;

static void cli_collect(void *sink, const bench_row *row) {
  cli_sink *s = sink;
  if (cli_rows_add(s->rows, row)) s->oom = 1;
}

/* The default plan's device (cuda, sim via TDM_BACKEND) or cpu; its threads. */
static tdm_backend cli_default_backend(int *threads, char *note, size_t len) {
  tdm_ctx *ctx = NULL;
  note[0] = '\0';
  if (tdm_ctx_create(NULL, &ctx) != TDM_OK) {
    snprintf(note, len, "%s", tdm_last_error());
    return TDM_CPU;
  }
  tdm_backend b = tdm_ctx_device_backend(ctx);
  *threads = tdm_ctx_threads(ctx);
  snprintf(note, len, "%s", tdm_ctx_device_note(ctx));
  tdm_ctx_destroy(ctx);
  return b;
}

static void cli_run_one(const bench_scenario *sc, tdm_backend b, const cli_opts *o, int threads,
                        const bench_ceil *ceil, double t0, cli_sink *sink) {
  bench_run r;
  memset(&r, 0, sizeof r);
  r.backend = b;
  r.threads = threads;
  r.size = o->size;
  r.reps = o->reps;
  r.detail = o->detail;
  r.ceil = ceil;
  r.scenario = sc->name;
  r.t0 = t0;
  r.emit = cli_collect;
  r.sink = sink;
  tdm_config cfg;
  tdm_config_default(&cfg);
  cfg.backend = b;
  cfg.threads = threads;
  char why[512], full[1400];
  if (tdm_ctx_create(&cfg, &r.ctx) != TDM_OK) {
    snprintf(full, sizeof full, "no %s context: %s", tdm_backend_name(b), tdm_last_error());
    bench_reason(why, sizeof why, full);
    r.skip = why;
    r.ctx = NULL;
    r.device = b != TDM_CPU;
  } else {
    r.device = tdm_ctx_device_backend(r.ctx) != TDM_CPU;
    bench_progress(&r, "start (%s size, %d threads)", cli_size_name(o->size), threads);
  }
  sc->run(&r);
  tdm_ctx_destroy(r.ctx);
}

int cli_bench(cli_opts *o) {
  double t0 = bench_now();
  int threads = 0;
  char note[256];
  tdm_backend dflt = cli_default_backend(&threads, note, sizeof note);
  if (o->threads > 0) threads = o->threads;
  if (threads <= 0) threads = 1;
  if (!o->backend_given) {
    o->backend[0] = dflt == TDM_CUDA ? TDM_CUDA : TDM_CPU;
    o->nbackend = 1;
    fprintf(stderr, "tandem bench: backend %s (%s)\n", tdm_backend_name(o->backend[0]),
            dflt == TDM_CUDA ? "a GPU is usable" : note[0] ? note : "no device");
  }
  tdm_backend dev = TDM_CPU;
  for (int i = 0; i < o->nbackend; i++)
    if (o->backend[i] != TDM_CPU) dev = o->backend[i];
  bench_ceil ceil;
  cli_ceilings(o->size, threads, dev, t0, &ceil);

  cli_rows rows = {0};
  cli_sink sink = {&rows, 0};
  for (size_t s = 0; s < o->nsel; s++)
    for (int i = 0; i < o->nbackend; i++)
      cli_run_one(o->sel[s], o->backend[i], o, threads, &ceil, t0, &sink);
  if (o->peers) {
    cli_peers(o, threads, t0, &rows);
    cli_peer_ratios(&rows);
  }
  fprintf(stderr, "[%7.1f s] done\n", bench_now() - t0);

  printf("tandem bench %s: size %s, %d thread%s\n", tdm_version(), cli_size_name(o->size), threads,
         threads == 1 ? "" : "s");
  cli_table(stdout, &rows, &ceil);
  int rc = sink.oom ? 1 : 0;
  for (size_t i = 0; i < rows.n; i++)
    if (!rows.v[i].skipped[0] && strcmp(rows.v[i].check, "ok") != 0) rc = 1;
  char err[300];
  if (o->json && cli_json_write(o->json, &rows, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    rc = 1;
  }
  if (o->plot && cli_svg_write(o->plot, &rows, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    rc = 1;
  }
  if (sink.oom) fprintf(stderr, "tandem bench: out of memory collecting rows\n");
  cli_rows_free(&rows);
  return rc;
}
