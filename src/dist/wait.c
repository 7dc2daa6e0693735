/* wait.c -- waiting on MPI without spinning. Blocking MPI calls busy-poll
 * a core; a rank that finished its share early, or rank 0's dealer thread,
 * instead tests its request and sleeps (1 us doubling to 100 us), leaving
 * the core to the rank's workers and to whatever else shares the node. */
#include <time.h>

#include "dist/dist_int.h"

int tdm__dist_wait(MPI_Request *req, MPI_Status *st) {
  long ns = 1000;
  for (;;) {
    int flag = 0, rc = MPI_Test(req, &flag, st);
    if (rc != MPI_SUCCESS || flag) return rc;
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
    if (ns < 100000) ns *= 2;
  }
}
