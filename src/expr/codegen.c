/* codegen.c -- writes the CUDA C of one fused elementwise kernel for an
 * expression program and its operand dtypes (ABI and rules: codegen.h).
 * Each instruction becomes one const local in a __device__ function; the
 * kernel loads, calls it per element and stores. */
#include "expr/codegen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

typedef struct tdm__sb {
  char *s;
  size_t len, cap;
  int fail;
} tdm__sb;

static void tdm__put(tdm__sb *b, const char *fmt, ...) TDM__PRINTF(2, 3);
static void tdm__put(tdm__sb *b, const char *fmt, ...) {
  if (b->fail) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (w < 0) {
      b->fail = 1;
      return;
    }
    if ((size_t)w < b->cap - b->len) {
      b->len += (size_t)w;
      return;
    }
    size_t nc = (b->cap + (size_t)w + 1) * 2;
    char *ns = tdm__malloc(nc);
    if (!ns) {
      b->fail = 1;
      return;
    }
    memcpy(ns, b->s, b->len + 1);
    tdm__free(b->s);
    b->s = ns;
    b->cap = nc;
  }
}

/* Local dtype facts: the CUDA module cannot call libtandem's functions. */
static size_t tdm__dsize(tdm_dtype d) {
  return d == TDM_F64 || d == TDM_I64 ? 8 : (d == TDM_F32 || d == TDM_I32 || d == TDM_U32) ? 4 : 0;
}

static const char *tdm__cty(tdm_dtype d) {
  switch (d) {
  case TDM_F32: return "float";
  case TDM_F64: return "double";
  case TDM_I32: return "int";
  case TDM_I64: return "long long";
  case TDM_U32: return "unsigned int";
  }
  return "?";
}

/* 16-byte vector type and how many of them hold four elements. */
static const char *tdm__vty(tdm_dtype d, int *count) {
  *count = tdm__dsize(d) == 8 ? 2 : 1;
  switch (d) {
  case TDM_F32: return "float4";
  case TDM_F64: return "double2";
  case TDM_I32: return "int4";
  case TDM_I64: return "longlong2";
  case TDM_U32: return "uint4";
  }
  return "?";
}

/* An exact literal of the compute type for constant v. */
static void tdm__lit(tdm__sb *b, double v) {
  if (!isfinite(v)) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    tdm__put(b, "((tdm_t)__longlong_as_double(0x%016llxLL))", (unsigned long long)bits);
    return;
  }
  char t[40];
  snprintf(t, sizeof t, "%.17g", v);
  if (!strpbrk(t, ".e")) strcat(t, ".0");
  tdm__put(b, "((tdm_t)%s)", t);
}

/* Operand j (0 = a, 1 = b, 2 = c) of instruction in, as C text. */
static void tdm__opnd(tdm__sb *b, const tdm__prog *p, const tdm__ins *in, int j, const int *def) {
  if ((j == 0 && (in->flags & TDM__K_A)) || (j == 1 && (in->flags & TDM__K_B))) {
    tdm__lit(b, p->consts[in->k]);
    return;
  }
  int r = j == 0 ? in->a : j == 1 ? in->b : in->c;
  tdm__put(b, "v%d", def[r]);
}

static const char *tdm__fname(int op, int f32) {
  static const struct { int op; const char *name; } fns[] = {
      {TDM__OP_EXP, "exp"},     {TDM__OP_LOG, "log"},     {TDM__OP_LOG1P, "log1p"},
      {TDM__OP_EXPM1, "expm1"}, {TDM__OP_CBRT, "cbrt"},   {TDM__OP_SIN, "sin"},
      {TDM__OP_COS, "cos"},     {TDM__OP_TAN, "tan"},     {TDM__OP_ASIN, "asin"},
      {TDM__OP_ACOS, "acos"},   {TDM__OP_ATAN, "atan"},   {TDM__OP_SINH, "sinh"},
      {TDM__OP_COSH, "cosh"},   {TDM__OP_TANH, "tanh"},   {TDM__OP_ABS, "fabs"},
      {TDM__OP_FLOOR, "floor"}, {TDM__OP_CEIL, "ceil"},   {TDM__OP_ROUND, "round"},
      {TDM__OP_LGAMMA, "lgamma"}, {TDM__OP_TGAMMA, "tgamma"}, {TDM__OP_ERF, "erf"},
      {TDM__OP_ERFC, "erfc"},   {TDM__OP_POW, "pow"},     {TDM__OP_ATAN2, "atan2"},
      {TDM__OP_MIN, "fmin"},    {TDM__OP_MAX, "fmax"},
      {TDM__OP_SQRT, NULL},     {TDM__OP_ADD, NULL},      {TDM__OP_SUB, NULL},
      {TDM__OP_MUL, NULL},      {TDM__OP_DIV, NULL}};
  static const char *const rn64[] = {"__dsqrt_rn", "__dadd_rn", "__dsub_rn", "__dmul_rn",
                                     "__ddiv_rn"};
  static const char *const rn32[] = {"__fsqrt_rn", "__fadd_rn", "__fsub_rn", "__fmul_rn",
                                     "__fdiv_rn"};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    if (fns[i].op != op) continue;
    if (fns[i].name) return fns[i].name;
    int r = op == TDM__OP_SQRT ? 0 : 1 + (op - TDM__OP_ADD);
    return f32 ? rn32[r] : rn64[r];
  }
  return NULL;
}

