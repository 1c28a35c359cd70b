/* Criterion tests of the thread pool and task exceptions: shutdown, late
 * submit, exceptions caught and counted, fork isolation of crashes, every
 * pool scenario's verdict and the termination reports. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/pool.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

#include "verdict.h"

static ipf_result explore(const ipf_scenario *sc, ipf_strategy s, uint64_t seed, long runs, const ipf_plan *plan) {
  return explore_with(sc, s, seed, runs, plan, 0, NULL);
}

/* ---- try / catch ---- */

static void thrower(int code) { ipf_task_throw(code); }

Test(task, throw_unwinds_to_the_innermost_try_when_nested, .timeout = 10) {
  volatile int outer = 0, inner = 0;
  ipf_catch_t a, b;
  IPF_TRY(a) {
    IPF_TRY(b) {
      thrower(-EIO);
    } IPF_CATCH(b) {
      inner = b.code;
      thrower(IPF_ETHROWN);                /* rethrow reaches the outer try */
    } IPF_END_TRY(b);
  } IPF_CATCH(a) {
    outer = a.code;
  } IPF_END_TRY(a);
  cr_assert_eq(inner, -EIO);
  cr_assert_eq(outer, IPF_ETHROWN);
  volatile int ran = 0;
  IPF_TRY(a) {
    ran = 1;
  } IPF_CATCH(a) {
    ran = 2;
  } IPF_END_TRY(a);
  cr_assert_eq(ran, 1);
}

Test(task, throw_aborts_when_no_try_is_active, .signal = SIGABRT, .timeout = 10) {
  thrower(IPF_ETHROWN);
}

/* ---- plain pool semantics ---- */

static int ok_task(void *a) { __atomic_fetch_add((int *)a, 1, __ATOMIC_RELAXED); return 0; }
static int err_task(void *a) { (void)a; return -EIO; }
static int throw_task(void *a) { (void)a; ipf_task_throw(IPF_ETHROWN); }

Test(pool, failures_are_caught_and_counted_when_tasks_fail, .timeout = 30) {
  ipf_pool_t *p;
  cr_assert_eq(ipf_pool_create(&p, 4, 3, 0, "t"), 0);
  int n = 0;
  for (int i = 0; i < 20; i++) cr_assert_eq(ipf_pool_submit(p, ok_task, &n), 0);
  for (int i = 0; i < 3; i++) cr_assert_eq(ipf_pool_submit(p, err_task, NULL), 0);
  for (int i = 0; i < 5; i++) cr_assert_eq(ipf_pool_submit(p, throw_task, NULL), 0);
  cr_assert_eq(ipf_pool_wait_completion(p), 0);
  ipf_pool_stats_t s;
  ipf_pool_stats(p, &s);
  cr_assert_eq(n, 20);
  cr_assert_eq(s.submitted, 28);
  cr_assert_eq(s.run, 28);
  cr_assert_eq(s.failed, 8);
  cr_assert_eq(s.thrown, 5);
  cr_assert_eq(s.workers_alive, 4, "a task killed a worker");
  ipf_pool_destroy(p);
}

Test(pool, shutdown_joins_every_worker_and_rejects_submit_when_called, .timeout = 30) {
  ipf_pool_t *p;
  cr_assert_eq(ipf_pool_create(&p, 5, 2, 0, "t"), 0);
  int n = 0;
  for (int i = 0; i < 10; i++) cr_assert_eq(ipf_pool_submit(p, ok_task, &n), 0);
  cr_assert_eq(ipf_pool_shutdown(p), 0);         /* graceful: the queued tasks still run */
  ipf_pool_stats_t s;
  ipf_pool_stats(p, &s);
  cr_assert_eq(n, 10);
  cr_assert_eq(s.workers_alive, 0);
  cr_assert_eq(ipf_pool_submit(p, ok_task, &n), IPF_ESHUTDOWN);
  cr_assert_eq(ipf_pool_shutdown(p), 0);         /* idempotent */
  ipf_pool_destroy(p);
}

Test(pool, create_refuses_bad_sizes_when_asked, .timeout = 10) {
  ipf_pool_t *p;
  cr_assert_eq(ipf_pool_create(&p, 0, 1, 0, NULL), -EINVAL);
  cr_assert_eq(ipf_pool_create(&p, 61, 1, 0, NULL), -EINVAL);
}

