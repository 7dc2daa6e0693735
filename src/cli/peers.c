/* peers.c -- `tandem bench --peers`: runs bench/peers/scenarios.py (found
 * through TDM_PEERS_DIR, the source tree, or <prefix>/share/tandem/peers)
 * with the peers' Python, reads the JSON rows it prints (one per peer
 * library: numpy, numexpr, jax, pandas, scipy), and pairs each tandem row
 * with numpy's and with the fastest peer's row of the same work. No Python,
 * no numpy or a failing script: one skipped numpy row per scenario with the
 * reason. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

static int cli_peer_script(char *path, size_t len) {
  const char *env = getenv("TDM_PEERS_DIR");
  if (env && *env) {
    snprintf(path, len, "%s/scenarios.py", env);
    return access(path, R_OK) == 0 ? 0 : -1;
  }
#ifdef TDM_PEERS_SOURCE_DIR
  snprintf(path, len, "%s/scenarios.py", TDM_PEERS_SOURCE_DIR);
  if (access(path, R_OK) == 0) return 0;
#endif
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(path, len, "%s/../share/tandem/peers/scenarios.py", exe);
    if (access(path, R_OK) == 0) return 0;
  }
  snprintf(path, len, "scenarios.py (set TDM_PEERS_DIR)");
  return -1;
}

/* TDM_PEERS_PYTHON; else the virtualenv of scripts/peers.sh (.peers/ in the
 * source tree: numpy, numexpr, JAX, pandas, scipy); else python3 on PATH. */
static const char *cli_peer_python(char *buf, size_t len) {
  const char *env = getenv("TDM_PEERS_PYTHON");
  if (env && *env) return env;
#ifdef TDM_PEERS_SOURCE_DIR
  snprintf(buf, len, "%s/../../.peers/bin/python3", TDM_PEERS_SOURCE_DIR);
  if (access(buf, X_OK) == 0) return buf;
#endif
  (void)buf;
  (void)len;
  return "python3";
}

static void cli_peer_skip(const cli_opts *o, cli_rows *out, const char *why) {
  for (size_t s = 0; s < o->nsel; s++) {
    bench_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.scenario, sizeof r.scenario, "%s", o->sel[s]->name);
    snprintf(r.backend, sizeof r.backend, "numpy");
    snprintf(r.check, sizeof r.check, "skipped");
    bench_reason(r.skipped, sizeof r.skipped, why);
    r.median_s = r.min_s = r.max_s = r.total_s = NAN;
    r.rate = r.ceiling = r.share = r.peer_ratio = r.numpy_ratio = NAN;
    cli_rows_add(out, &r);
  }
}

