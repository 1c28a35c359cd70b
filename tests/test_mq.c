/* Criterion tests of the message queue and the POSIX queue: queue.Queue
 * semantics (plain and under the controlled scheduler), every mq scenario's
 * verdict, and the termination reports. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <string.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/mq.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

#include "verdict.h"

static ipf_result explore(const ipf_scenario *sc, ipf_strategy s, uint64_t seed, long runs,
                          const ipf_plan *plan, long *execs) {
  return explore_with(sc, s, seed, runs, plan, 0, execs);
}

/* ---- plain semantics ---- */

Test(mq, task_done_is_an_error_when_called_more_often_than_put, .timeout = 10) {
  ipf_queue_t *q;
  cr_assert_eq(ipf_queue_create(&q, 0, "t"), 0);
  cr_assert_eq(ipf_queue_task_done(q), -EINVAL);
  int x = 1;
  void *it;
  cr_assert_eq(ipf_queue_put(q, &x), 0);
  cr_assert_eq(ipf_queue_get(q, &it), 0);
  cr_assert_eq(it, &x);
  cr_assert_eq(ipf_queue_task_done(q), 0);
  cr_assert_eq(ipf_queue_task_done(q), -EINVAL);
  cr_assert_eq(ipf_queue_join(q), 0);           /* nothing unfinished: returns at once */
  ipf_queue_destroy(q);
}

Test(mq, get_times_out_when_empty_and_put_when_full, .timeout = 10) {
  ipf_queue_t *q;
  cr_assert_eq(ipf_queue_create(&q, 1, "t"), 0);
  void *it;
  cr_assert_eq(ipf_queue_try_get(q, &it), -EAGAIN);
  cr_assert_eq(ipf_queue_get_timed(q, &it, 5), -ETIMEDOUT);
  int x = 1;
  cr_assert_eq(ipf_queue_try_put(q, &x), 0);
  cr_assert_eq(ipf_queue_try_put(q, &x), -EAGAIN);
  cr_assert_eq(ipf_queue_put_timed(q, &x, 5), -ETIMEDOUT);
  cr_assert_eq(ipf_queue_size(q), 1);
  ipf_queue_destroy(q);
}

Test(mq, get_drains_then_reports_closed_when_closed, .timeout = 10) {
  ipf_queue_t *q;
  cr_assert_eq(ipf_queue_create(&q, 0, "t"), 0);
  int a = 1, b = 2;
  void *it;
  ipf_queue_put(q, &a);
  ipf_queue_put(q, NULL);                       /* NULL is an item like any other */
  ipf_queue_put(q, &b);
  cr_assert_eq(ipf_queue_close(q), 0);
  cr_assert_eq(ipf_queue_put(q, &a), IPF_ECLOSED);
  cr_assert_eq(ipf_queue_get(q, &it), 0); cr_assert_eq(it, &a);
  cr_assert_eq(ipf_queue_get(q, &it), 0); cr_assert_null(it);
  cr_assert_eq(ipf_queue_get(q, &it), 0); cr_assert_eq(it, &b);
  cr_assert_eq(ipf_queue_get(q, &it), IPF_ECLOSED);
  cr_assert_eq(ipf_queue_try_get(q, &it), IPF_ECLOSED);
  cr_assert(ipf_queue_closed(q));
  ipf_queue_destroy(q);
}

Test(mq, abort_drops_items_and_releases_join_when_called, .timeout = 10) {
  ipf_queue_t *q;
  cr_assert_eq(ipf_queue_create(&q, 0, "t"), 0);
  int a = 1;
  for (int i = 0; i < 3; i++) ipf_queue_put(q, &a);
  cr_assert_eq(ipf_queue_abort(q), 3);
  cr_assert_eq(ipf_queue_join(q), 0);
  void *it;
  cr_assert_eq(ipf_queue_get(q, &it), IPF_ECLOSED);
  ipf_queue_destroy(q);
}

Test(mq, unbounded_queue_grows_and_keeps_fifo_order_when_filled, .timeout = 10) {
  ipf_queue_t *q;
  cr_assert_eq(ipf_queue_create(&q, 0, "t"), 0);
  for (long i = 0; i < 1000; i++) cr_assert_eq(ipf_queue_put(q, (void *)i), 0);
  for (long i = 0; i < 1000; i++) {
    void *it;
    cr_assert_eq(ipf_queue_get(q, &it), 0);
    cr_assert_eq((long)it, i);
  }
  ipf_queue_destroy(q);
}

