/* ops.c -- the operator and function table of the expression language:
 * names, arities, cost weights, and the scalar double semantics that
 * constant folding uses (every backend's kernel must agree with them). */
#include <math.h>
#include <string.h>

#include "expr/expr_int.h"

typedef struct tdm__opinfo {
  const char *name; /* as written: function name or operator */
  int arity;
  int is_fn;        /* called as name(...) */
  double weight;
} tdm__opinfo;

static const tdm__opinfo tdm__ops[TDM__OP_COUNT] = {
    [TDM__OP_LOAD] = {"input", 0, 0, 0},   [TDM__OP_CONST] = {"constant", 0, 0, 0},
    [TDM__OP_NEG] = {"-", 1, 0, 1},        [TDM__OP_NOT] = {"!", 1, 0, 1},
    [TDM__OP_EXP] = {"exp", 1, 1, 20},     [TDM__OP_LOG] = {"log", 1, 1, 20},
    [TDM__OP_LOG1P] = {"log1p", 1, 1, 25}, [TDM__OP_EXPM1] = {"expm1", 1, 1, 25},
    [TDM__OP_SQRT] = {"sqrt", 1, 1, 4},    [TDM__OP_CBRT] = {"cbrt", 1, 1, 20},
    [TDM__OP_SIN] = {"sin", 1, 1, 25},     [TDM__OP_COS] = {"cos", 1, 1, 25},
    [TDM__OP_TAN] = {"tan", 1, 1, 30},     [TDM__OP_ASIN] = {"asin", 1, 1, 25},
    [TDM__OP_ACOS] = {"acos", 1, 1, 25},   [TDM__OP_ATAN] = {"atan", 1, 1, 25},
    [TDM__OP_SINH] = {"sinh", 1, 1, 30},   [TDM__OP_COSH] = {"cosh", 1, 1, 30},
    [TDM__OP_TANH] = {"tanh", 1, 1, 30},   [TDM__OP_ABS] = {"abs", 1, 1, 1},
    [TDM__OP_FLOOR] = {"floor", 1, 1, 1},  [TDM__OP_CEIL] = {"ceil", 1, 1, 1},
    [TDM__OP_ROUND] = {"round", 1, 1, 2},  [TDM__OP_LGAMMA] = {"lgamma", 1, 1, 60},
    [TDM__OP_TGAMMA] = {"tgamma", 1, 1, 60}, [TDM__OP_ERF] = {"erf", 1, 1, 30},
    [TDM__OP_ERFC] = {"erfc", 1, 1, 40},   [TDM__OP_ADD] = {"+", 2, 0, 1},
    [TDM__OP_SUB] = {"-", 2, 0, 1},        [TDM__OP_MUL] = {"*", 2, 0, 1},
    [TDM__OP_DIV] = {"/", 2, 0, 4},        [TDM__OP_POW] = {"pow", 2, 1, 40},
    [TDM__OP_ATAN2] = {"atan2", 2, 1, 30}, [TDM__OP_MIN] = {"min", 2, 1, 1},
    [TDM__OP_MAX] = {"max", 2, 1, 1},      [TDM__OP_LT] = {"<", 2, 0, 1},
    [TDM__OP_LE] = {"<=", 2, 0, 1},        [TDM__OP_GT] = {">", 2, 0, 1},
    [TDM__OP_GE] = {">=", 2, 0, 1},        [TDM__OP_EQ] = {"==", 2, 0, 1},
    [TDM__OP_NE] = {"!=", 2, 0, 1},        [TDM__OP_AND] = {"&&", 2, 0, 1},
    [TDM__OP_OR] = {"||", 2, 0, 1},        [TDM__OP_WHERE] = {"where", 3, 1, 1},
};

const char *tdm__op_name(int op) {
  return op >= 0 && op < TDM__OP_COUNT ? tdm__ops[op].name : "?";
}

int tdm__op_arity(int op) { return op >= 0 && op < TDM__OP_COUNT ? tdm__ops[op].arity : 0; }

double tdm__op_weight(int op) { return op >= 0 && op < TDM__OP_COUNT ? tdm__ops[op].weight : 0; }

int tdm__op_lookup(const char *name, size_t len, int *arity) {
  for (int op = 0; op < TDM__OP_COUNT; op++) {
    const tdm__opinfo *o = &tdm__ops[op];
    if (o->is_fn && strlen(o->name) == len && memcmp(o->name, name, len) == 0) {
      *arity = o->arity;
      return op;
    }
  }
  return -1;
}

static double tdm__b(int t) { return t ? 1.0 : 0.0; }

double tdm__op_fold(int op, double a, double b, double c) {
  switch ((tdm__op)op) {
  case TDM__OP_NEG: return -a;
  case TDM__OP_NOT: return tdm__b(a == 0);
  case TDM__OP_EXP: return exp(a);
  case TDM__OP_LOG: return log(a);
  case TDM__OP_LOG1P: return log1p(a);
  case TDM__OP_EXPM1: return expm1(a);
  case TDM__OP_SQRT: return sqrt(a);
  case TDM__OP_CBRT: return cbrt(a);
  case TDM__OP_SIN: return sin(a);
  case TDM__OP_COS: return cos(a);
  case TDM__OP_TAN: return tan(a);
  case TDM__OP_ASIN: return asin(a);
  case TDM__OP_ACOS: return acos(a);
  case TDM__OP_ATAN: return atan(a);
  case TDM__OP_SINH: return sinh(a);
  case TDM__OP_COSH: return cosh(a);
  case TDM__OP_TANH: return tanh(a);
  case TDM__OP_ABS: return fabs(a);
  case TDM__OP_FLOOR: return floor(a);
  case TDM__OP_CEIL: return ceil(a);
  case TDM__OP_ROUND: return round(a);
  case TDM__OP_LGAMMA: { int sg; return lgamma_r(a, &sg); } /* thread-safe form */
  case TDM__OP_TGAMMA: return tgamma(a);
  case TDM__OP_ERF: return erf(a);
  case TDM__OP_ERFC: return erfc(a);
  case TDM__OP_ADD: return a + b;
  case TDM__OP_SUB: return a - b;
  case TDM__OP_MUL: return a * b;
  case TDM__OP_DIV: return a / b;
  case TDM__OP_POW: return pow(a, b);
  case TDM__OP_ATAN2: return atan2(a, b);
  case TDM__OP_MIN: return fmin(a, b);
  case TDM__OP_MAX: return fmax(a, b);
  case TDM__OP_LT: return tdm__b(a < b);
  case TDM__OP_LE: return tdm__b(a <= b);
  case TDM__OP_GT: return tdm__b(a > b);
  case TDM__OP_GE: return tdm__b(a >= b);
  case TDM__OP_EQ: return tdm__b(a == b);
  case TDM__OP_NE: return tdm__b(a != b);
  case TDM__OP_AND: return tdm__b(a != 0 && b != 0);
  case TDM__OP_OR: return tdm__b(a != 0 || b != 0);
  case TDM__OP_WHERE: return a != 0 ? b : c;
  case TDM__OP_LOAD: case TDM__OP_CONST: case TDM__OP_COUNT: break;
  }
  return NAN;
}
