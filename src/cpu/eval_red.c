/* eval_red.c -- tdm_reduce's block kernel and block sizes for eval_reduce
 * (eval_red.h says why this is a file of its own). */
#include "cpu/eval_red.h"
#include "cpu/reduce_int.h"

const size_t tdm__er_block = TDM__RBLOCK;
const size_t tdm__er_super = TDM__RSUPER;

void tdm__er_moments(tdm_dtype dt, const void *x, size_t n, tdm__moments *m) {
  tdm__reduce_block(dt, x, n, m);
}