/* ---- controlled: close wakes every waiter; backpressure ---- */

static ipf_queue_t *cq;
static int closed_seen[3];
static void waiter(void *a) {
  void *it;
  int rc = ipf_queue_get(cq, &it);
  closed_seen[(long)a] = rc == IPF_ECLOSED;
  ipf_check(rc == IPF_ECLOSED, "closed", "get returned %d after close", rc);
}
static void close_body(void) {
  ipf_queue_create(&cq, 0, "cq");
  ipf_thread_t t[3];
  for (long i = 0; i < 3; i++) ipf_thread_create(&t[i], "waiter", waiter, (void *)i);
  for (int i = 0; i < 3; i++) ipf_yield();
  ipf_queue_close(cq);
  for (int i = 0; i < 3; i++) ipf_thread_join(&t[i]);
  ipf_queue_destroy(cq);
}
static const ipf_scenario close_sc = { "test/close", IPF_EXPECT_OK, "close wakes all", close_body, 0, 0,
                                       "ipf/sync/cond_wait = 20%spurious" };

Test(mq, close_wakes_every_waiter_when_consumers_block, .timeout = 60) {
  ipf_strategy s[] = { IPF_STRAT_RANDOM, IPF_STRAT_PCT };
  for (int i = 0; i < 2; i++) {
    ipf_result r = explore(&close_sc, s[i], 1, 300, NULL, NULL);
    cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s: %s", r.kind, r.message);
    ipf_result_free(&r);
  }
}

static void bp_producer(void *a) {
  (void)a;
  for (long i = 1; i <= 4; i++) {
    ipf_queue_put(cq, (void *)i);
    size_t n = ipf_queue_size(cq);
    ipf_check(n <= 1, "backpressure", "size %zu with bound 1", n);
  }
}
static void bp_body(void) {
  ipf_queue_create(&cq, 1, "cq");
  ipf_thread_t t;
  ipf_thread_create(&t, "producer", bp_producer, NULL);
  for (long i = 1; i <= 4; i++) {
    void *it;
    ipf_queue_get(cq, &it);
    ipf_check((long)it == i, "order", "got %ld, expected %ld", (long)it, i);
    ipf_queue_task_done(cq);
  }
  ipf_thread_join(&t);
  ipf_queue_join(cq);
  ipf_queue_destroy(cq);
}
static const ipf_scenario bp_sc = { "test/backpressure", IPF_EXPECT_OK, "bound 1", bp_body, 0, 0,
                                    "ipf/sync/cond_wait = 20%spurious" };

Test(mq, put_blocks_when_full_and_order_is_kept, .timeout = 60) {
  ipf_result r = explore(&bp_sc, IPF_STRAT_RANDOM, 2, 500, NULL, NULL);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s: %s", r.kind, r.message);
  ipf_result_free(&r);
}

/* A timed get under the controlled scheduler uses virtual time: it times out
 * when nobody else can run, however long the timeout. */
static void timed_body(void) {
  ipf_queue_create(&cq, 0, "cq");
  void *it;
  int rc = ipf_queue_get_timed(cq, &it, 3600 * 1000L);
  ipf_check(rc == -ETIMEDOUT, "timeout", "get_timed returned %d", rc);
  ipf_queue_destroy(cq);
}
static const ipf_scenario timed_sc = { "test/timed", IPF_EXPECT_OK, "virtual timeout", timed_body, 0, 0, NULL };

Test(mq, timed_get_times_out_in_virtual_time_when_nobody_puts, .timeout = 10) {
  ipf_config c;
  ipf_config_init(&c);
  ipf_result r;
  ipf_exec(&timed_sc, &c, &r);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s: %s", r.kind, r.message);
  ipf_result_free(&r);
}

/* ---- the catalog's mq scenarios ---- */

Test(mq, every_scenario_gets_its_expected_verdict, .timeout = 300) {
  cr_assert_eq(family_verdicts("mq/", 1, 1000, 300), 9);
}