/* TDM_MATH=fast, f32 only: CUDA's hardware approximations (there are no
 * f64 ones); docs/expressions.md gives their error bounds. */
static const char *tdm__fast32(int op) {
  switch (op) {
  case TDM__OP_EXP: return "__expf";
  case TDM__OP_LOG: return "__logf";
  case TDM__OP_SIN: return "__sinf";
  case TDM__OP_COS: return "__cosf";
  default: return NULL;
  }
}

static void tdm__body(tdm__sb *b, const tdm__prog *p, int f32, int fast) {
  int def[TDM__EXPR_MAX_REGS] = {0};
  for (int i = 0; i < p->ncode; i++) {
    const tdm__ins *in = &p->code[i];
    int op = in->op, ar = tdm__ins_arity(op);
    tdm__put(b, "  const tdm_t v%d = ", i);
    if (op == TDM__OP_LOAD) {
      tdm__put(b, "x%d", in->k);
    } else if (op == TDM__OP_CONST) {
      tdm__lit(b, p->consts[in->k]);
    } else if (op == TDM__OP_NEG) {
      tdm__put(b, "-");
      tdm__opnd(b, p, in, 0, def);
    } else if (op == TDM__OP_NOT) {
      tdm__put(b, "(");
      tdm__opnd(b, p, in, 0, def);
      tdm__put(b, " == (tdm_t)0) ? (tdm_t)1 : (tdm_t)0");
    } else if (op == TDM__OP_WHERE) {
      tdm__put(b, "(");
      tdm__opnd(b, p, in, 0, def);
      tdm__put(b, " != (tdm_t)0) ? ");
      tdm__opnd(b, p, in, 1, def);
      tdm__put(b, " : ");
      tdm__opnd(b, p, in, 2, def);
    } else if (op >= TDM__OP_LT && op <= TDM__OP_NE) {
      tdm__put(b, "(");
      tdm__opnd(b, p, in, 0, def);
      static const char *const cmp[] = {"<", "<=", ">", ">=", "==", "!="};
      tdm__put(b, " %s ", cmp[op - TDM__OP_LT]);
      tdm__opnd(b, p, in, 1, def);
      tdm__put(b, ") ? (tdm_t)1 : (tdm_t)0");
    } else if (op == TDM__OP_AND || op == TDM__OP_OR) {
      tdm__put(b, "((");
      tdm__opnd(b, p, in, 0, def);
      tdm__put(b, " != (tdm_t)0) %s (", op == TDM__OP_AND ? "&&" : "||");
      tdm__opnd(b, p, in, 1, def);
      tdm__put(b, " != (tdm_t)0)) ? (tdm_t)1 : (tdm_t)0");
    } else {
      const char *f = fast && f32 && tdm__fast32(op) ? tdm__fast32(op) : tdm__fname(op, f32);
      int suffix = f && f[0] != '_' && f32;
      tdm__put(b, "%s%s(", f ? f : "?", suffix ? "f" : "");
      for (int j = 0; j < ar; j++) {
        if (j) tdm__put(b, ", ");
        tdm__opnd(b, p, in, j, def);
      }
      tdm__put(b, ")");
    }
    tdm__put(b, ";\n");
    def[in->dst] = i;
  }
  tdm__put(b, "  return v%d;\n}\n\n", p->ncode - 1);
}

