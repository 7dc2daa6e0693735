/* dist_check.h -- the tiny harness of the MPI tests (plain programs run by
 * mpirun, not Criterion, whose forked test processes do not mix with MPI):
 * CHECK counts failures per rank; main agrees on a verdict over all ranks. */
#ifndef TDM_DIST_CHECK_H
#define TDM_DIST_CHECK_H

#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "tandem/dist.h"

extern int g_rank, g_size, g_checks, g_fails;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    g_checks++;                                                                \
    if (!(cond)) {                                                             \
      g_fails++;                                                               \
      fprintf(stderr, "rank %d: FAIL %s:%d: %s: ", g_rank, __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

/* The schedules every map test runs. */
#define NSCHED 4
extern const tdm_schedule g_scheds[NSCHED];
const char *sched_name(tdm_schedule s);

/* 1 if every rank passed the same value. */
int same_on_all_ranks(long v);

/* Runs one case per pool mode: pool NULL, then the pool (if any). */
extern tdm_pool *g_pool;

void check_simulation(tdm_dist *d, const char *digest_path);
void check_failures(tdm_dist *d);

#endif
