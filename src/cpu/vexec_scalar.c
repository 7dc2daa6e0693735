/* vexec_scalar.c -- the portable tier: one element per call of SLEEF's
 * pure-C functions (Sleef_*d1_*purec). The reference the SIMD tiers are
 * tested against, and what runs on a CPU with none of them. */
#include <string.h>

#include "cpu/vexec.h"

#define TGT
typedef double tdm__scalar_vd __attribute__((vector_size(8)));
typedef long long tdm__scalar_vl __attribute__((vector_size(8)));
typedef float tdm__scalar_vf __attribute__((vector_size(4)));
typedef int tdm__scalar_vi __attribute__((vector_size(4)));
#define CALL1(f, x) ((V){f((x)[0])})
#define CALL2(f, x, y) ((V){f((x)[0], (y)[0])})

#define R double
#define V tdm__scalar_vd
#define VI tdm__scalar_vl
#define W 1
#define NAT double
#define SL1(f, u) TDM__CAT5(Sleef_, f, d1_, u, purec)
#define SL0(f) Sleef_##f##d1_purec
#define KNAME tdm__vexec_scalar_f64
#include "cpu/vexec_tpl.h"

#define R double
#define V tdm__scalar_vd
#define VI tdm__scalar_vl
#define W 1
#define NAT double
#define SL1(f, u) TDM__CAT5(Sleef_, f, d1_, u, purec)
#define SL0(f) Sleef_##f##d1_purec
#define KNAME tdm__vexec_scalar_f64_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__scalar_vf
#define VI tdm__scalar_vi
#define W 1
#define NAT float
#define SL1(f, u) TDM__CAT5(Sleef_, f, f1_, u, purec)
#define SL0(f) Sleef_##f##f1_purec
#define KNAME tdm__vexec_scalar_f32
#include "cpu/vexec_tpl.h"

#define R float
#define V tdm__scalar_vf
#define VI tdm__scalar_vi
#define W 1
#define NAT float
#define SL1(f, u) TDM__CAT5(Sleef_, f, f1_, u, purec)
#define SL0(f) Sleef_##f##f1_purec
#define KNAME tdm__vexec_scalar_f32_fast
#define TDM__VFAST
#include "cpu/vexec_tpl.h"

static void tdm__scalar_stream(void *dst, const void *src, size_t bytes) { memcpy(dst, src, bytes); }
static void tdm__scalar_fence(void) {}
const tdm__visa tdm__visa_scalar = {"scalar", tdm__vexec_scalar_f64, tdm__vexec_scalar_f32,
                                    tdm__vexec_scalar_f64_fast, tdm__vexec_scalar_f32_fast,
                                    tdm__scalar_stream, tdm__scalar_fence};
