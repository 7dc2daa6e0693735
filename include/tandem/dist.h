/* dist.h -- tandem across processes and nodes on MPI (library tandem_dist).
 * The same SPMD program runs under `mpirun -np N`: tdm_dist_map spreads the
 * indices of a map over the ranks (STATIC blocks or DYNAMIC chunks handed
 * out by rank 0), runs each rank's share on its local tdm_pool, and leaves
 * every result on every rank. See docs/guide.md, "From one machine to a cluster". */
#ifndef TANDEM_DIST_H
#define TANDEM_DIST_H

#include "tandem/tandem.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdm_dist tdm_dist;

/* Starts MPI with MPI_THREAD_MULTIPLE (argc/argv may be NULL), or adopts an
 * MPI the host program already initialised; then tandem works on its own
 * duplicate of MPI_COMM_WORLD, so its messages never meet the program's.
 * Collective over MPI_COMM_WORLD. */
TDM_API tdm_status tdm_dist_init(int *argc, char ***argv, tdm_dist **out);
/* Frees the handle; calls MPI_Finalize only if tdm_dist_init started MPI,
 * and then only once the process's last live handle is finalized (handles
 * may be finalized in any order). tandem's communicator returns MPI errors
 * (MPI_ERRORS_RETURN), so they come back as statuses, never as an abort.
 * After the program's own MPI_Finalize: TDM_ERR_INVALID (the handle is
 * still freed). Collective. NULL is a no-op. */
TDM_API tdm_status tdm_dist_finalize(tdm_dist *d);

TDM_API int tdm_dist_rank(const tdm_dist *d);       /* 0..size-1; -1 for NULL */
TDM_API int tdm_dist_size(const tdm_dist *d);       /* ranks in the job; 0 for NULL */
TDM_API int tdm_dist_local_rank(const tdm_dist *d); /* rank among the ranks on this node */
TDM_API int tdm_dist_local_size(const tdm_dist *d); /* ranks on this node */

/* A config for this rank's context: tdm_config_default (the environment),
 * then, unless the environment says otherwise, device = local_rank % the
 * node's CUDA devices, and threads = this rank's share of the node's cores
 * (the cores it is bound to, else cores / local_size). */
TDM_API tdm_status tdm_dist_config(const tdm_dist *d, tdm_config *cfg);

/* The context a map without a pool hands its tasks in env->ctx (NULL until
 * set). The handle does not own it. */
TDM_API tdm_status tdm_dist_set_ctx(tdm_dist *d, tdm_ctx *ctx);

/* Collective: every rank calls it with the same n, sched and result_bytes,
 * from one thread, not from inside a task of the map. A rank whose d is
 * NULL still takes part in the argument check on its newest live handle,
 * so every rank returns TDM_ERR_INVALID. After MPI_Finalize: TDM_ERR_INVALID.
 * Runs fn(env, i, arg) once for each i in [0, n), on some rank, with
 * env->index = i. fn writes result_bytes of result at
 * results + i*result_bytes (results is usually reached through arg); when
 * the map succeeds every rank holds all n results there. result_bytes 0
 * shares nothing (results may be NULL).
 *  - sched.kind STATIC: rank r runs the r-th contiguous block of indices.
 *    DYNAMIC: ranks ask rank 0 for the next sched.chunk indices (0 = about
 *    n / (16 * ranks)) until none are left; rank 0 serves from a helper
 *    thread and works too. GUIDED: as DYNAMIC with chunks shrinking as
 *    max(sched.chunk, remaining / (2 * ranks)).
 *  - pool: the rank runs its share through tdm_map(pool, ...) with the same
 *    kind of schedule on all the pool's lanes (its GPU lanes too); NULL
 *    runs it on the calling thread, with env->ctx set by tdm_dist_set_ctx
 *    and env->lane TDM_LANE_CPU.
 *  - A task returns a tdm_status; any other value is TDM_ERR_INVALID
 *    naming the index.
 *  - Which rank runs an index never changes a result: give task i random
 *    stream i (tdm_rng_create(ctx, seed, i, ...)) and the results are the
 *    same bytes for any number of ranks and any schedule.
 *  - Failure: every rank returns the status of the lowest failing index,
 *    with tdm_last_error() "tdm_dist_map: index I (rank R): <its message>".
 *    DYNAMIC stops handing out indices above a known failure; STATIC ranks
 *    finish their blocks. The results are then unspecified.
 *  - Arguments that are invalid on any rank, or differ between ranks, make
 *    every rank return TDM_ERR_INVALID (no rank is left waiting). A rank
 *    that dies or exits makes MPI (mpirun) abort the whole job. */
TDM_API tdm_status tdm_dist_map(tdm_dist *d, tdm_pool *pool, size_t n, tdm_map_fn fn, void *arg,
                                tdm_schedule sched, void *results, size_t result_bytes);

#ifdef __cplusplus
}
#endif
#endif /* TANDEM_DIST_H */
