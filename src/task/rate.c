/* rate.c -- the pool's running measure of how fast its GPU lanes run map
 * indices against its CPU workers. Every map that ran indices on both
 * kinds of lane folds in its ratio (per runner: indices per busy second);
 * STATIC maps cut their indices by it, so a lane's share follows its rate.
 * Kept as a geometric running mean (half the weight on the newest map). */
#include <math.h>

#include "task/task_int.h"

double tdm__pool_gpu_speed(tdm_pool *p) {
  pthread_mutex_lock(&p->gmu);
  double s = p->speed_known ? p->gpu_speed : 1.0;
  pthread_mutex_unlock(&p->gmu);
  return s;
}

void tdm__pool_rate_note(tdm_pool *p, const double busy[2], const size_t ran[2]) {
  if (!ran[0] || !ran[1] || !(busy[0] > 0) || !(busy[1] > 0)) return; /* one kind only */
  double r = ((double)ran[1] / busy[1]) / ((double)ran[0] / busy[0]);
  if (!(r > 1e-6)) r = 1e-6; /* a lane never takes nothing forever */
  if (r > 1e6) r = 1e6;
  pthread_mutex_lock(&p->gmu);
  p->gpu_speed = p->speed_known ? sqrt(p->gpu_speed * r) : r;
  p->speed_known = 1;
  pthread_mutex_unlock(&p->gmu);
}