/* The source text as a one-line comment (only characters the parser accepted). */
static void tdm__comment(tdm__sb *b, const char *s) {
  tdm__put(b, "// ");
  for (int i = 0; s[i] && i < 400; i++) {
    char c = s[i];
    tdm__put(b, "%c", (c >= 32 && c < 127 && c != '\\') ? c : ' ');
  }
  tdm__put(b, "\n");
}

/* The elementwise kernel over flat operands: four elements per step with
 * 16-byte loads and stores when every pointer is aligned, then a tail. */
static void tdm__kernel_flat(tdm__sb *b, const tdm__prog *p, const tdm__cg_spec *c) {
  int first, vc;
  tdm__put(b, "extern \"C\" __global__ void " TDM__EXPR_KERNEL_NAME
               "(void *out, unsigned long long n, struct tdm_kargs a) {\n"
               "  %s *__restrict__ o = (%s *)out;\n", tdm__cty(c->out_dt), tdm__cty(c->out_dt));
  tdm__put(b, "  unsigned long long al = (unsigned long long)out;\n");
  for (int k = 0; k < c->nin; k++) {
    if (!(p->used >> k & 1)) continue;
    const char *t = tdm__cty(c->in_dt[k]);
    if ((c->in_mode[k] == TDM__CG_SCALAR)) {
      tdm__put(b, "  const tdm_t s%d = (tdm_t)((const %s *)a.in[%d])[0];\n", k, t, k);
    } else {
      tdm__put(b, "  const %s *__restrict__ p%d = (const %s *)a.in[%d];\n", t, k, t, k);
      tdm__put(b, "  al |= (unsigned long long)p%d;\n", k);
    }
  }
  tdm__put(b, "  (void)a;\n"
               "  const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;\n"
               "  const unsigned long long t = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
               "  unsigned long long done = 0;\n"
               "  if ((al & 15) == 0) {\n"
               "    const unsigned long long nv = n / 4;\n"
               "    for (unsigned long long v = t; v < nv; v += stride) {\n");
  for (int k = 0; k < c->nin; k++) {
    if (!(p->used >> k & 1) || (c->in_mode[k] == TDM__CG_SCALAR)) continue;
    const char *vt = tdm__vty(c->in_dt[k], &vc);
    for (int h = 0; h < vc; h++)
      tdm__put(b, "      const %s l%d_%d = ((const %s *)p%d)[%d * v + %d];\n", vt, k, h, vt, k, vc, h);
  }
  static const char *const lane4[] = {"x", "y", "z", "w"}, *const lane2[] = {"x", "y"};
  for (int e = 0; e < 4; e++) {
    tdm__put(b, "      const tdm_t r%d = tdm_f(", e);
    first = 1;
    for (int k = 0; k < c->nin; k++) {
      if (!(p->used >> k & 1)) continue;
      tdm__put(b, "%s", first ? "" : ", ");
      first = 0;
      if ((c->in_mode[k] == TDM__CG_SCALAR)) tdm__put(b, "s%d", k);
      else if (tdm__dsize(c->in_dt[k]) == 4) tdm__put(b, "(tdm_t)l%d_0.%s", k, lane4[e]);
      else tdm__put(b, "(tdm_t)l%d_%d.%s", k, e / 2, lane2[e % 2]);
    }
    tdm__put(b, ");\n");
  }
  const char *ot = tdm__cty(c->out_dt);
  if (c->out_dt == TDM_F32)
    tdm__put(b, "      ((float4 *)o)[v] = make_float4((float)r0, (float)r1, (float)r2, (float)r3);\n");
  else
    tdm__put(b, "      ((double2 *)o)[2 * v] = make_double2((double)r0, (double)r1);\n"
                 "      ((double2 *)o)[2 * v + 1] = make_double2((double)r2, (double)r3);\n");
  tdm__put(b, "    }\n    done = nv * 4;\n  }\n"
               "  for (unsigned long long i = done + t; i < n; i += stride)\n    o[i] = (%s)tdm_f(", ot);
  first = 1;
  for (int k = 0; k < c->nin; k++) {
    if (!(p->used >> k & 1)) continue;
    tdm__put(b, "%s", first ? "" : ", ");
    first = 0;
    if ((c->in_mode[k] == TDM__CG_SCALAR)) tdm__put(b, "s%d", k);
    else tdm__put(b, "(tdm_t)p%d[i]", k);
  }
  tdm__put(b, ");\n}\n");
}

static void tdm__kernel_flat(tdm__sb *b, const tdm__prog *p, const tdm__cg_spec *c);

