/* rows.c -- the growable list of result rows `tandem bench` collects from
 * the scenarios and the peers, and the names of the size classes. */
#include <stdlib.h>

#include "cli.h"

int cli_rows_add(cli_rows *rs, const bench_row *row) {
  if (rs->n == rs->cap) {
    size_t cap = rs->cap ? 2 * rs->cap : 32;
    bench_row *v = realloc(rs->v, cap * sizeof *v);
    if (!v) return -1;
    rs->v = v;
    rs->cap = cap;
  }
  rs->v[rs->n++] = *row;
  return 0;
}

void cli_rows_free(cli_rows *rs) {
  free(rs->v);
  rs->v = NULL;
  rs->n = rs->cap = 0;
}

const char *cli_size_name(bench_size s) {
  switch (s) {
  case BENCH_SMALL: return "small";
  case BENCH_DEFAULT: return "default";
  case BENCH_FULL: return "full";
  }
  return "?";
}
