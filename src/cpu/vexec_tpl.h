/* vexec_tpl.h -- the body of one instruction over a block, as a template:
 * the including file defines the element type R, the vector type V (GCC
 * vector extension, W lanes) and its integer twin VI, the SLEEF type NAT,
 * SL1(f,u)/SL0(f) naming SLEEF's functions for that tier, CALL1/CALL2,
 * TGT (target attribute) and KNAME, and TDM__VFAST for the fast-math
 * instance. Arithmetic is IEEE (+ - * / exact); functions are SLEEF's
 * 1-ulp (u10) variants, or u35 ones in fast math; see docs/expressions.md.
 * No include guard: included once per (tier, precision); it undefines
 * its parameters at the end. */

/* TDM__VFAST (TDM_MATH=fast): SLEEF's 3.5-ulp variants where it has them. */
#ifdef TDM__VFAST
#define TDM__UF u35
#else
#define TDM__UF u10
#endif

/* SLEEF's entry points for this tier (sleef.h hides them unless the whole
 * file is compiled for the ISA; here only these functions are). */
TGT NAT SL1(exp, u10)(NAT);
TGT NAT SL1(log, TDM__UF)(NAT);
TGT NAT SL1(log1p, u10)(NAT);
TGT NAT SL1(expm1, u10)(NAT);
TGT NAT SL1(sqrt, u05)(NAT);
TGT NAT SL1(cbrt, TDM__UF)(NAT);
TGT NAT SL1(sin, TDM__UF)(NAT);
TGT NAT SL1(cos, TDM__UF)(NAT);
TGT NAT SL1(tan, TDM__UF)(NAT);
TGT NAT SL1(asin, TDM__UF)(NAT);
TGT NAT SL1(acos, TDM__UF)(NAT);
TGT NAT SL1(atan, TDM__UF)(NAT);
TGT NAT SL1(sinh, TDM__UF)(NAT);
TGT NAT SL1(cosh, TDM__UF)(NAT);
TGT NAT SL1(tanh, TDM__UF)(NAT);
TGT NAT SL1(lgamma, u10)(NAT);
TGT NAT SL1(tgamma, u10)(NAT);
TGT NAT SL1(erf, u10)(NAT);
TGT NAT SL1(erfc, u15)(NAT);
TGT NAT SL0(fabs)(NAT);
TGT NAT SL0(floor)(NAT);
TGT NAT SL0(ceil)(NAT);
TGT NAT SL0(round)(NAT);
TGT NAT SL1(pow, u10)(NAT, NAT);
TGT NAT SL1(atan2, TDM__UF)(NAT, NAT);
TGT NAT SL0(fmin)(NAT, NAT);
TGT NAT SL0(fmax)(NAT, NAT);

#define LD(p) __extension__({ V v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define ST(p, v) __extension__({ V w_ = (v); __builtin_memcpy((p), &w_, sizeof w_); })
/* m ? y : z per lane, m a comparison result (all ones / zeros) */
#define SEL(m, y, z) ((V)(((VI)(m) & (VI)(y)) | (~(VI)(m) & (VI)(z))))
#define TRUTH(m) SEL(m, ONE, ZERO)
/* pow with the libm recomputation of UNFIX (finite x and y, infinite r) */
#define POWFIX(x, y, EXPR)                                                     \
  __extension__({                                                              \
    V r_ = EXPR;                                                               \
    VI bad_ = (VI)(((x) - (x)) == ZERO) & (VI)(((y) - (y)) == ZERO) &          \
              ((VI)(r_ == PINF) | (VI)(r_ == -PINF));                          \
    for (int l_ = 0; l_ < W; l_++)                                             \
      if (bad_[l_]) r_[l_] = (R)pow((double)(x)[l_], (double)(y)[l_]);         \
    r_;                                                                        \
  })

