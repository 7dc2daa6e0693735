/* omp_tasks.c -- the OpenMP side of bench_tasks, compiled with -fopenmp
 * (bench/CMakeLists.txt, only where OpenMP is found): n empty tasks made
 * with `#pragma omp task` by one thread of a team of `threads`, and n empty
 * iterations of `omp for schedule(dynamic, 1)`. Each returns seconds. */
#include <omp.h>

double tdm_bench_omp_tasks(long n, int threads, void (*body)(long));
double tdm_bench_omp_for(long n, int threads, void (*body)(long));

double tdm_bench_omp_tasks(long n, int threads, void (*body)(long)) {
  double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads)
#pragma omp single
  {
    for (long i = 0; i < n; i++) {
#pragma omp task firstprivate(i)
      body(i);
    }
#pragma omp taskwait
  }
  return omp_get_wtime() - t0;
}

double tdm_bench_omp_for(long n, int threads, void (*body)(long)) {
  double t0 = omp_get_wtime();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (long i = 0; i < n; i++) body(i);
  return omp_get_wtime() - t0;
}
