/* json_write.c -- writes the rows as a JSON array of records with the
 * fields docs/cli.md lists (scenario, backend, size, dtype, median_s,
 * min_s, max_s, reps, rate, rate_unit, check, and skipped with the reason
 * for rows that could not run; plus variant, threads, ceiling, share,
 * total_s, numpy_ratio, note). NaN is written as null. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void cli_jstr(FILE *f, const char *key, const char *s) {
  fprintf(f, "\"%s\": \"", key);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputs("\"", f);
}

static void cli_jnum(FILE *f, const char *key, double v) {
  if (isnan(v) || isinf(v)) fprintf(f, "\"%s\": null", key);
  else fprintf(f, "\"%s\": %.9g", key, v);
}

static void cli_jrow(FILE *f, const bench_row *r) {
  fputs("  {", f);
  cli_jstr(f, "scenario", r->scenario);
  fputs(", ", f);
  cli_jstr(f, "backend", r->backend);
  fputs(", ", f);
  cli_jstr(f, "variant", r->variant);
  fputs(", ", f);
  cli_jstr(f, "size", r->size);
  fputs(", ", f);
  cli_jstr(f, "dtype", r->dtype);
  fprintf(f, ", \"threads\": %d, ", r->threads);
  cli_jnum(f, "median_s", r->median_s);
  fputs(", ", f);
  cli_jnum(f, "min_s", r->min_s);
  fputs(", ", f);
  cli_jnum(f, "max_s", r->max_s);
  fprintf(f, ", \"reps\": %d, ", r->reps);
  cli_jnum(f, "rate", r->rate);
  fputs(", ", f);
  cli_jstr(f, "rate_unit", r->rate_unit);
  fputs(", ", f);
  cli_jnum(f, "ceiling", r->ceiling);
  fputs(", ", f);
  cli_jstr(f, "ceiling_name", r->ceiling_name);
  fputs(", ", f);
  cli_jnum(f, "share", r->share);
  fputs(", ", f);
  cli_jnum(f, "total_s", r->total_s);
  fputs(", ", f);
  cli_jnum(f, "numpy_ratio", r->numpy_ratio);
  fputs(", ", f);
  cli_jstr(f, "best_peer", r->peer);
  fputs(", ", f);
  cli_jnum(f, "peer_ratio", r->peer_ratio);
  fputs(", ", f);
  cli_jstr(f, "check", r->check);
  fputs(", ", f);
  cli_jstr(f, "note", r->note);
  if (r->skipped[0]) {
    fputs(", ", f);
    cli_jstr(f, "skipped", r->skipped);
  }
  fputs("}", f);
}

int cli_json_write(const char *path, const cli_rows *rs, char *err, size_t errlen) {
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(err, errlen, "tandem bench: --json %s: %s", path, strerror(errno));
    return -1;
  }
  fputs("[\n", f);
  for (size_t i = 0; i < rs->n; i++) {
    cli_jrow(f, &rs->v[i]);
    fputs(i + 1 < rs->n ? ",\n" : "\n", f);
  }
  fputs("]\n", f);
  if (fclose(f)) {
    snprintf(err, errlen, "tandem bench: --json %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}