static int tdm__spec_ok(const tdm__prog *p, const tdm__cg_spec *c, const char *fn) {
  if (!p || !c || c->nin != p->nin || c->nin < 0 || c->nin > TDM__MAX_INPUTS) {
    tdm__err(TDM_ERR_INVALID, "%s: the program and the operand list disagree", fn);
    return 0;
  }
  if (c->out_dt != TDM_F32 && c->out_dt != TDM_F64) {
    tdm__err(TDM_ERR_INVALID, "%s: out dtype %d is not f32 or f64", fn, (int)c->out_dt);
    return 0;
  }
  for (int k = 0; k < c->nin; k++) {
    if (tdm__dsize(c->in_dt[k]) == 0) {
      tdm__err(TDM_ERR_INVALID, "%s: in_dt[%d]: %d is not a dtype", fn, k, (int)c->in_dt[k]);
      return 0;
    }
    if (c->in_mode[k] < TDM__CG_FLAT || c->in_mode[k] > TDM__CG_STRIDED) {
      tdm__err(TDM_ERR_INVALID, "%s: in_mode[%d]: %d is not a mode", fn, k, c->in_mode[k]);
      return 0;
    }
  }
  return 1;
}

/* Head of the text: comment, kargs, the per-element function. */
static void tdm__head(tdm__sb *b, const tdm__prog *p, const tdm__cg_spec *c, int ext) {
  tdm_dtype ct = tdm__expr_ctype(c->out_dt, c->nin, c->in_dt);
  tdm__comment(b, p->src);
  tdm__put(b, "// inputs: %s; out %s; math in %s%s%s\n", p->inputs, tdm__cty(c->out_dt), tdm__cty(ct),
           c->fast ? "; fast math" : "", c->reduce ? "; reduced to moments" : "");
  if (ext)
    tdm__put(b, "struct tdm_kargs { const void *in[16]; unsigned long long rs[16], cs[16], rows, ld; };\n");
  else
    tdm__put(b, "struct tdm_kargs { const void *in[16]; };\n");
  tdm__put(b, "typedef %s tdm_t;\n\n", tdm__cty(ct));
  tdm__put(b, "static __device__ __forceinline__ tdm_t tdm_f(");
  int first = 1;
  for (int k = 0; k < c->nin; k++)
    if (p->used >> k & 1) {
      tdm__put(b, "%stdm_t x%d", first ? "" : ", ", k);
      first = 0;
    }
  tdm__put(b, ") {\n");
  tdm__body(b, p, ct == TDM_F32, c->fast);
}

/* The kernel's input pointers (p<k>) and scalars (s<k>). */
static void tdm__decl_inputs(tdm__sb *b, const tdm__prog *p, const tdm__cg_spec *c) {
  for (int k = 0; k < c->nin; k++) {
    if (!(p->used >> k & 1)) continue;
    const char *t = tdm__cty(c->in_dt[k]);
    if (c->in_mode[k] == TDM__CG_SCALAR)
      tdm__put(b, "  const tdm_t s%d = (tdm_t)((const %s *)a.in[%d])[0];\n", k, t, k);
    else
      tdm__put(b, "  const %s *__restrict__ p%d = (const %s *)a.in[%d];\n", t, k, t, k);
  }
}

/* tdm_f(...) of element (i, j) = flat index l. */
static void tdm__call_at(tdm__sb *b, const tdm__prog *p, const tdm__cg_spec *c) {
  tdm__put(b, "tdm_f(");
  int first = 1;
  for (int k = 0; k < c->nin; k++) {
    if (!(p->used >> k & 1)) continue;
    tdm__put(b, "%s", first ? "" : ", ");
    first = 0;
    if (c->in_mode[k] == TDM__CG_SCALAR) tdm__put(b, "s%d", k);
    else if (c->in_mode[k] == TDM__CG_FLAT) tdm__put(b, "(tdm_t)p%d[l]", k);
    else tdm__put(b, "(tdm_t)p%d[i * a.rs[%d] + j * a.cs[%d]]", k, k, k);
  }
  tdm__put(b, ")");
}

static int tdm__strided(const tdm__cg_spec *c) {
  int any = c->out_strided;
  for (int k = 0; k < c->nin; k++) any |= c->in_mode[k] == TDM__CG_STRIDED;
  return any;
}

/* The elementwise kernel over a strided/broadcast layout: one element per
 * step, element l at (i, j) = (l % rows, l / rows). */