Test(mq, if_not_while_is_found_by_a_stolen_wakeup_when_faults_are_off, .timeout = 60) {
  ipf_plan *none = ipf_plan_new();
  ipf_result r = explore(ipf_scenario_find("mq/if-not-while"), IPF_STRAT_RANDOM, 1, 1000, none, NULL);
  cr_assert_eq(r.verdict, IPF_VERDICT_BUG);
  cr_assert_str_eq(r.kind, "empty-get", "%s", r.message);
  ipf_result_free(&r);
  ipf_plan_free(none);
}

Test(mq, report_explains_the_stranded_consumer_when_one_sentinel, .timeout = 60) {
  ipf_result r = explore(ipf_scenario_find("mq/one-sentinel-many-consumers"), IPF_STRAT_RANDOM, 1, 100, NULL, NULL);
  cr_assert_str_eq(r.kind, "deadlock");
  cr_assert(strstr(r.message, ": blocked in ipf_cond_wait(mq.not_empty)"), "%s", r.message);
  cr_assert(strstr(r.message, "queue_get: the queue is empty and nobody closed it"), "%s", r.message);
  cr_assert(strstr(r.message, "producer put 4 items and 1 sentinel"), "%s", r.message);
  cr_assert(strstr(r.message, "and 1 sentinel, called task_done"), "%s", r.message);
  /* the replay line reproduces it, report and all */
  ipf_result q;
  replay(ipf_scenario_find("mq/one-sentinel-many-consumers"), r.schedule, &q);
  cr_assert_str_eq(q.message, r.message);
  ipf_result_free(&q);
  ipf_result_free(&r);
}

Test(mq, report_counts_unfinished_tasks_when_task_done_skipped, .timeout = 60) {
  ipf_result r = explore(ipf_scenario_find("mq/task-done-skipped"), IPF_STRAT_PCT, 1, 100, NULL, NULL);
  cr_assert_str_eq(r.kind, "deadlock");
  cr_assert(strstr(r.message, "main: blocked in ipf_cond_wait(mq.all_done)"), "%s", r.message);
  cr_assert(strstr(r.message, "queue_join: 1 unfinished task (5 put, 4 task_done)"), "%s", r.message);
  ipf_result_free(&r);
}

Test(mq, report_shows_the_stale_check_when_empty_then_get, .timeout = 60) {
  ipf_result r = explore(ipf_scenario_find("mq/empty-then-get"), IPF_STRAT_RANDOM, 3, 1000, NULL, NULL);
  cr_assert_str_eq(r.kind, "deadlock");
  cr_assert(strstr(r.message, "its last queue_empty saw 1 item"), "%s", r.message);
  ipf_result_free(&r);
}

/* ---- POSIX queue ---- */

Test(mq, posix_queue_refuses_oversized_and_full_when_sending, .timeout = 10) {
  ipf_pmq_t *q;
  cr_assert_eq(ipf_pmq_open(&q, 2, 16), 0);
  char name[64];
  snprintf(name, sizeof name, "%s", ipf_pmq_name(q));
  mqd_t m = mq_open(name, O_RDONLY);
  cr_assert_eq(m, (mqd_t)-1, "the name exists after open");
  cr_assert_eq(errno, ENOENT);
  char big[17] = { 0 }, buf[16];
  cr_assert_eq(ipf_pmq_send(q, big, sizeof big, 0), -EMSGSIZE);
  cr_assert_eq(ipf_pmq_try_send(q, "a", 1, 0), 0);
  cr_assert_eq(ipf_pmq_try_send(q, "b", 1, 0), 0);
  cr_assert_eq(ipf_pmq_try_send(q, "c", 1, 0), -EAGAIN);
  cr_assert_eq(ipf_pmq_receive(q, buf, 8, NULL, 0), -EMSGSIZE);
  cr_assert_eq(ipf_pmq_receive(q, buf, sizeof buf, NULL, 0), 1);
  cr_assert_eq(buf[0], 'a');
  cr_assert_eq(ipf_pmq_receive(q, buf, sizeof buf, NULL, 0), 1);
  cr_assert_eq(ipf_pmq_receive(q, buf, sizeof buf, NULL, 1), -ETIMEDOUT);
  cr_assert_eq(ipf_pmq_close(q), 0);
}
