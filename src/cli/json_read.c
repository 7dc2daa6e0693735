/* json_read.c -- reads what the numpy peers print: a JSON array of flat
 * records with the same fields `tandem bench --json` writes, into rows.
 * A small recursive-descent reader: strings (with escapes), numbers,
 * true/false/null; nested values are parsed and ignored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct jr {
  const char *p;
  char *err;
  size_t errlen;
} jr;

static int jr_fail(jr *j, const char *what) {
  if (!j->err[0]) snprintf(j->err, j->errlen, "peer JSON: %s near '%.20s'", what, j->p);
  return -1;
}

static void jr_ws(jr *j) {
  while (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t') j->p++;
}

/* A string into out (truncated to len), escapes decoded (\uXXXX as '?'). */
static int jr_string(jr *j, char *out, size_t len) {
  if (*j->p != '"') return jr_fail(j, "expected a string");
  j->p++;
  size_t k = 0;
  while (*j->p && *j->p != '"') {
    char c = *j->p++;
    if (c == '\\') {
      c = *j->p++;
      switch (c) {
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case 'r': c = '\r'; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'u':
        for (int i = 0; i < 4; i++)
          if (!*j->p++) return jr_fail(j, "bad \\u escape");
        c = '?';
        break;
      case '"': case '\\': case '/': break;
      default: return jr_fail(j, "bad escape");
      }
    }
    if (k + 1 < len) out[k++] = c;
  }
  if (*j->p != '"') return jr_fail(j, "unterminated string");
  j->p++;
  if (len) out[k] = '\0';
  return 0;
}

static int jr_value(jr *j, char *str, size_t len, double *num, int *kind);

static int jr_skip_container(jr *j) {
  char close = *j->p == '[' ? ']' : '}';
  j->p++;
  jr_ws(j);
  if (*j->p == close) return j->p++, 0;
  for (;;) {
    char tmp[8];
    double d;
    int kind;
    if (close == '}') {
      if (jr_string(j, tmp, sizeof tmp)) return -1;
      jr_ws(j);
      if (*j->p++ != ':') return jr_fail(j, "expected ':'");
      jr_ws(j);
    }
    if (jr_value(j, tmp, sizeof tmp, &d, &kind)) return -1;
    jr_ws(j);
    if (*j->p == ',') { j->p++; jr_ws(j); continue; }
    if (*j->p == close) return j->p++, 0;
    return jr_fail(j, "expected ',' or a closing bracket");
  }
}

/* kind: 0 null, 1 number, 2 string, 3 bool, 4 container */
static int jr_value(jr *j, char *str, size_t len, double *num, int *kind) {
  if (*j->p == '"') return *kind = 2, jr_string(j, str, len);
  if (*j->p == '[' || *j->p == '{') return *kind = 4, jr_skip_container(j);
  if (!strncmp(j->p, "null", 4)) return j->p += 4, *kind = 0, 0;
  if (!strncmp(j->p, "true", 4)) return j->p += 4, *num = 1, *kind = 3, 0;
  if (!strncmp(j->p, "false", 5)) return j->p += 5, *num = 0, *kind = 3, 0;
  char *end;
  *num = strtod(j->p, &end);
  if (end == j->p) return jr_fail(j, "expected a value");
  j->p = end;
  *kind = 1;
  return 0;
}

static void jr_copy(char *dst, size_t len, const char *s) {
  size_t n = strlen(s);
  if (n >= len) n = len - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

static void jr_set(bench_row *r, const char *key, const char *s, double d, int kind) {
#define JR_STR(field) if (!strcmp(key, #field) && kind == 2) { jr_copy(r->field, sizeof r->field, s); return; }
#define JR_NUM(field, name) if (!strcmp(key, name)) { r->field = kind == 1 ? d : NAN; return; }
  JR_STR(scenario) JR_STR(backend) JR_STR(variant) JR_STR(size) JR_STR(dtype)
  JR_STR(rate_unit) JR_STR(ceiling_name) JR_STR(check) JR_STR(skipped) JR_STR(note)
  JR_NUM(median_s, "median_s") JR_NUM(min_s, "min_s") JR_NUM(max_s, "max_s")
  JR_NUM(rate, "rate") JR_NUM(ceiling, "ceiling") JR_NUM(share, "share")
  JR_NUM(total_s, "total_s")
  if (!strcmp(key, "reps") && kind == 1) r->reps = (int)d;
  if (!strcmp(key, "threads") && kind == 1) r->threads = (int)d;
#undef JR_STR
#undef JR_NUM
}

static int jr_record(jr *j, bench_row *r) {
  memset(r, 0, sizeof *r);
  r->median_s = r->min_s = r->max_s = r->total_s = NAN;
  r->rate = r->ceiling = r->share = r->peer_ratio = r->numpy_ratio = NAN;
  if (*j->p++ != '{') return jr_fail(j, "expected '{'");
  jr_ws(j);
  if (*j->p == '}') return j->p++, 0;
  for (;;) {
    char key[32], s[256];
    double d = NAN;
    int kind;
    if (jr_string(j, key, sizeof key)) return -1;
    jr_ws(j);
    if (*j->p++ != ':') return jr_fail(j, "expected ':'");
    jr_ws(j);
    if (jr_value(j, s, sizeof s, &d, &kind)) return -1;
    jr_set(r, key, s, d, kind);
    jr_ws(j);
    if (*j->p == ',') { j->p++; jr_ws(j); continue; }
    if (*j->p == '}') return j->p++, 0;
    return jr_fail(j, "expected ',' or '}'");
  }
}

int cli_json_read(const char *text, cli_rows *out, char *err, size_t errlen) {
  jr j = {text, err, errlen};
  err[0] = '\0';
  jr_ws(&j);
  if (*j.p++ != '[') return jr_fail(&j, "expected '['");
  jr_ws(&j);
  if (*j.p == ']') return 0;
  for (;;) {
    bench_row r;
    if (jr_record(&j, &r)) return -1;
    if (!r.check[0]) snprintf(r.check, sizeof r.check, "%s", r.skipped[0] ? "skipped" : "?");
    if (cli_rows_add(out, &r)) return jr_fail(&j, "out of memory");
    jr_ws(&j);
    if (*j.p == ',') { j.p++; jr_ws(&j); continue; }
    if (*j.p == ']') break;
    return jr_fail(&j, "expected ',' or ']'");
  }
  j.p++;
  jr_ws(&j);
  return *j.p ? jr_fail(&j, "trailing text") : 0;
}
