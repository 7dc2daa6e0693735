/* test_cli.c -- the `tandem` command end to end: --version, info, usage
 * errors (one line, usage, exit 2), and `tandem bench --size small --json`
 * on cpu, sim and cuda, with the JSON checked by a small independent reader
 * here: every record has the documented fields with the right types, and
 * every row is "ok" or skipped with a reason. Path: TDM_CLI_PATH. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tandem/tandem.h>

#ifndef TDM_CLI_PATH
#error "TDM_CLI_PATH must name the tandem executable"
#endif

static char dir[64];
static char out_path[128], err_path[128];

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/tdm_cli_XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
  snprintf(err_path, sizeof err_path, "%s/err.txt", dir);
}

static void teardown(void) {
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  return s;
}

/* Runs `tandem ARGS`; stdout/stderr into the files; the exit status. */
static int run(const char *args) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", TDM_CLI_PATH, args, out_path, err_path);
  int st = system(cmd);
  cr_assert(WIFEXITED(st), "tandem %s did not exit normally", args);
  return WEXITSTATUS(st);
}

/* ---- a small JSON reader: an array of flat objects ------------------------ */
typedef enum { J_NULL, J_NUM, J_STR, J_BOOL } jtype;
typedef struct { char key[32]; jtype t; char s[320]; double d; } jfield;
typedef struct { jfield f[32]; int n; } jobj;

static const char *jws(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
  return p;
}

static const char *jstr(const char *p, char *out, size_t len) {
  if (*p++ != '"') return NULL;
  size_t k = 0;
  while (*p && *p != '"') {
    char c = *p++;
    if (c == '\\') {
      c = *p++;
      if (c == 'u') {
        for (int i = 0; i < 4; i++)
          if (!strchr("0123456789abcdefABCDEF", *p++)) return NULL;
        c = '?';
      } else if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
      else if (!strchr("\"\\/bfr", c)) return NULL;
    } else if ((unsigned char)c < 0x20) {
      return NULL; /* raw control characters are not JSON */
    }
    if (k + 1 < len) out[k++] = c;
  }
  out[k] = '\0';
  return *p == '"' ? p + 1 : NULL;
}

/* Parses text into objs; returns the count, -1 if it is not such JSON. */
static int jparse(const char *text, jobj *objs, int max) {
  const char *p = jws(text);
  int n = 0;
  if (*p++ != '[') return -1;
  p = jws(p);
  if (*p == ']') return jws(p + 1)[0] ? -1 : 0;
  for (;;) {
    if (n == max || *p++ != '{') return -1;
    jobj *o = &objs[n++];
    o->n = 0;
    p = jws(p);
    while (*p != '}') {
      if (o->n == 32) return -1;
      jfield *f = &o->f[o->n++];
      if (!(p = jstr(p, f->key, sizeof f->key))) return -1;
      p = jws(p);
      if (*p++ != ':') return -1;
      p = jws(p);
      if (*p == '"') {
        f->t = J_STR;
        if (!(p = jstr(p, f->s, sizeof f->s))) return -1;
      } else if (!strncmp(p, "null", 4)) {
        f->t = J_NULL, p += 4;
      } else if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
        f->t = J_BOOL, p += *p == 't' ? 4 : 5;
      } else {
        char *end;
        f->t = J_NUM;
        f->d = strtod(p, &end);
        if (end == p || !strchr("-0123456789", *p)) return -1;
        p = end;
      }
      p = jws(p);
      if (*p == ',') p = jws(p + 1);
      else if (*p != '}') return -1;
    }
    p = jws(p + 1);
    if (*p == ',') { p = jws(p + 1); continue; }
    if (*p != ']') return -1;
    return jws(p + 1)[0] ? -1 : n;
  }
}

static const jfield *jget(const jobj *o, const char *key) {
  for (int i = 0; i < o->n; i++)
    if (!strcmp(o->f[i].key, key)) return &o->f[i];
  return NULL;
}

static const char *jstring(const jobj *o, const char *key) {
  const jfield *f = jget(o, key);
  cr_assert(f && f->t == J_STR, "record lacks string field '%s'", key);
  return f->s;
}