static TGT void KNAME(const tdm__ins *in, void *dv, const void *av, const void *bv, const void *cv,
               double kd, size_t n) {
  R *d = dv;
  const R *a = av, *b = bv, *c = cv;
  const V ZERO = (V){0}, ONE = ZERO + (R)1, K = ZERO + (R)kd, PINF = ZERO + (R)INFINITY;
  size_t i;
  switch ((tdm__op)in->op) {
#define UN(OP, EXPR)                                                           \
  case OP:                                                                     \
    for (i = 0; i < n; i += W) {                                               \
      V x = LD(a + i);                                                         \
      ST(d + i, EXPR);                                                         \
    }                                                                          \
    break;
/* SLEEF overflows early at the edge of a few functions' range (log1p near
 * DBL_MAX, sinhf/coshf beyond 88.5, pow near DBL_MAX): a lane whose result
 * is infinite although its inputs are finite is recomputed with libm. */
#define UNFIX(OP, EXPR, LIBM)                                                  \
  case OP:                                                                     \
    for (i = 0; i < n; i += W) {                                               \
      V x = LD(a + i), r = EXPR;                                               \
      VI bad = (VI)((x - x) == ZERO) & ((VI)(r == PINF) | (VI)(r == -PINF));   \
      for (int l_ = 0; l_ < W; l_++)                                           \
        if (bad[l_]) r[l_] = (R)LIBM((double)x[l_]);                           \
      ST(d + i, r);                                                            \
    }                                                                          \
    break;
#define BIN(OP, EXPR)                                                          \
  case OP:                                                                     \
    if (in->flags & TDM__K_A) {                                                \
      for (i = 0; i < n; i += W) {                                             \
        V x = K, y = LD(b + i);                                                \
        ST(d + i, EXPR);                                                       \
      }                                                                        \
    } else if (in->flags & TDM__K_B) {                                         \
      for (i = 0; i < n; i += W) {                                             \
        V x = LD(a + i), y = K;                                                \
        ST(d + i, EXPR);                                                       \
      }                                                                        \
    } else {                                                                   \
      for (i = 0; i < n; i += W) {                                             \
        V x = LD(a + i), y = LD(b + i);                                        \
        ST(d + i, EXPR);                                                       \
      }                                                                        \
    }                                                                          \
    break;
    UN(TDM__OP_NEG, -x)
    UN(TDM__OP_NOT, TRUTH(x == ZERO))
    UN(TDM__OP_EXP, CALL1(SL1(exp, u10), x))
    UN(TDM__OP_LOG, CALL1(SL1(log, TDM__UF), x))
    UNFIX(TDM__OP_LOG1P, CALL1(SL1(log1p, u10), x), log1p)
    UN(TDM__OP_EXPM1, CALL1(SL1(expm1, u10), x))
    UN(TDM__OP_SQRT, CALL1(SL1(sqrt, u05), x))
    UN(TDM__OP_CBRT, CALL1(SL1(cbrt, TDM__UF), x))
    UN(TDM__OP_SIN, CALL1(SL1(sin, TDM__UF), x))
    UN(TDM__OP_COS, CALL1(SL1(cos, TDM__UF), x))
    UN(TDM__OP_TAN, CALL1(SL1(tan, TDM__UF), x))
    UN(TDM__OP_ASIN, CALL1(SL1(asin, TDM__UF), x))
    UN(TDM__OP_ACOS, CALL1(SL1(acos, TDM__UF), x))
    UN(TDM__OP_ATAN, CALL1(SL1(atan, TDM__UF), x))
    UNFIX(TDM__OP_SINH, CALL1(SL1(sinh, TDM__UF), x), sinh)
    UNFIX(TDM__OP_COSH, CALL1(SL1(cosh, TDM__UF), x), cosh)
    UN(TDM__OP_TANH, CALL1(SL1(tanh, TDM__UF), x))
    UN(TDM__OP_ABS, CALL1(SL0(fabs), x))
    UN(TDM__OP_FLOOR, CALL1(SL0(floor), x))
    UN(TDM__OP_CEIL, CALL1(SL0(ceil), x))
    UN(TDM__OP_ROUND, CALL1(SL0(round), x))
    UN(TDM__OP_LGAMMA, CALL1(SL1(lgamma, u10), x))
    UN(TDM__OP_TGAMMA, CALL1(SL1(tgamma, u10), x))
    UN(TDM__OP_ERF, CALL1(SL1(erf, u10), x))
    UN(TDM__OP_ERFC, CALL1(SL1(erfc, u15), x))
    BIN(TDM__OP_ADD, x + y)
    BIN(TDM__OP_SUB, x - y)
    BIN(TDM__OP_MUL, x * y)
    BIN(TDM__OP_DIV, x / y)
    BIN(TDM__OP_POW, POWFIX(x, y, CALL2(SL1(pow, u10), x, y)))
    BIN(TDM__OP_ATAN2, CALL2(SL1(atan2, TDM__UF), x, y))
    BIN(TDM__OP_MIN, CALL2(SL0(fmin), x, y))
    BIN(TDM__OP_MAX, CALL2(SL0(fmax), x, y))
    BIN(TDM__OP_LT, TRUTH(x < y))
    BIN(TDM__OP_LE, TRUTH(x <= y))
    BIN(TDM__OP_GT, TRUTH(x > y))
    BIN(TDM__OP_GE, TRUTH(x >= y))
    BIN(TDM__OP_EQ, TRUTH(x == y))
    BIN(TDM__OP_NE, TRUTH(x != y))
    BIN(TDM__OP_AND, TRUTH((VI)(x != ZERO) & (VI)(y != ZERO)))
    BIN(TDM__OP_OR, TRUTH((VI)(x != ZERO) | (VI)(y != ZERO)))
  case TDM__OP_WHERE:
    for (i = 0; i < n; i += W) {
      V x = LD(a + i), y = LD(b + i), z = LD(c + i);
      ST(d + i, SEL(x != ZERO, y, z));
    }
    break;
  case TDM__OP_LOAD: case TDM__OP_CONST: case TDM__OP_COUNT: break; /* eval.c does these */
#undef UN
#undef UNFIX
#undef BIN
  }
}

#undef LD
#undef ST
#undef SEL
#undef TRUTH
#undef POWFIX
/* The including file's parameters end here too, so the next instance can
 * define its own. */
#undef R
#undef V
#undef VI
#undef W
#undef NAT
#undef SL1
#undef SL0
#undef KNAME
#undef TDM__UF
#undef TDM__VFAST
