/* table.c -- the readable table `tandem bench` prints on stdout: the
 * ceilings, then per scenario its rows (time median/min/max, rate, share
 * of the ceiling, time with transfers on a device, numpy's ratio and the
 * fastest peer's name and ratio, the check and a note), then the peers'
 * own rows. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *cli_fmt_time(double s, char *buf, size_t len) {
  if (isnan(s)) snprintf(buf, len, "-");
  else if (s < 1e-3) snprintf(buf, len, "%.1f us", s * 1e6);
  else if (s < 1.0) snprintf(buf, len, "%.1f ms", s * 1e3);
  else snprintf(buf, len, "%.2f s", s);
  return buf;
}

static void cli_ceiling_line(FILE *f, const bench_ceil *c) {
  fprintf(f, "ceilings: memory copy %.1f GB/s | read %.1f GB/s | dgemm 1 core %.1f GFLOP/s | dgemm all"
             " %.1f GFLOP/s | sgemm all %.1f GFLOP/s\n",
          c->copy_gbs, c->read_gbs, c->dgemm1, c->dgemmN, c->sgemmN);
  if (c->dev_gbs > 0 || c->dev_dgemm > 0)
    fprintf(f, "  device: memory read %.1f GB/s | dgemm %.1f GFLOP/s | sgemm %.1f GFLOP/s | h2d %.1f"
               " GB/s | d2h %.1f GB/s\n",
            c->dev_gbs, c->dev_dgemm, c->dev_sgemm, c->h2d_gbs, c->d2h_gbs);
}

static void cli_row_line(FILE *f, const cli_rows *rs, const bench_row *r) {
  char med[16], lo[16], hi[16], tot[16], rate[24], share[8], np[16], peer[32];
  if (r->skipped[0]) {
    fprintf(f, "  %-22s %-5s %-4s skipped: %s\n", r->variant[0] ? r->variant : "-", r->backend,
            r->dtype, r->skipped);
    return;
  }
  if (isnan(r->rate)) snprintf(rate, sizeof rate, "-");
  else snprintf(rate, sizeof rate, "%.3g %s", r->rate, r->rate_unit);
  if (isnan(r->share)) snprintf(share, sizeof share, "-");
  else snprintf(share, sizeof share, "%.0f%%", 100.0 * r->share);
  (void)rs;
  if (!isnan(r->numpy_ratio)) snprintf(np, sizeof np, "%.2fx", r->numpy_ratio);
  else snprintf(np, sizeof np, "-");
  if (r->peer[0] && !isnan(r->peer_ratio))
    snprintf(peer, sizeof peer, "%s %.2fx", r->peer, r->peer_ratio);
  else snprintf(peer, sizeof peer, "-");
  fprintf(f, "  %-22s %-5s %-4s %9s %9s %9s %4d %18s %5s %9s %7s %15s  %s%s%s%s%s\n",
          r->variant[0] ? r->variant : "-", r->backend, r->dtype,
          cli_fmt_time(r->median_s, med, sizeof med), cli_fmt_time(r->min_s, lo, sizeof lo),
          cli_fmt_time(r->max_s, hi, sizeof hi), r->reps, rate, share,
          cli_fmt_time(r->total_s, tot, sizeof tot), np, peer, strcmp(r->check, "ok") ? "FAILED: " : "",
          r->check, r->note[0] ? " (" : "",
          r->note, r->note[0] ? ")" : "");
}

void cli_table(FILE *f, const cli_rows *rs, const bench_ceil *c) {
  cli_ceiling_line(f, c);
  fprintf(f, "\n  %-22s %-5s %-4s %9s %9s %9s %4s %18s %5s %9s %7s %15s  %s\n", "variant", "back",
          "type", "median", "min", "max", "reps", "rate", "ceil", "+xfer", "numpy", "best peer",
          "check (note)");
  const char *last = "";
  for (size_t i = 0; i < rs->n; i++) {
    const bench_row *r = &rs->v[i];
    if (cli_is_peer(r)) continue;
    if (strcmp(r->scenario, last)) {
      fprintf(f, "%s %s\n", r->scenario, r->size);
      last = r->scenario;
    }
    cli_row_line(f, rs, r);
  }
  int header = 0;
  for (size_t i = 0; i < rs->n; i++) {
    const bench_row *r = &rs->v[i];
    if (!cli_is_peer(r)) continue;
    if (!header) fprintf(f, "\npeers (numpy, numexpr, JAX, pandas, scipy: what ran):\n");
    header = 1;
    char med[16];
    if (r->skipped[0]) fprintf(f, "  %-14s %-12s skipped: %s\n", r->scenario, r->backend, r->skipped);
    else
      fprintf(f, "  %-14s %-12s %-22s %-4s %9s  %s%s%s%s\n", r->scenario, r->backend, r->variant, r->dtype,
              cli_fmt_time(r->median_s, med, sizeof med), r->check, r->note[0] ? " (" : "",
              r->note, r->note[0] ? ")" : "");
  }
  fprintf(f, "\nrate: work / median time; ceil: rate as a share of the ceiling above; +xfer:\n"
             "device time including host<->device copies; numpy, best peer: the peer's time /\n"
             "tandem's time, > 1 when tandem is faster (best peer: the fastest peer library).\n");
}
