/* tsan.c -- what the test programs need under ThreadSanitizer (TSan builds
 * only; elsewhere this file is empty).
 * 1. Criterion starting at all. Criterion's
 * sandbox (BoxFort) maps its shared arena at an address drawn with rand_r
 * anywhere in [0x2000'0000'0000, 0x6000'0000'0000); under TSan most of that
 * is shadow or reserved memory, so the mapping fails at random ("Could not
 * initialize inheritable arena", Criterion issue #274). In TSan builds
 * only, this rand_r steers the draw into TSan's application range
 * 0x5600'0000'0000..0x5680'0000'0000 (BoxFort still probes that the pages
 * are free). Nothing in tandem or its tests calls rand_r.
 * 2. OpenBLAS's own threads. They hand work over through flags TSan cannot
 * see (the library is not instrumented), so every multi-threaded BLAS call
 * would look like a race on its operands; races with a stack inside that
 * library are not reported. tandem's own synchronisation stays checked. */
#if defined(__SANITIZE_THREAD__)
#define TDM__TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TDM__TSAN_BUILD 1
#endif
#endif

#ifdef TDM__TSAN_BUILD
int rand_r(unsigned int *seed);
int rand_r(unsigned int *seed) {
  *seed = *seed * 1103515245u + 12345u;
  /* base = 0x2000'0000'0000 + r * 2^24, r masked with 0x3fffff by BoxFort */
  return (int)(0x360000u + ((*seed >> 8) & 0x7fffu));
}

const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void) { return "race:libopenblas.so.0\n"; }
#else
typedef int tdm__tsan_arena_unused; /* an empty file is not ISO C */
#endif
