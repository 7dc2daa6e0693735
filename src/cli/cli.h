/* cli.h -- the pieces of the `tandem` command: options of `tandem bench`,
 * the list of result rows, and one entry point per job (info, ceilings,
 * table, JSON in and out, SVG plot, numpy peers). Each lives in its own
 * file under src/cli/. */
#ifndef TDM_CLI_H
#define TDM_CLI_H

#include <stdio.h>

#include "suite.h"

#define CLI_MAX_BACKENDS 3

typedef struct cli_opts {
  const bench_scenario *sel[64]; /* scenarios to run, in registry order */
  size_t nsel;
  tdm_backend backend[CLI_MAX_BACKENDS];
  int nbackend;
  int backend_given; /* --backend named; else the machine's default */
  bench_size size;
  int threads;       /* 0 = the default context's */
  int reps;          /* 0 = each scenario's default */
  const char *json, *plot;
  int peers;
  int detail;        /* --detail: the scenarios' extra rows */
} cli_opts;

/* ---- rows.c: a growable list of rows ------------------------------------ */
typedef struct cli_rows {
  bench_row *v;
  size_t n, cap;
} cli_rows;
int cli_rows_add(cli_rows *rs, const bench_row *row); /* 0 ok, -1 out of memory */
void cli_rows_free(cli_rows *rs);
const char *cli_size_name(bench_size s);

/* ---- args.c -------------------------------------------------------------- */
void cli_usage(FILE *f);
/* 0: parsed; 1: --help was asked; -1: error, message in err (one line). */
int cli_parse_bench(int argc, char **argv, cli_opts *o, char *err, size_t errlen);

/* ---- info.c / cuda_info.c ----------------------------------------------- */
int cli_info(void);
/* A line for `tandem info` and the bench header when OpenBLAS runs slower
 * kernels than the CPU allows (an unknown CPU model); NULL otherwise. */
const char *cli_blas_hint(void);
/* Driver, runtime, device name and memory, probed with dlopen; one line each. */
void cli_cuda_info(FILE *f);

/* ---- bench_cmd.c ---------------------------------------------------------- */
int cli_bench(cli_opts *o); /* exit status: 0 all ok or skipped, 1 a check failed */

/* ---- membw.c: host memory ceilings, GB/s ---------------------------------- */
double cli_copy_gbs(size_t bytes, int threads); /* bytes read + written */
double cli_read_gbs(size_t bytes, int threads); /* bytes read */

/* ---- ceiling.c ------------------------------------------------------------ */
/* Host ceilings with `threads` threads; device ones when dev is TDM_CUDA or
 * TDM_SIM and a context for it opens. */
void cli_ceilings(bench_size size, int threads, tdm_backend dev, double t0, bench_ceil *c);

/* ---- table.c --------------------------------------------------------------- */
void cli_table(FILE *f, const cli_rows *rs, const bench_ceil *c);
const char *cli_fmt_time(double s, char *buf, size_t len);

/* ---- json_write.c / json_read.c ------------------------------------------ */
int cli_json_write(const char *path, const cli_rows *rs, char *err, size_t errlen);
/* Appends the records of a JSON array of objects to out. 0 ok, -1 error. */
int cli_json_read(const char *text, cli_rows *out, char *err, size_t errlen);

/* ---- svg.c ------------------------------------------------------------------ */
int cli_svg_write(const char *path, const cli_rows *rs, char *err, size_t errlen);

/* ---- peers.c ---------------------------------------------------------------- */
/* Runs bench/peers/scenarios.py for the selected scenarios with the peers'
 * Python (TDM_PEERS_PYTHON, else the virtualenv scripts/peers.sh makes in
 * .peers/ of the source tree, else python3); appends its rows, one per peer
 * library and variant (skipped, with the reason, when Python or numpy is
 * missing). */
void cli_peers(const cli_opts *o, int threads, double t0, cli_rows *out);
/* A row of a peer library (numpy, numexpr, jax, pandas, ...), not tandem's. */
int cli_is_peer(const bench_row *r);
/* The row of the named peer (NULL: the fastest peer) doing r's work: same
 * scenario, dtype and variant; else, for a device row, that peer on all
 * threads; else that peer's only row there. */
const bench_row *cli_peer_match(const cli_rows *rs, const bench_row *r, const char *peer);
/* Fills peer, peer_ratio and numpy_ratio of each tandem row. */
void cli_peer_ratios(cli_rows *rs);

#endif
