/* expr_int.h -- the compiled form of an expression that every backend runs:
 * a straight-line program over numbered registers (each a block of
 * elements on the CPU, a local variable on a GPU), its constants, and the
 * type rule. Self-contained (libc + backend.h) so the CUDA module can read
 * it too. Built by src/expr/compile.c; run by src/cpu/eval.c; turned into
 * CUDA C by src/expr/codegen.c. */
#ifndef TDM_EXPR_INT_H
#define TDM_EXPR_INT_H

#include <stdint.h>

#include "backend.h"

/* Opcodes. Operands and results are values of the compute type (below).
 * Booleans are 1 and 0; any non-zero value (NaN included) counts as true. */
typedef enum tdm__op {
  TDM__OP_LOAD,  /* dst = input k, converted to the compute type (broadcast if 1 element) */
  TDM__OP_CONST, /* dst = consts[k] in every element */
  /* unary: dst = f(a) */
  TDM__OP_NEG, TDM__OP_NOT, TDM__OP_EXP, TDM__OP_LOG, TDM__OP_LOG1P, TDM__OP_EXPM1,
  TDM__OP_SQRT, TDM__OP_CBRT, TDM__OP_SIN, TDM__OP_COS, TDM__OP_TAN, TDM__OP_ASIN,
  TDM__OP_ACOS, TDM__OP_ATAN, TDM__OP_SINH, TDM__OP_COSH, TDM__OP_TANH, TDM__OP_ABS,
  TDM__OP_FLOOR, TDM__OP_CEIL, TDM__OP_ROUND, TDM__OP_LGAMMA, TDM__OP_TGAMMA,
  TDM__OP_ERF, TDM__OP_ERFC,
  /* binary: dst = f(a, b); either operand may be a constant (flags) */
  TDM__OP_ADD, TDM__OP_SUB, TDM__OP_MUL, TDM__OP_DIV, TDM__OP_POW, TDM__OP_ATAN2,
  TDM__OP_MIN, TDM__OP_MAX, TDM__OP_LT, TDM__OP_LE, TDM__OP_GT, TDM__OP_GE,
  TDM__OP_EQ, TDM__OP_NE, TDM__OP_AND, TDM__OP_OR,
  /* ternary: dst = c_is_true(a) ? b : c  (where(a, b, c)) */
  TDM__OP_WHERE,
  TDM__OP_COUNT
} tdm__op;

#define TDM__OP_FIRST_UNARY TDM__OP_NEG
#define TDM__OP_FIRST_BINARY TDM__OP_ADD

/* Operands an opcode reads (from the enum's layout). */
static inline int tdm__ins_arity(int op) {
  return op < TDM__OP_FIRST_UNARY ? 0 : op < TDM__OP_FIRST_BINARY ? 1 : op < TDM__OP_WHERE ? 2 : 3;
}

/* flags of a binary instruction: operand a (or b) is consts[k], not a register. */
enum { TDM__K_A = 1, TDM__K_B = 2 };

typedef struct tdm__ins {
  uint8_t op, flags;
  uint8_t dst, a, b, c; /* registers */
  uint16_t k;           /* input index (LOAD), constant index (CONST, K_A, K_B) */
} tdm__ins;

#define TDM__EXPR_MAX_REGS 64     /* temporaries a program may need */
#define TDM__EXPR_MAX_NODES 20000 /* distinct operations after CSE */
#define TDM__EXPR_MAX_DEPTH 200   /* nesting of parentheses/operators */

/* A compiled expression: immutable once built, shared by reference count
 * (the cache and a running tdm_eval may hold it at once). The last
 * instruction computes the result. */
struct tdm__prog {
  int refs;             /* atomic */
  int nin;              /* declared inputs */
  int ncode, nconst, nregs;
  uint32_t used;        /* bit i: input i is read */
  double weight;        /* arithmetic work per element, in flop-equivalents */
  tdm__ins *code;
  double *consts;       /* folded in double; rounded to f32 when the math is f32 */
  char *src;            /* the source text as given */
  char *inputs;         /* the inputs list as given */
  char *namebuf;        /* the input names, NUL-separated */
  const char *names[TDM__MAX_INPUTS]; /* input names (into namebuf) */
};

/* The type the math runs in: f32 when the output and every input are f32,
 * else f64 (mixed precision and integer inputs promote to f64). */
static inline tdm_dtype tdm__expr_ctype(tdm_dtype out_dt, int nin, const tdm_dtype in_dt[]) {
  if (out_dt != TDM_F32) return TDM_F64;
  for (int i = 0; i < nin; i++)
    if (in_dt[i] != TDM_F32) return TDM_F64;
  return TDM_F32;
}

/* ---- for libtandem only (the CUDA module does not link these) ---------- */

/* Parses, folds, shares common subexpressions and emits a program with one
 * reference. fn names the public caller in messages. TDM_ERR_PARSE for the
 * source (column and caret in the message), TDM_ERR_INVALID for inputs. */
tdm_status tdm__prog_compile(const char *fn, const char *src, const char *inputs,
                             tdm__prog **out);
void tdm__prog_retain(tdm__prog *p);
void tdm__prog_release(tdm__prog *p);

/* Operator/function metadata and the scalar semantics (double), which
 * constant folding uses and every kernel must match. */
const char *tdm__op_name(int op); /* "exp", "+", ... */
int tdm__op_arity(int op);        /* 0 for LOAD/CONST */
double tdm__op_weight(int op);    /* flop-equivalents per element */
double tdm__op_fold(int op, double a, double b, double c);
/* Function name -> op and arity; -1 if no such function. */
int tdm__op_lookup(const char *name, size_t len, int *arity);

/* Per-context cache of compiled programs (cache.c), keyed by src+inputs. */
struct tdm__expr_cache;
/* Gets a referenced program for (src, inputs) from ctx's root cache,
 * compiling and inserting on a miss. Release it with tdm__prog_release. */
tdm_status tdm__expr_cache_get(tdm_ctx *ctx, const char *src, const char *inputs,
                               tdm__prog **out);
/* Entries, hits and misses so far (tests). */
void tdm__expr_cache_stats(tdm_ctx *ctx, size_t *entries, uint64_t *hits, uint64_t *misses);

#endif