static void tdm__kernel_strided(tdm__sb *b, const tdm__prog *p, const tdm__cg_spec *c) {
  const char *ot = tdm__cty(c->out_dt);
  tdm__put(b, "extern \"C\" __global__ void " TDM__EXPR_KERNEL_NAME
              "(void *out, unsigned long long n, struct tdm_kargs a) {\n"
              "  %s *__restrict__ o = (%s *)out;\n", ot, ot);
  tdm__decl_inputs(b, p, c);
  tdm__put(b, "  const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;\n"
              "  const unsigned long long t = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
              "  const unsigned long long r = a.rows;\n"
              "  for (unsigned long long l = t; l < n; l += stride) {\n"
              "    const unsigned long long i = l %% r, j = l / r;\n"
              "    (void)i, (void)j;\n"
              "    o[%s] = (%s)", c->out_strided ? "i + j * a.ld" : "l", ot);
  tdm__call_at(b, p, c);
  tdm__put(b, ";\n  }\n}\n");
}

/* The reduction kernel: each thread sums its elements shifted by its first
 * finite value (n, sum, mean, m2, min, max in double), each block merges
 * its threads' moments in a fixed tree, and the last block to finish
 * merges the blocks' in index order into part[gridDim.x] (out: gridDim.x
 * + 1 moments, then a zeroed unsigned counter). Same bits for every run on
 * one device. */
static void tdm__kernel_reduce(tdm__sb *b, const tdm__prog *p, const tdm__cg_spec *c) {
  tdm__put(b,
           "struct tdm_mom { double n, sum, mean, m2, min, max; };\n"
           "static __device__ void tdm_merge(tdm_mom &x, const tdm_mom &y) {\n"
           "  if (y.n == 0) return;\n"
           "  if (x.n == 0) { x = y; return; }\n"
           "  const double n = x.n + y.n;\n"
           "  if (isfinite(x.mean) && isfinite(y.mean)) {\n"
           "    const double d = y.mean - x.mean;\n"
           "    x.m2 = x.m2 + y.m2 + d * d * (x.n * y.n / n);\n"
           "    x.mean = x.mean + d * (y.n / n);\n"
           "  } else { /* inf or NaN: the mean follows the sum, the variance is NaN */\n"
           "    x.mean = (x.sum + y.sum) / n;\n"
           "    x.m2 = x.m2 + y.m2 + __longlong_as_double(0x7ff8000000000000LL);\n"
           "  }\n"
           "  x.sum = x.sum + y.sum;\n"
           "  x.min = (x.min < y.min || x.min != x.min) ? x.min : y.min;\n"
           "  x.max = (x.max > y.max || x.max != x.max) ? x.max : y.max;\n"
           "  x.n = n;\n"
           "}\n\n");
  tdm__put(b, "extern \"C\" __global__ void " TDM__EXPR_KERNEL_NAME
              "(void *out, unsigned long long n, struct tdm_kargs a) {\n");
  tdm__decl_inputs(b, p, c);
  tdm__put(b,
           "  __shared__ tdm_mom sh[256];\n"
           "  const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;\n"
           "  const unsigned long long t = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
           "  const unsigned long long r = a.rows;\n"
           "  double K = 0, s = 0, q = 0, cnt = 0, lo = __longlong_as_double(0x7ff0000000000000LL), hi = -lo;\n"
           "  int nan = 0;\n"
           "  for (unsigned long long l = t; l < n; l += stride) {\n"
           "    const unsigned long long i = l %% r, j = l / r;\n"
           "    (void)i, (void)j;\n"
           "    const double v = (double)");
  tdm__call_at(b, p, c);
  tdm__put(b, ";\n"
              "    if (cnt == 0) K = isfinite(v) ? v : 0.0;\n"
              "    const double d = v - K;\n"
              "    s = s + d;\n"
              "    q = q + d * d;\n"
              "    cnt = cnt + 1;\n"
              "    nan |= v != v;\n"
              "    lo = v < lo ? v : lo;\n"
              "    hi = v > hi ? v : hi;\n"
              "  }\n"
              "  tdm_mom m;\n"
              "  m.n = cnt, m.sum = s + cnt * K, m.mean = cnt > 0 ? K + s / cnt : 0.0;\n"
              "  const double m2 = cnt > 0 ? q - s * (s / cnt) : 0.0;\n"
              "  m.m2 = (m2 > 0 || m2 != m2) ? m2 : 0.0;\n"
              "  m.min = nan ? __longlong_as_double(0x7ff8000000000000LL) : lo;\n"
              "  m.max = nan ? m.min : hi;\n"
              "  sh[threadIdx.x] = m;\n"
              "  __syncthreads();\n"
              "  for (unsigned w = blockDim.x / 2; w > 0; w >>= 1) {\n"
              "    if (threadIdx.x < w) tdm_merge(sh[threadIdx.x], sh[threadIdx.x + w]);\n"
              "    __syncthreads();\n"
              "  }\n"
              "  if (threadIdx.x == 0) {\n"
              "    tdm_mom *part = (tdm_mom *)out;\n"
              "    unsigned *counter = (unsigned *)(part + gridDim.x + 1);\n"
              "    part[blockIdx.x] = sh[0];\n"
              "    __threadfence();\n"
              "    if (atomicAdd(counter, 1u) == gridDim.x - 1) { /* the last block */\n"
              "      __threadfence();\n"
              "      tdm_mom acc = {0, 0, 0, 0, 0, 0};\n"
              "      for (unsigned k = 0; k < gridDim.x; k++) {\n"
              "        tdm_mom y;\n"
              "        y.n = __ldcg(&part[k].n), y.sum = __ldcg(&part[k].sum), y.mean = __ldcg(&part[k].mean);\n"
              "        y.m2 = __ldcg(&part[k].m2), y.min = __ldcg(&part[k].min), y.max = __ldcg(&part[k].max);\n"
              "        tdm_merge(acc, y);\n"
              "      }\n"
              "      part[gridDim.x] = acc;\n"
              "      *counter = 0;\n"
              "    }\n"
              "  }\n"
              "}\n");
}

