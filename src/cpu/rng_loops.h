/* rng_loops.h -- the transform loops of the vectorized CPU random-number
 * fill, included by rng_simd.c once per instruction set: it defines
 * TDM__TGT (a target attribute) and TDM__SFX(name) (a name suffix) first.
 * Plain loops over src/rng/dist.h that the compiler vectorizes. */
#ifndef TDM__LOOP_NORMAL
#define TDM__LOOP_NORMAL(T, PAIR, WSTEP, XF)                                                       \
  for (size_t j = 0; j < npairs; j++) {                                                            \
    double a, b;                                                                                   \
    PAIR(w + WSTEP * j, mean, sd, &a, &b);                                                         \
    ((T *)o)[2 * j] = (T)XF(a);                                                                    \
    ((T *)o)[2 * j + 1] = (T)XF(b);                                                                \
  }
#define TDM__ID(x) (x)
#define TDM__GV 256 /* gamma values per vector pass */
#define TDM__LOOP_PUT(T, N, EXPR)                                                                  \
  for (size_t j = 0; j < (N); j++) ((T *)o)[j] = (T)(EXPR);
#endif

TDM__TGT static void TDM__SFX(tdm__normals)(const tdm__rng_req *q, void *o, const uint32_t *w,
                                            size_t ng) {
  double mean = q->p[0], sd = q->p[1];
  int logn = q->dist == TDM__RNG_LOGNORMAL;
  if (q->dt == TDM_F64) {
    size_t npairs = ng;
    if (logn)
      TDM__LOOP_NORMAL(double, tdm__normal_pair_f64, 4, tdm__rng_exp)
    else
      TDM__LOOP_NORMAL(double, tdm__normal_pair_f64, 4, TDM__ID)
  } else {
    size_t npairs = 2 * ng;
    if (logn)
      TDM__LOOP_NORMAL(float, tdm__normal_pair_f32, 2, tdm__rng_exp)
    else
      TDM__LOOP_NORMAL(float, tdm__normal_pair_f32, 2, TDM__ID)
  }
}

TDM__TGT static void TDM__SFX(tdm__bernoulli_loop)(const tdm__rng_req *q, void *o,
                                                   const uint32_t *w, size_t nv) {
  double p = q->p[0];
#define TDM__B tdm__bernoulli(w[2 * j], w[2 * j + 1], p)
  switch (q->dt) {
  case TDM_F64: TDM__LOOP_PUT(double, nv, TDM__B) break;
  case TDM_F32: TDM__LOOP_PUT(float, nv, TDM__B) break;
  case TDM_I32: TDM__LOOP_PUT(int32_t, nv, TDM__B) break;
  case TDM_I64: TDM__LOOP_PUT(int64_t, nv, TDM__B) break;
  case TDM_U32: TDM__LOOP_PUT(uint32_t, nv, TDM__B) break;
  }
#undef TDM__B
}

TDM__TGT static void TDM__SFX(tdm__integer_loop)(const tdm__rng_req *q, void *o, const uint32_t *w,
                                                 size_t nv) {
  uint64_t lo = tdm__rng_pbits(q, 0), R = tdm__rng_pbits(q, 1);
#define TDM__I (lo + tdm__below(w + 4 * j, R))
  switch (q->dt) {
  case TDM_I32: TDM__LOOP_PUT(int32_t, nv, (uint32_t)TDM__I) break;
  case TDM_U32: TDM__LOOP_PUT(uint32_t, nv, TDM__I) break;
  default: TDM__LOOP_PUT(int64_t, nv, TDM__I) break;
  }
#undef TDM__I
}

TDM__TGT static void TDM__SFX(tdm__transform)(const tdm__rng_req *q, void *o, const uint32_t *w,
                                              size_t ng) {
  int f64 = q->dt == TDM_F64;
  switch (q->dist) {
  case TDM__RNG_BITS: memcpy(o, w, 16 * ng); break;
  case TDM__RNG_UNIFORM:
    if (f64) {
      double lo = q->p[0], d = q->p[2], top = q->p[3];
      TDM__LOOP_PUT(double, 2 * ng, tdm__uniform_f64(w[2 * j], w[2 * j + 1], lo, d, top))
    } else {
      float lo = (float)q->p[0], d = (float)q->p[2], top = (float)q->p[3];
      TDM__LOOP_PUT(float, 4 * ng, tdm__uniform_f32(w[j], lo, d, top))
    }
    break;
  case TDM__RNG_NORMAL:
  case TDM__RNG_LOGNORMAL: TDM__SFX(tdm__normals)(q, o, w, ng); break;
  case TDM__RNG_EXPONENTIAL: {
    double rate = q->p[0];
    if (f64)
      TDM__LOOP_PUT(double, 2 * ng, tdm__exponential_f64(w[2 * j], w[2 * j + 1], rate))
    else
      TDM__LOOP_PUT(float, 4 * ng, tdm__exponential_f32(w[j], rate))
    break;
  }
  case TDM__RNG_BERNOULLI: TDM__SFX(tdm__bernoulli_loop)(q, o, w, 2 * ng); break;
  case TDM__RNG_INTEGER: TDM__SFX(tdm__integer_loop)(q, o, w, ng); break;
  default: break;
  }
}

