/* eval_stub.c -- placeholder for the CPU expression kernel until its module lands
 * (issue 5); it says so instead of pretending to work. Delete this file
 * when the real kernel arrives. */
#include "core/error.h"
#include "cpu/cpu_int.h"

tdm_status tdm__cpu_eval(void *st, const tdm__prog *prog, const tdm__eval_args *a) {
  (void)st; (void)prog; (void)a;
  return tdm__err(TDM_ERR_INTERNAL, "expressions are not built in this version");
}