/* Runs argv with stdout into a malloc'd string; the exit status in *status. */
static char *cli_capture(char *const argv[], int *status, int *spawn_err) {
  int fd[2];
  *spawn_err = 0;
  if (pipe(fd)) return *spawn_err = errno, NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  pid_t pid;
  int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  if (e) {
    close(fd[0]);
    *spawn_err = e;
    return NULL;
  }
  size_t len = 0, cap = 1 << 16;
  char *buf = malloc(cap);
  for (;;) {
    if (buf && len + 4096 > cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
    char sink[4096];
    ssize_t n = read(fd[0], buf ? buf + len : sink, 4096);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (buf) len += (size_t)n;
  }
  close(fd[0]);
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
  if (buf) buf[len] = '\0';
  return buf;
}

void cli_peers(const cli_opts *o, int threads, double t0, cli_rows *out) {
  char script[4200], why[512], nthreads[16], reps[16], pybuf[4200];
  if (cli_peer_script(script, sizeof script)) {
    snprintf(why, sizeof why, "peer script not found: %.400s", script);
    cli_peer_skip(o, out, why);
    return;
  }
  char *argv[64 + 13];
  int k = 0;
  const char *py = cli_peer_python(pybuf, sizeof pybuf);
  argv[k++] = (char *)py;
  argv[k++] = script;
  argv[k++] = "--size";
  argv[k++] = (char *)cli_size_name(o->size);
  snprintf(nthreads, sizeof nthreads, "%d", threads);
  argv[k++] = "--threads";
  argv[k++] = nthreads;
  if (o->reps > 0) {
    snprintf(reps, sizeof reps, "%d", o->reps);
    argv[k++] = "--reps";
    argv[k++] = reps;
  }
  if (o->detail) argv[k++] = "--detail";
  for (size_t s = 0; s < o->nsel && k < 64 + 10; s++) argv[k++] = (char *)o->sel[s]->name;
  argv[k] = NULL;
  fprintf(stderr, "[%7.1f s] peers: %s %s\n", bench_now() - t0, py, script);
  int status = 0, spawn_err = 0;
  char *text = cli_capture(argv, &status, &spawn_err);
  if (!text) {
    if (spawn_err == ENOENT) snprintf(why, sizeof why, "%.200s not found (PATH, TDM_PEERS_PYTHON)", py);
    else snprintf(why, sizeof why, "could not run %.200s: %s", py, strerror(spawn_err ? spawn_err : ENOMEM));
    cli_peer_skip(o, out, why);
    return;
  }
  char err[256];
  size_t before = out->n;
  if (cli_json_read(text, out, err, sizeof err)) {
    out->n = before;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
      snprintf(why, sizeof why, "peer script exited with status %d", WEXITSTATUS(status));
    else snprintf(why, sizeof why, "%.400s", err);
    cli_peer_skip(o, out, why);
  }
  free(text);
}

int cli_is_peer(const bench_row *r) {
  return strcmp(r->backend, "cpu") && strcmp(r->backend, "cuda") && strcmp(r->backend, "sim");
}

/* Whether some tandem row of p's scenario has p's variant (then p does that
 * variant's work and no other). */
static int cli_variant_taken(const cli_rows *rs, const bench_row *p) {
  for (size_t j = 0; j < rs->n; j++)
    if (!cli_is_peer(&rs->v[j]) && !strcmp(rs->v[j].scenario, p->scenario) &&
        !strcmp(rs->v[j].variant, p->variant))
      return 1;
  return 0;
}

/* The row of peer `name` doing r's work (see cli.h). */
static const bench_row *cli_peer_of(const cli_rows *rs, const bench_row *r, const char *name) {
  const bench_row *threads = NULL, *only = NULL;
  int same_work = 0;
  for (size_t j = 0; j < rs->n; j++) {
    const bench_row *p = &rs->v[j];
    if (strcmp(p->backend, name) || p->skipped[0] || !(p->median_s > 0) ||
        strcmp(p->scenario, r->scenario) || strcmp(p->dtype, r->dtype))
      continue;
    if (!strcmp(p->variant, r->variant)) return p;
    if (strstr(p->variant, "thread")) threads = p;
    if (cli_variant_taken(rs, p)) continue; /* another variant's peer */
    only = p;
    same_work++;
  }
  if (!strcmp(r->variant, "device") && threads) return threads;
  return same_work == 1 ? only : NULL; /* the peer has one way (e.g. four passes) */
}

const bench_row *cli_peer_match(const cli_rows *rs, const bench_row *r, const char *peer) {
  if (peer) return cli_peer_of(rs, r, peer);
  const bench_row *best = NULL;
  for (size_t j = 0; j < rs->n; j++) { /* each peer library once, at its first row */
    const bench_row *p = &rs->v[j];
    if (!cli_is_peer(p) || strcmp(p->scenario, r->scenario)) continue;
    int seen = 0;
    for (size_t k = 0; k < j && !seen; k++)
      seen = !strcmp(rs->v[k].backend, p->backend) && !strcmp(rs->v[k].scenario, r->scenario);
    if (seen) continue;
    const bench_row *m = cli_peer_of(rs, r, p->backend);
    if (m && (!best || m->median_s < best->median_s)) best = m;
  }
  return best;
}

void cli_peer_ratios(cli_rows *rs) {
  for (size_t i = 0; i < rs->n; i++) {
    bench_row *r = &rs->v[i];
    if (cli_is_peer(r) || r->skipped[0] || !(r->median_s > 0)) continue;
    const bench_row *np = cli_peer_match(rs, r, "numpy"), *best = cli_peer_match(rs, r, NULL);
    if (np) r->numpy_ratio = np->median_s / r->median_s;
    if (best) {
      r->peer_ratio = best->median_s / r->median_s;
      snprintf(r->peer, sizeof r->peer, "%s", best->backend);
    }
  }
}