/* Checks the documented fields of every record; returns the count. */
static int check_records(const char *path, jobj *objs, int max, const char *backend) {
  char *text = slurp(path);
  cr_assert_not_null(text, "no JSON file %s", path);
  int n = jparse(text, objs, max);
  free(text);
  cr_assert_gt(n, 0, "%s is not a JSON array of flat records", path);
  for (int i = 0; i < n; i++) {
    const jobj *o = &objs[i];
    const char *scen = jstring(o, "scenario"), *be = jstring(o, "backend");
    jstring(o, "size");
    jstring(o, "dtype");
    jstring(o, "rate_unit");
    const char *check = jstring(o, "check");
    if (backend) cr_assert(!strcmp(be, backend) || !strcmp(be, "numpy"), "row backend %s", be);
    const jfield *skip = jget(o, "skipped");
    const char *fields[] = {"median_s", "min_s", "max_s", "rate"};
    const jfield *reps = jget(o, "reps");
    cr_assert(reps && reps->t == J_NUM, "%s: reps is not a number", scen);
    if (skip) {
      cr_assert(skip->t == J_STR && strlen(skip->s) > 10, "%s: skipped without a reason", scen);
      continue;
    }
    cr_assert_str_eq(check, "ok", "%s %s (%s): check says %s", scen, be, jstring(o, "variant"), check);
    for (int k = 0; k < 4; k++) {
      const jfield *f = jget(o, fields[k]);
      cr_assert(f && f->t == J_NUM && f->d > 0, "%s: %s is not a positive number", scen, fields[k]);
    }
    cr_assert(jget(o, "min_s")->d <= jget(o, "median_s")->d &&
                  jget(o, "median_s")->d <= jget(o, "max_s")->d,
              "%s: min <= median <= max does not hold", scen);
    cr_assert_geq(reps->d, 1);
  }
  return n;
}

static jobj recs[256];

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 300);

Test(cli, version_and_help) {
  cr_assert_eq(run("--version"), 0);
  char *out = slurp(out_path), want[64];
  snprintf(want, sizeof want, "tandem %s\n", tdm_version());
  cr_assert_str_eq(out, want);
  free(out);
  cr_assert_eq(run("--help"), 0);
  out = slurp(out_path);
  cr_assert(strstr(out, "usage: tandem") && strstr(out, "crossprod-chol") && strstr(out, "--peers") &&
            strstr(out, "--detail"));
  free(out);
}

Test(cli, info_says_why_there_is_no_device) {
  cr_assert_eq(run("info"), 0);
  char *out = slurp(out_path);
  cr_assert(strstr(out, "cpu:") && strstr(out, "simd:") && strstr(out, "blas:") &&
            strstr(out, "cuda:") && strstr(out, "device:"), "info output:\n%s", out);
  /* The command's own libtandem decides (this test links the static one,
   * which looks for the CUDA module elsewhere): a device, or why none. */
  const char *dev = strstr(out, "\ndevice:   ");
  cr_assert_not_null(dev);
  dev += strlen("\ndevice:   ");
  if (!strncmp(dev, "none: ", 6)) {
    const char *why = dev + 6, *nl = strchr(why, '\n');
    cr_assert(nl && nl - why > 10, "no reason for the missing device:\n%s", out);
  } else {
    cr_assert(!strncmp(dev, "cuda", 4), "device line: %s", dev);
  }
  free(out);
}

static void usage_error(const char *args, const char *needle) {
  cr_assert_eq(run(args), 2, "tandem %s should exit 2", args);
  char *err = slurp(err_path), *out = slurp(out_path);
  cr_assert(strstr(err, needle), "tandem %s: stderr lacks '%s':\n%s", args, needle, err);
  char *nl = strchr(err, '\n');
  cr_assert(nl && !strncmp(nl + 1, "usage:", 6), "tandem %s: not one line then usage:\n%s", args, err);
  cr_assert_str_eq(out, "", "tandem %s wrote to stdout", args);
  free(err);
  free(out);
}

Test(cli, usage_errors_exit_2) {
  usage_error("", "a command is needed");
  usage_error("frobnicate", "unknown command 'frobnicate'");
  usage_error("info extra", "unexpected argument 'extra'");
  usage_error("bench --bogus", "unknown option '--bogus'");
  usage_error("bench no-such-scenario", "unknown scenario 'no-such-scenario'");
  usage_error("bench --size huge", "--size 'huge'");
  usage_error("bench --backend gpu", "--backend 'gpu'");
  usage_error("bench --threads abc", "--threads 'abc'");
  usage_error("bench --threads -1", "--threads '-1'");
  usage_error("bench --reps 0", "--reps '0'");
  usage_error("bench --reps=-3", "--reps '-3'");
  usage_error("bench --json", "--json needs a value");
}

Test(cli, small_suite_on_the_cpu) {
  char args[256], json[160];
  snprintf(json, sizeof json, "%s/cpu.json", dir);
  snprintf(args, sizeof args, "bench --size small --backend cpu --json '%s'", json);
  int rc = run(args);
  char *err = slurp(err_path);
  cr_assert_eq(rc, 0, "tandem %s exited %d; stderr tail:\n%s", args, rc,
               strlen(err) > 2000 ? err + strlen(err) - 2000 : err);
  free(err);
  int n = check_records(json, recs, 256, "cpu");
  for (size_t k = 0; k < 10; k++) { /* every scenario has a row */
    static const char *names[] = {"crossprod-chol", "matmul", "vecmath", "three-tasks", "cv-folds",
                                  "alloc", "nested", "stratified", "simulation", "compute-once"};
    int seen = 0;
    for (int i = 0; i < n; i++) seen |= !strcmp(jstring(&recs[i], "scenario"), names[k]);
    cr_assert(seen, "no row for %s", names[k]);
  }
  char *out = slurp(out_path);
  cr_assert(strstr(out, "ceilings: memory copy") && strstr(out, "compute-once"));
  free(out);
}

