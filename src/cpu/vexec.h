/* vexec.h -- one instruction of an expression program over a block of
 * registers, compiled once per SIMD tier (scalar, SSE2, AVX2, AVX-512) from
 * vexec_tpl.h with SLEEF's vector math; the kernel table (ktab.h) holds
 * the tier in force and eval.c runs the blocks with it. */
#ifndef TDM_VEXEC_H
#define TDM_VEXEC_H

#include <math.h> /* INFINITY and the libm fallbacks of vexec_tpl.h */
#include <stddef.h>

#include "cpu/isa.h" /* TDM__ISA_*: the tiers are the ISA levels */
#include "expr/expr_int.h"

/* d = op(a, b, c) over n elements (n a multiple of TDM__VEXEC_PAD). An
 * immediate operand (in->flags) is k; its pointer is unused. Any of a, b,
 * c may equal d. */
typedef void (*tdm__vexec_fn)(const tdm__ins *in, void *d, const void *a, const void *b,
                              const void *c, double k, size_t n);

/* Pastes after expanding (the template passes SL1 an accuracy macro). */
#define TDM__CAT5_(a, b, c, d, e) a##b##c##d##e
#define TDM__CAT5(a, b, c, d, e) TDM__CAT5_(a, b, c, d, e)

#define TDM__VEXEC_PAD 16 /* lanes of the widest tier (f32 on AVX-512) */

typedef struct tdm__visa {
  const char *name;
  tdm__vexec_fn f64, f32; /* NULL: the tier is not built in */
  tdm__vexec_fn f64fast, f32fast; /* TDM_MATH=fast: SLEEF's 3.5-ulp functions where it has them */
  /* Copies bytes to dst with non-temporal stores where aligned (a result
   * too big for the caches goes to memory without being read first);
   * fence orders them before the thread reports its work done. */
  void (*stream)(void *dst, const void *src, size_t bytes);
  void (*fence)(void);
} tdm__visa;

extern const tdm__visa tdm__visa_scalar, tdm__visa_sse2, tdm__visa_avx2, tdm__visa_avx512;

#endif
