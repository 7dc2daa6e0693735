/* args.c -- the usage text and the parser of `tandem bench` arguments:
 * scenario names and --backend/--size/--threads/--reps/--json/--plot/
 * --peers/--detail, as "--opt value" or "--opt=value". Anything it does not know
 * is an error with a one-line message (the caller prints usage, exit 2). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *f) {
  fprintf(f,
          "usage: tandem --help | --version\n"
          "       tandem info\n"
          "       tandem bench [SCENARIO...] [--backend cpu|cuda|both|sim]\n"
          "                    [--size small|default|full] [--threads N] [--reps N]\n"
          "                    [--json FILE] [--plot FILE.svg] [--peers] [--detail]\n"
          "\n"
          "  info      build, CPU, SIMD, BLAS, CUDA driver/runtime/device, or why no GPU is used\n"
          "  bench     run the scenario benchmarks (all of them when none is named):\n");
  for (size_t i = 0; i < bench_nscenarios; i++)
    fprintf(f, "              %-15s %s\n", bench_scenarios[i].name, bench_scenarios[i].what);
  fprintf(f,
          "\n"
          "  --backend  cpu, cuda (rows skipped with the reason when there is no GPU), both,\n"
          "             or sim (the test device); default: cuda if a GPU is usable, else cpu\n"
          "  --size     small (seconds), default (minutes on a laptop), full (the seed's sizes)\n"
          "  --threads  CPU threads and task workers (0, the default: TDM_NUM_THREADS, else all cores)\n"
          "  --reps     timed repetitions per row (default: per scenario, 3 to 5)\n"
          "  --json     write the rows as a JSON array of records to FILE\n"
          "  --plot     draw GPU vs CPU vs numpy per scenario as an SVG bar chart\n"
          "  --peers    also run the numpy peers (bench/peers/scenarios.py) and show ratios\n"
          "  --detail   extra rows where a scenario has them: vecmath with TDM_MATH=fast and on\n"
          "             1 thread, rng in f32 and on 1 thread, compute-once's fused\n"
          "             sum((y - a*x)^2) against the read ceiling\n"
          "\n"
          "Progress goes to stderr, the table to stdout. Exit status: 0 when every row is\n"
          "ok or skipped, 1 when a check failed, 2 on a usage error.\n");
}

static int cli_int(const char *s, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

/* "--opt=value" or "--opt value": the value, or NULL (err filled). */
static const char *cli_value(int argc, char **argv, int *i, const char *opt, char *err,
                             size_t errlen) {
  const char *a = argv[*i];
  size_t L = strlen(opt);
  if (a[L] == '=') return a + L + 1;
  if (*i + 1 >= argc) {
    snprintf(err, errlen, "tandem bench: %s needs a value", opt);
    return NULL;
  }
  return argv[++*i];
}

static int cli_is(const char *a, const char *opt) {
  size_t L = strlen(opt);
  return !strncmp(a, opt, L) && (a[L] == '\0' || a[L] == '=');
}

int cli_parse_bench(int argc, char **argv, cli_opts *o, char *err, size_t errlen) {
  memset(o, 0, sizeof *o);
  o->size = BENCH_DEFAULT;
  int want[64] = {0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
    if (cli_is(a, "--backend")) {
      if (!(v = cli_value(argc, argv, &i, "--backend", err, errlen))) return -1;
      o->backend_given = 1;
      if (!strcmp(v, "cpu")) o->backend[0] = TDM_CPU, o->nbackend = 1;
      else if (!strcmp(v, "cuda")) o->backend[0] = TDM_CUDA, o->nbackend = 1;
      else if (!strcmp(v, "sim")) o->backend[0] = TDM_SIM, o->nbackend = 1;
      else if (!strcmp(v, "both"))
        o->backend[0] = TDM_CPU, o->backend[1] = TDM_CUDA, o->nbackend = 2;
      else {
        snprintf(err, errlen, "tandem bench: --backend '%s': expected cpu, cuda, both or sim", v);
        return -1;
      }
    } else if (cli_is(a, "--size")) {
      if (!(v = cli_value(argc, argv, &i, "--size", err, errlen))) return -1;
      if (!strcmp(v, "small")) o->size = BENCH_SMALL;
      else if (!strcmp(v, "default")) o->size = BENCH_DEFAULT;
      else if (!strcmp(v, "full")) o->size = BENCH_FULL;
      else {
        snprintf(err, errlen, "tandem bench: --size '%s': expected small, default or full", v);
        return -1;
      }
    } else if (cli_is(a, "--threads")) {
      if (!(v = cli_value(argc, argv, &i, "--threads", err, errlen))) return -1;
      if (cli_int(v, 0, 4096, &o->threads)) { /* 0: as the API, TDM_NUM_THREADS else all cores */
        snprintf(err, errlen, "tandem bench: --threads '%s': expected an integer in 0..4096 (0: all cores)", v);
        return -1;
      }
    } else if (cli_is(a, "--reps")) {
      if (!(v = cli_value(argc, argv, &i, "--reps", err, errlen))) return -1;
      if (cli_int(v, 1, 1000, &o->reps)) {
        snprintf(err, errlen, "tandem bench: --reps '%s': expected an integer in 1..1000", v);
        return -1;
      }
    } else if (cli_is(a, "--json")) {
      if (!(o->json = cli_value(argc, argv, &i, "--json", err, errlen))) return -1;
    } else if (cli_is(a, "--plot")) {
      if (!(o->plot = cli_value(argc, argv, &i, "--plot", err, errlen))) return -1;
    } else if (!strcmp(a, "--peers")) {
      o->peers = 1;
    } else if (!strcmp(a, "--detail")) {
      o->detail = 1;
    } else if (a[0] == '-') {
      snprintf(err, errlen, "tandem bench: unknown option '%s'", a);
      return -1;
    } else {
      const bench_scenario *s = bench_find(a);
      if (!s) {
        snprintf(err, errlen, "tandem bench: unknown scenario '%s' (see tandem bench --help)", a);
        return -1;
      }
      want[s - bench_scenarios] = 1;
    }
  }
  int any = 0;
  for (size_t k = 0; k < bench_nscenarios; k++) any |= want[k];
  for (size_t k = 0; k < bench_nscenarios && k < 64; k++)
    if (want[k] || !any) o->sel[o->nsel++] = &bench_scenarios[k];
  return 0;
}
