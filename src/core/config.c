/* config.c -- tdm_config defaults from TDM_BACKEND, TDM_NUM_THREADS and
 * TDM_DEVICE. A malformed value is never silently ignored: its field is
 * set to -1 and the message says which variable and why. Spaces around a
 * value are ignored, in every variable alike. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

/* Spaces around a value are allowed (" 4", "4 ", "\tsim\n"): the word is
 * copied without them into buf; 0 if it is longer than buf holds. */
static int tdm__word(const char *s, char *buf, size_t len) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
  if (n >= len) return 0;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return 1;
}

/* A decimal integer in lo..hi and nothing else (spaces around it aside). */
static int tdm__parse_int(const char *s, long lo, long hi, long *out) {
  char w[32], *end;
  if (!tdm__word(s, w, sizeof w) || !isdigit((unsigned char)w[w[0] == '+' || w[0] == '-']))
    return 0;
  errno = 0;
  long v = strtol(w, &end, 10);
  if (errno || *end != '\0' || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

void tdm_config_default(tdm_config *cfg) {
  if (!cfg) return;
  cfg->backend = TDM_AUTO;
  cfg->threads = 0;
  cfg->device = 0;
  const char *b = getenv("TDM_BACKEND");
  char w[8];
  if (b && *b) {
    if (!tdm__word(b, w, sizeof w)) w[0] = '\0';
    if (!strcasecmp(w, "auto")) cfg->backend = TDM_AUTO;
    else if (!strcasecmp(w, "cpu")) cfg->backend = TDM_CPU;
    else if (!strcasecmp(w, "cuda")) cfg->backend = TDM_CUDA;
    else if (!strcasecmp(w, "sim")) cfg->backend = TDM_SIM;
    else {
      cfg->backend = (tdm_backend)-1;
      tdm__err(TDM_ERR_INVALID, "tdm_config_default: TDM_BACKEND='%s': expected auto, cpu, cuda or sim", b);
    }
  }
  const char *t = getenv("TDM_NUM_THREADS");
  long v;
  if (t && *t) {
    if (tdm__parse_int(t, 1, 4096, &v)) cfg->threads = (int)v;
    else {
      cfg->threads = -1;
      tdm__err(TDM_ERR_INVALID, "tdm_config_default: TDM_NUM_THREADS='%s': expected an integer in 1..4096", t);
    }
  }
  const char *d = getenv("TDM_DEVICE");
  if (d && *d) {
    if (tdm__parse_int(d, 0, 1023, &v)) cfg->device = (int)v;
    else {
      cfg->device = -1;
      tdm__err(TDM_ERR_INVALID, "tdm_config_default: TDM_DEVICE='%s': expected a device ordinal in 0..1023", d);
    }
  }
}

const char *tdm_backend_name(tdm_backend b) {
  switch (b) {
  case TDM_AUTO: return "auto";
  case TDM_CPU: return "cpu";
  case TDM_CUDA: return "cuda";
  case TDM_SIM: return "sim";
  }
  return "invalid";
}

const char *tdm_dtype_name(tdm_dtype d) {
  switch (d) {
  case TDM_F32: return "f32";
  case TDM_F64: return "f64";
  case TDM_I32: return "i32";
  case TDM_I64: return "i64";
  case TDM_U32: return "u32";
  }
  return "invalid";
}

size_t tdm_dtype_size(tdm_dtype d) {
  switch (d) {
  case TDM_F32: case TDM_I32: case TDM_U32: return 4;
  case TDM_F64: case TDM_I64: return 8;
  }
  return 0;
}

const char *tdm_version(void) { return TDM_VERSION_STRING; }
