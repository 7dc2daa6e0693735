/* compile.c -- tdm__prog_compile: checks the inputs list, runs the parser
 * (parse.c -> dag.c) and the emitter (emit.c), and owns the program's
 * memory and reference count. */
#include <ctype.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "expr/compile.h"

static char *tdm__dup(const char *s) {
  size_t l = strlen(s) + 1;
  char *d = tdm__malloc(l);
  if (d) memcpy(d, s, l);
  return d;
}

/* Splits "x, y" into names stored in buf (a copy of inputs, NUL-split). */
static tdm_status tdm__names(const char *fn, char *buf, tdm__prog *p) {
  char *s = buf;
  p->nin = 0;
  while (*s == ' ' || *s == '\t') s++;
  if (*s == '\0') return TDM_OK; /* no inputs */
  for (;;) {
    while (*s == ' ' || *s == '\t') s++;
    char *b = s;
    while (isalnum((unsigned char)*s) || *s == '_') s++;
    char *e = s;
    while (*s == ' ' || *s == '\t') s++;
    if (*s != ',' && *s != '\0')
      return tdm__err(TDM_ERR_INVALID, "%s: inputs: unexpected '%c' at column %zu of \"%.60s\"", fn,
                      *s, (size_t)(s - buf) + 1, p->inputs);
    int last = *s == '\0';
    int bad = e == b || isdigit((unsigned char)*b);
    *e = '\0';
    if (bad)
      return tdm__err(TDM_ERR_INVALID, "%s: inputs: '%.40s' is not a name (letters, digits, '_', not "
                      "starting with a digit) in \"%.60s\"", fn, b, p->inputs);
    int ar;
    if (tdm__op_lookup(b, (size_t)(e - b), &ar) >= 0)
      return tdm__err(TDM_ERR_INVALID, "%s: inputs: '%.40s' is a function name", fn, b);
    for (int i = 0; i < p->nin; i++)
      if (strcmp(p->names[i], b) == 0)
        return tdm__err(TDM_ERR_INVALID, "%s: inputs: '%.40s' is declared twice", fn, b);
    if (p->nin == TDM__MAX_INPUTS)
      return tdm__err(TDM_ERR_INVALID, "%s: inputs: more than %d inputs", fn, TDM__MAX_INPUTS);
    p->names[p->nin++] = b;
    if (last) return TDM_OK;
    s++;
  }
}

void tdm__prog_retain(tdm__prog *p) { __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED); }

void tdm__prog_release(tdm__prog *p) {
  if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
  tdm__free(p->code);
  tdm__free(p->consts);
  tdm__free(p->src);
  tdm__free(p->inputs);
  tdm__free(p->namebuf);
  tdm__free(p);
}

tdm_status tdm__prog_compile(const char *fn, const char *src, const char *inputs,
                             tdm__prog **out) {
  TDM__CHECK(!out, TDM_ERR_INVALID, "%s: out: is NULL", fn);
  *out = NULL;
  TDM__CHECK(!src, TDM_ERR_INVALID, "%s: src: is NULL", fn);
  if (!inputs) inputs = "";
  tdm__prog *p = tdm__calloc(1, sizeof *p);
  TDM__CHECK(!p, TDM_ERR_NOMEM, "%s: out of host memory for the expression", fn);
  p->refs = 1;
  p->src = tdm__dup(src);
  p->inputs = tdm__dup(inputs);
  p->namebuf = tdm__dup(inputs);
  tdm_status s = TDM_OK;
  if (!p->src || !p->inputs || !p->namebuf)
    s = tdm__err(TDM_ERR_NOMEM, "%s: out of host memory for the expression", fn);
  if (s == TDM_OK) s = tdm__names(fn, p->namebuf, p);
  tdm__dag d;
  tdm__dag_init(&d);
  int root = -1;
  if (s == TDM_OK) s = tdm__parse(fn, src, p->nin, p->names, &d, &root);
  if (s == TDM_OK) s = tdm__emit(fn, &d, root, p);
  tdm__dag_free(&d);
  if (s != TDM_OK) {
    tdm__prog_release(p);
    return s;
  }
  *out = p;
  return TDM_OK;
}