/* Attempt 0 of Marsaglia-Tsang for k values whose first blocks are w (and,
 * for shape < 1, whose boost blocks are w2): g[j] the scaled variate (or,
 * with want_log, its unscaled log) and ok[j] = 1 where attempt 0 accepts,
 * written as tdm__gamma_draw computes it (src/rng/reject.h) so the bits
 * agree; ok[j] = 0 sends value j to the scalar code. Shape 1 is an
 * exponential (always accepted). */
TDM__TGT static void TDM__SFX(tdm__gamma_pass)(double shape, double scale, int want_log,
                                               const uint32_t *w, const uint32_t *w2, size_t k,
                                               double *g, unsigned char *ok) {
  if (shape == 1.0) {
    for (size_t j = 0; j < k; j++) {
      double e = -tdm__rng_log(tdm__u53p(w[4 * j], w[4 * j + 1]));
      g[j] = want_log ? tdm__rng_log(e) : e * scale;
      ok[j] = 1;
    }
    return;
  }
  double a = shape < 1.0 ? shape + 1.0 : shape;
  double d = a - 1.0 / 3.0;
  double c = 1.0 / TDM__SQRT(9.0 * d);
  double x2s[TDM__GV], vs[TDM__GV], us[TDM__GV];
  unsigned char pos[TDM__GV];
  for (size_t j = 0; j < k; j++) { /* Box-Muller and the squeeze in lanes */
    double cs, sn;
    tdm__rng_sincos2pi(tdm__u32d(w[4 * j + 2]) * 0x1p-32, &cs, &sn);
    double x = TDM__SQRT(-2.0 * tdm__rng_log(tdm__u53p(w[4 * j], w[4 * j + 1]))) * cs;
    double v = TDM__FMA(c, x, 1.0);
    double v3 = TDM__MUL(TDM__MUL(v, v), v);
    double u = (tdm__u32d(w[4 * j + 3]) + 0.5) * 0x1p-32;
    double x2 = x * x;
    int p = v > 0.0;
    pos[j] = (unsigned char)p;
    ok[j] = (unsigned char)(p & (u < TDM__FMA(-0.0331, TDM__MUL(x2, x2), 1.0)));
    g[j] = TDM__MUL(d, v3);
    x2s[j] = x2, vs[j] = v3, us[j] = u;
  }
  size_t idx[TDM__GV], m = 0; /* the lanes the squeeze left, packed */
  for (size_t j = 0; j < k; j++)
    if (pos[j] && !ok[j]) {
      idx[m] = j;
      x2s[m] = x2s[j], vs[m] = vs[j], us[m] = us[j];
      m++;
    }
  unsigned char acc[TDM__GV];
  for (size_t i = 0; i < m; i++) /* the log test in lanes */
    acc[i] = (unsigned char)(tdm__rng_log(us[i]) <
                             TDM__FMA(d, (1.0 - vs[i]) + tdm__rng_log(vs[i]), 0.5 * x2s[i]));
  for (size_t i = 0; i < m; i++) ok[idx[i]] = acc[i];
  if (want_log) {
    for (size_t j = 0; j < k; j++) g[j] = tdm__rng_log(g[j]);
    if (shape < 1.0) /* log of the boost: log Gamma(a + 1) + log(U) / a */
      for (size_t j = 0; j < k; j++)
        g[j] = g[j] + tdm__rng_log(tdm__u53p(w2[4 * j], w2[4 * j + 1])) / shape;
    return;
  }
  if (shape < 1.0) /* the boost: Gamma(a) = Gamma(a + 1) U^(1/a) */
    for (size_t j = 0; j < k; j++)
      g[j] = g[j] * tdm__rng_exp(tdm__rng_log(tdm__u53p(w2[4 * j], w2[4 * j + 1])) / shape);
  for (size_t j = 0; j < k; j++) g[j] = g[j] * scale;
}

/* Beta from the log-gammas of its two halves, as tdm__beta_draw. */
TDM__TGT static void TDM__SFX(tdm__beta_combine)(const double *lx, const double *ly, size_t k,
                                                 double *v) {
  for (size_t j = 0; j < k; j++) v[j] = 1.0 / (1.0 + tdm__rng_exp(ly[j] - lx[j]));
}
