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