/* ---- fork isolation ---- */

Test(pool, isolated_crash_is_reported_when_the_child_dies, .timeout = 10) {
  int sig = 0;
  cr_assert_eq(ipf_run_isolated(err_task, NULL, 0, &sig), -EIO);
  cr_assert_eq(ipf_run_isolated(throw_task, NULL, 0, &sig), IPF_ETHROWN);
  cr_assert_eq(ipf_run_isolated(err_task, NULL, 1, &sig), IPF_POOL_ECRASHED);
  cr_assert_eq(sig, SIGABRT);
}

static int noop(void *a) { (void)a; return 0; }
static void crash_body(void) {
  ipf_pool_t *p;
  ipf_pool_create(&p, 2, 4, IPF_POOL_ISOLATE, "iso");
  for (int i = 0; i < 4; i++) ipf_pool_submit(p, noop, NULL);
  ipf_pool_wait_completion(p);
  ipf_pool_shutdown(p);
  ipf_pool_stats_t s;
  ipf_pool_stats(p, &s);
  ipf_check(s.run == 4 && s.crashed == 1 && s.failed == 1, "crash", "run %lu, crashed %lu, failed %lu", s.run,
            s.crashed, s.failed);
  ipf_check(s.workers_alive == 0, "workers", "%d alive", s.workers_alive);
  ipf_pool_destroy(p);
}
static const ipf_scenario crash_sc = { "test/crash", IPF_EXPECT_OK, "crash fault, isolated", crash_body,
                                       IPF_SC_FORKS, 0, NULL };

Test(pool, run_survives_a_crash_fault_when_the_pool_is_isolated, .timeout = 60) {
  ipf_plan *plan;
  char err[200];
  cr_assert_eq(ipf_plan_parse("ipf/pool/task = 2*off->1*crash", "test", &plan, err, sizeof err), 0, "%s", err);
  ipf_result r = explore(&crash_sc, IPF_STRAT_RANDOM, 1, 20, plan);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s: %s", r.kind, r.message);
  ipf_result_free(&r);
  ipf_plan_free(plan);
}

/* ---- the catalog's pool scenarios ---- */

Test(pool, every_scenario_gets_its_expected_verdict, .timeout = 300) {
  cr_assert_eq(family_verdicts("pool/", 2, 1000, 200), 6);
}

Test(pool, report_names_the_dead_worker_when_worker_dies, .timeout = 60) {
  ipf_plan *none = ipf_plan_new();
  ipf_result r = explore(ipf_scenario_find("pool/worker-dies"), IPF_STRAT_RANDOM, 1, 100, none);
  ipf_plan_free(none);
  cr_assert_str_eq(r.kind, "deadlock");
  cr_assert(strstr(r.message, "wait_completion: 1 unfinished task (15 put, 14 task_done)"), "%s", r.message);
  cr_assert(strstr(r.message, "exited after task 7 raised"), "%s", r.message);
  cr_assert(strstr(r.message, "9 of 10 workers alive"), "%s", r.message);
  ipf_result_free(&r);
}

Test(pool, report_names_the_skipped_task_done_when_no_finally, .timeout = 60) {
  ipf_plan *none = ipf_plan_new();
  ipf_result r = explore(ipf_scenario_find("pool/no-finally"), IPF_STRAT_PCT, 1, 100, none);
  ipf_plan_free(none);
  cr_assert_str_eq(r.kind, "deadlock");
  cr_assert(strstr(r.message, "wait_completion: 1 unfinished task"), "%s", r.message);
  cr_assert(strstr(r.message, "task 7 failed in worker-"), "%s", r.message);
  cr_assert(strstr(r.message, "which skipped task_done"), "%s", r.message);
  ipf_result_free(&r);
}

Test(pool, report_says_nobody_shut_down_when_daemon, .timeout = 60) {
  ipf_result r = explore(ipf_scenario_find("pool/daemon-never-joined"), IPF_STRAT_RANDOM, 1, 100, NULL);
  cr_assert_str_eq(r.kind, "threads-alive");
  cr_assert(strstr(r.message, ": blocked in ipf_cond_wait(pool.not_empty)"), "%s", r.message);
  cr_assert(strstr(r.message, "nobody called ipf_pool_shutdown"), "%s", r.message);
  ipf_result_free(&r);
}
