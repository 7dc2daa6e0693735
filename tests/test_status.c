/* test_status.c -- status names and texts come from TDM_STATUS_MAP, unknown
 * values are named as such, and tdm_last_error() is per thread and names
 * the failing function. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tandem/tandem.h"

typedef struct { tdm_status s; const char *name, *text; } entry;
#define ENTRY(name, text) {TDM_##name, "TDM_" #name, text},
static const entry all[] = {TDM_STATUS_MAP(ENTRY)};
#undef ENTRY
#define NALL (sizeof all / sizeof all[0])

Test(status, every_status_has_its_map_name_and_text) {
  cr_assert_eq(NALL, 11, "the contract lists eleven statuses (UNSUPPORTED is the last)");
  for (size_t i = 0; i < NALL; i++) {
    cr_assert_eq((int)all[i].s, (int)i, "enum values follow the map order");
    cr_assert_str_eq(tdm_status_name(all[i].s), all[i].name);
    cr_assert_str_eq(tdm_status_text(all[i].s), all[i].text);
    cr_assert(strlen(all[i].text) > 0);
    for (size_t j = 0; j < i; j++)
      cr_assert_str_neq(tdm_status_name(all[i].s), tdm_status_name(all[j].s), "names unique");
  }
  /* the names API.md spells out */
  cr_assert_eq(TDM_OK, 0);
  cr_assert_str_eq(tdm_status_name(TDM_ERR_INVALID), "TDM_ERR_INVALID");
  cr_assert_str_eq(tdm_status_name(TDM_ERR_DEVICE_NOMEM), "TDM_ERR_DEVICE_NOMEM");
  cr_assert_str_eq(tdm_status_name(TDM_ERR_NUMERIC), "TDM_ERR_NUMERIC");
  cr_assert_str_eq(tdm_status_name(TDM_ERR_INTERNAL), "TDM_ERR_INTERNAL");
  cr_assert_str_eq(tdm_status_name(TDM_ERR_UNSUPPORTED), "TDM_ERR_UNSUPPORTED");
}

Test(status, unknown_values_are_named_unknown) {
  cr_assert_str_eq(tdm_status_name((tdm_status)999), "TDM_UNKNOWN_STATUS");
  cr_assert_str_eq(tdm_status_name((tdm_status)-1), "TDM_UNKNOWN_STATUS");
  cr_assert_str_eq(tdm_status_text((tdm_status)999), "unknown status");
}

Test(status, last_error_names_function_argument_reason) {
  cr_assert_str_eq(tdm_last_error(), "", "no message before any failure");
  tdm_buf *b = (tdm_buf *)0x1;
  cr_assert_eq(tdm_buf_create(NULL, TDM_F64, 1, 1, &b), TDM_ERR_INVALID);
  cr_assert_null(b, "out is cleared on failure");
  cr_assert_str_eq(tdm_last_error(), "tdm_buf_create: ctx: is NULL");
  tdm_config cfg = {TDM_CPU, 1, 0};
  tdm_ctx *ctx;
  cr_assert_eq(tdm_ctx_create(&cfg, &ctx), TDM_OK);
  cr_assert_eq(tdm_buf_create(ctx, TDM_F64, 0, 3, &b), TDM_ERR_INVALID);
  cr_assert(strstr(tdm_last_error(), "tdm_buf_create: rows:") == tdm_last_error(), "%s",
            tdm_last_error());
  tdm_ctx_destroy(ctx);
}

/* Two threads fail differently at the same time; each sees its own message. */
typedef struct {
  pthread_barrier_t *bar;
  int which;
  char seen[256];
  tdm_status st;
} targ;

static void *fail_one(void *p) {
  targ *a = p;
  pthread_barrier_wait(a->bar);
  if (a->which == 0) a->st = tdm_buf_write(NULL, "x");
  else a->st = tdm_ctx_stats(NULL, NULL);
  pthread_barrier_wait(a->bar); /* both messages are set now */
  snprintf(a->seen, sizeof a->seen, "%s", tdm_last_error());
  pthread_barrier_wait(a->bar);
  return NULL;
}

Test(status, last_error_is_per_thread) {
  pthread_barrier_t bar;
  pthread_barrier_init(&bar, NULL, 2);
  targ a[2] = {{&bar, 0, "", TDM_OK}, {&bar, 1, "", TDM_OK}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) cr_assert_eq(pthread_create(&t[i], NULL, fail_one, &a[i]), 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&bar);
  cr_assert_eq(a[0].st, TDM_ERR_INVALID);
  cr_assert_eq(a[1].st, TDM_ERR_INVALID);
  cr_assert_str_eq(a[0].seen, "tdm_buf_write: b: is NULL");
  cr_assert_str_eq(a[1].seen, "tdm_ctx_stats: ctx: is NULL");
  cr_assert_str_eq(tdm_last_error(), "", "the main thread saw neither");
}