char *tdm__expr_cuda_source_ex(const tdm__prog *p, const tdm__cg_spec *c) {
  static const char fn[] = "tdm__expr_cuda_source_ex";
  if (!tdm__spec_ok(p, c, fn)) return NULL;
  tdm__sb b = {tdm__malloc(4096), 0, 4096, 0};
  if (!b.s) b.fail = 1;
  else b.s[0] = '\0';
  int ext = c->reduce || tdm__strided(c) || c->fast;
  if (!ext) {
    tdm__free(b.s);
    int sc[TDM__MAX_INPUTS];
    for (int k = 0; k < c->nin; k++) sc[k] = c->in_mode[k] == TDM__CG_SCALAR;
    return tdm__expr_cuda_source(p, c->out_dt, c->nin, c->in_dt, sc);
  }
  tdm__head(&b, p, c, 1);
  if (c->reduce) tdm__kernel_reduce(&b, p, c);
  else if (tdm__strided(c)) tdm__kernel_strided(&b, p, c);
  else tdm__kernel_flat(&b, p, c);
  if (b.fail) {
    tdm__free(b.s);
    tdm__err(TDM_ERR_NOMEM, "%s: out of host memory for the kernel source", fn);
    return NULL;
  }
  return b.s;
}

char *tdm__expr_cuda_source(const tdm__prog *p, tdm_dtype out_dt, int nin, const tdm_dtype in_dt[],
                            const int in_scalar[]) {
  static const char fn[] = "tdm__expr_cuda_source";
  if (!p || nin != p->nin || nin < 0 || nin > TDM__MAX_INPUTS || (nin > 0 && (!in_dt || !in_scalar))) {
    tdm__err(TDM_ERR_INVALID, "%s: the program and the operand list disagree", fn);
    return NULL;
  }
  tdm__cg_spec c;
  memset(&c, 0, sizeof c);
  c.out_dt = out_dt, c.nin = nin;
  for (int k = 0; k < nin; k++)
    c.in_dt[k] = in_dt[k], c.in_mode[k] = in_scalar[k] ? TDM__CG_SCALAR : TDM__CG_FLAT;
  if (!tdm__spec_ok(p, &c, fn)) return NULL;
  tdm__sb b = {tdm__malloc(4096), 0, 4096, 0};
  if (!b.s) b.fail = 1;
  else b.s[0] = '\0';
  tdm__head(&b, p, &c, 0);
  tdm__kernel_flat(&b, p, &c);
  if (b.fail) {
    tdm__free(b.s);
    tdm__err(TDM_ERR_NOMEM, "%s: out of host memory for the kernel source", fn);
    return NULL;
  }
  return b.s;
}
