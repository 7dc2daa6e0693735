/* registry.c -- the table of scenarios `tandem bench` knows, in the order
 * the suite runs them (SCENARIOS.md's order). Each lives in bench/scenarios/<name>.c. */
#include <string.h>

#include "suite.h"

void bench_crossprod_chol(bench_run *r);
void bench_matmul(bench_run *r);
void bench_vecmath(bench_run *r);
void bench_three_tasks(bench_run *r);
void bench_cv_folds(bench_run *r);
void bench_alloc(bench_run *r);
void bench_nested(bench_run *r);
void bench_stratified(bench_run *r);
void bench_simulation(bench_run *r);
void bench_compute_once(bench_run *r);
void bench_take(bench_run *r);
void bench_bootstrap(bench_run *r);
void bench_stats(bench_run *r);
void bench_rng(bench_run *r);
void bench_glm(bench_run *r);
void bench_pca(bench_run *r);

const bench_scenario bench_scenarios[] = {
    {"crossprod-chol", "C = X'X and its Cholesky factor; 1 thread vs all", bench_crossprod_chol},
    {"matmul", "C = A*B, f64 and f32", bench_matmul},
    {"vecmath", "z = exp(x) + 3*sin(x), x ~ N(0,1), f64 and f32", bench_vecmath},
    {"three-tasks", "means of N(0,1), Gamma(1,1), U(0,1) draws as three tasks", bench_three_tasks},
    {"cv-folds", "ridge fit on 9 folds, MSE on the 10th, mapped over folds", bench_cv_folds},
    {"alloc", "4 slow + 12 fast tasks: static vs dynamic vs the LPT bound", bench_alloc},
    {"nested", "10 folds x 4 methods: nested maps vs one flattened map", bench_nested},
    {"stratified", "per-group count, mean, SD and regression over one shared dataset", bench_stratified},
    {"simulation", "replicates on their own streams; same results for 1 and N threads",
     bench_simulation},
    {"compute-once", "min, max, mean, var in one pass vs four", bench_compute_once},
    {"take", "gather 1e7 f64 in rows of 8 by an index vector (bootstrap, sorted)", bench_take},
    {"bootstrap", "percentile intervals of a median and a slope from B resamples",
     bench_bootstrap},
    {"stats", "per-group statistics in one pass, a long sort, quantiles by selection",
     bench_stats},
    {"rng", "normal, uniform, Gamma(1,1), Gamma(2,1), Beta(2,3) draws into a buffer", bench_rng},
    {"glm", "logistic regression by IRLS, n = 1e6, p = 50; only b crosses per step", bench_glm},
    {"pca", "eigh of the 100 x 100 cross product vs svd of the centred rows", bench_pca},
};
const size_t bench_nscenarios = sizeof bench_scenarios / sizeof bench_scenarios[0];

const bench_scenario *bench_find(const char *name) {
  for (size_t i = 0; i < bench_nscenarios; i++)
    if (!strcmp(bench_scenarios[i].name, name)) return &bench_scenarios[i];
  return NULL;
}
