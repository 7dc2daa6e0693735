/* test_ctx_slot.c -- core's per-root slots (src/core/slot.c), which hold
 * the expression cache and any other layer's per-context state without
 * core knowing its type: a lane context sees its root's value, the root
 * frees each value set exactly once (whatever the destroy order), slots
 * run out after TDM__ROOT_SLOTS, and tdm_eval's cache lives in one. */
#include <criterion/criterion.h>

#include "core/ctx_int.h"
#include "expr/expr_int.h"
#include "support/support.h"

static int freed_n;
static void *freed_last;
static void count_free(void *v) {
  freed_n++;
  freed_last = v;
}

Test(slot, lane_sees_root_value_and_root_frees_once) {
  int k = tdm__root_slot_new(count_free);
  cr_assert(k >= 0 && k < TDM__ROOT_SLOTS, "slot %d", k);
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 2), *lane = NULL;
  cr_assert_eq(tdm__ctx_lane(ctx, TDM_LANE_CPU, &lane), TDM_OK, "%s", tdm_last_error());
  cr_assert_null(tdm__root_slot_get(lane, k));
  static int value;
  tdm__root_slot_set(lane, k, &value); /* acts on the root */
  cr_assert_eq(tdm__root_slot_get(ctx, k), &value);
  cr_assert_eq(tdm__root_slot_get(lane, k), &value);
  tdm_ctx_destroy(ctx); /* the lane still holds the root */
  cr_assert_eq(freed_n, 0);
  tdm_ctx_destroy(lane);
  cr_assert_eq(freed_n, 1);
  cr_assert_eq(freed_last, &value);
}

Test(slot, unset_slot_is_not_freed) {
  int k = tdm__root_slot_new(count_free);
  cr_assert(k >= 0);
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  tdm_ctx_destroy(ctx);
  cr_assert_eq(freed_n, 0);
}

Test(slot, out_of_range_and_exhaustion) {
  cr_assert_eq(tdm__root_slot_new(NULL), -1);
  int got = 0;
  while (tdm__root_slot_new(count_free) >= 0) got++;
  cr_assert(got >= 1 && got <= TDM__ROOT_SLOTS, "%d slots", got);
  cr_assert_eq(tdm__root_slot_new(count_free), -1);
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  static int v;
  tdm__root_slot_set(ctx, TDM__ROOT_SLOTS, &v); /* ignored */
  tdm__root_slot_set(ctx, -1, &v);
  cr_assert_null(tdm__root_slot_get(ctx, TDM__ROOT_SLOTS));
  cr_assert_null(tdm__root_slot_get(ctx, -1));
  tdm_ctx_destroy(ctx);
  cr_assert_eq(freed_n, 0);
}

Test(slot, eval_cache_lives_in_a_slot) {
  tdm_ctx *ctx = ts_ctx(TDM_CPU, 1);
  const double x[4] = {1, 2, 3, 4};
  tdm_buf *X = ts_buf(ctx, TDM_F64, 4, 1, x), *Y = ts_buf(ctx, TDM_F64, 4, 1, NULL);
  tdm_buf *in[] = {X};
  cr_assert_eq(tdm_eval(ctx, "2*x+1", "x", Y, in), TDM_OK, "%s", tdm_last_error());
  int set = 0;
  for (int k = 0; k < TDM__ROOT_SLOTS; k++) set += tdm__root_slot_get(ctx, k) != NULL;
  cr_assert_eq(set, 1, "the cache is in exactly one slot");
  size_t entries = 0;
  tdm__expr_cache_stats(ctx, &entries, NULL, NULL);
  cr_assert_eq(entries, 1);
  double y[4];
  cr_assert_eq(tdm_buf_read(Y, y), TDM_OK);
  for (int i = 0; i < 4; i++) cr_assert_eq(y[i], 2 * x[i] + 1);
  tdm_buf_destroy(X);
  tdm_buf_destroy(Y);
  tdm_ctx_destroy(ctx); /* ASan/valgrind: the cache and its program are freed */
}