Test(cli, small_suite_on_the_sim_device_times_transfers) {
  char args[256], json[160];
  snprintf(json, sizeof json, "%s/sim.json", dir);
  snprintf(args, sizeof args, "bench --size small --backend sim --json '%s'", json);
  cr_assert_eq(run(args), 0);
  int n = check_records(json, recs, 256, "sim");
  for (int i = 0; i < n; i++) {
    const jfield *tot = jget(&recs[i], "total_s");
    if (!jget(&recs[i], "skipped") && !strcmp(jstring(&recs[i], "scenario"), "matmul"))
      cr_assert(tot && tot->t == J_NUM && tot->d > 0, "a device row lacks the time with transfers");
  }
}

/* --detail adds rows to the scenarios that have them (names as in docs/cli.md),
 * on the CPU and on the sim device (where 1-thread rows do not apply). */
Test(cli, detail_adds_rows) {
  static const char *backends[2] = {"cpu", "sim"};
  for (int b = 0; b < 2; b++) {
    char args[256], json[160];
    snprintf(json, sizeof json, "%s/detail-%s.json", dir, backends[b]);
    snprintf(args, sizeof args, "bench vecmath rng compute-once --size small --reps 1 --backend %s --detail --json '%s'",
             backends[b], json);
    cr_assert_eq(run(args), 0, "tandem %s failed", args);
    int n = check_records(json, recs, 256, backends[b]);
    int fast = 0, one = 0, fused = 0, f32 = 0;
    for (int i = 0; i < n; i++) {
      const char *sc = jstring(&recs[i], "scenario"), *v = jstring(&recs[i], "variant");
      fast += !strcmp(sc, "vecmath") && !strcmp(v, "TDM_MATH=fast");
      one += strstr(v, "1 thread") != NULL;
      fused += !strcmp(sc, "compute-once") && !strcmp(v, "sum((y-a*x)^2)");
      f32 += !strcmp(sc, "rng") && !strcmp(jstring(&recs[i], "dtype"), "f32");
    }
    cr_assert_eq(fast, 2, "%s: TDM_MATH=fast rows: %d", backends[b], fast);
    cr_assert_eq(fused, 1, "%s: fused reduction rows: %d", backends[b], fused);
    cr_assert_eq(f32, 2, "%s: rng f32 rows: %d", backends[b], f32);
    cr_assert_eq(one, b == 0 ? 4 : 0, "%s: 1-thread rows: %d", backends[b], one);
  }
}

Test(cli, cuda_rows_run_or_say_why) {
  char args[256], json[160];
  snprintf(json, sizeof json, "%s/cuda.json", dir);
  snprintf(args, sizeof args, "bench compute-once matmul --size small --backend cuda --json '%s'", json);
  cr_assert_eq(run(args), 0);
  int n = check_records(json, recs, 256, "cuda"); /* rows that ran are ok */
  for (int i = 0; i < n; i++) { /* with no GPU, every row is skipped and says why */
    const jfield *s = jget(&recs[i], "skipped");
    if (s) cr_assert(strstr(s->s, "TDM_CUDA"), "a skipped cuda row lacks the reason: %s", s->s);
  }
}

Test(cli, peers_plot_and_bad_json_path) {
  char args[512], json[160], svg[160];
  snprintf(json, sizeof json, "%s/peers.json", dir);
  snprintf(svg, sizeof svg, "%s/plot.svg", dir);
  snprintf(args, sizeof args, "bench compute-once --size small --reps 2 --peers --json '%s' --plot '%s'",
           json, svg);
  cr_assert_eq(run(args), 0);
  int n = check_records(json, recs, 256, NULL), numpy = 0;
  for (int i = 0; i < n; i++) numpy += !strcmp(jstring(&recs[i], "backend"), "numpy");
  cr_assert_geq(numpy, 1, "no numpy row (ran or skipped) in the peers run");
  char *s = slurp(svg);
  cr_assert(s && !strncmp(s, "<svg", 4) && strstr(s, "</svg>"), "the plot is not an SVG");
  free(s);
  cr_assert_eq(run("bench compute-once --size small --reps 1 --json /nonexistent-dir/x.json"), 1);
  char *err = slurp(err_path);
  cr_assert(strstr(err, "--json /nonexistent-dir/x.json"), "stderr: %s", err);
  free(err);
}
