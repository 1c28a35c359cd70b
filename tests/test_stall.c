/* Criterion tests of issue 11 in scenario mode: the stall watchdog (a spin
 * with no scheduling point is preempted, a spin nobody ends is a livelock),
 * fair PCT, honest wait reasons, timeouts as choices, thousands of threads
 * and the thread limit as a tool error. The exec-mode side is
 * tests/sh/stall.sh. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "ipcfault/run.h"
#include "ipcfault/sched.h"

#include "verdict.h"

static ipf_result explore(const ipf_scenario *sc, ipf_strategy s, uint64_t seed, long runs, long max_steps) {
  return explore_with(sc, s, seed, runs, NULL, max_steps, NULL);
}

static const ipf_strategy strategies[] = { IPF_STRAT_PCT, IPF_STRAT_RANDOM, IPF_STRAT_RR };

/* ---- a correct spin-wait on a plain flag, no call in the loop ---- */
static volatile int flag;
static atomic_int back;
__attribute__((noinline)) static void spin_plain(void) { while (!flag) {} }
__attribute__((noinline)) static void spin_atomic(void) { while (!atomic_load(&back)) {} }
static void spinner(void *x) { (void)x; spin_plain(); atomic_store(&back, 1); }
static void spin_body(void) {
  flag = 0;
  atomic_store(&back, 0);
  ipf_thread_t t;
  ipf_thread_create(&t, "spinner", spinner, NULL);
  ipf_yield();
  flag = 1;
  spin_atomic();
  ipf_thread_join(&t);
}
static const ipf_scenario spin_sc = { "test/spin-plain", IPF_EXPECT_OK, "spin", spin_body, 0, 0, NULL };

Test(stall, spin_without_point_is_clean_when_partner_sets_the_flag, .timeout = 120) {
  for (int i = 0; i < 3; i++) {
    ipf_result r = explore(&spin_sc, strategies[i], 1, 20, 0);
    cr_assert_eq(r.verdict, IPF_VERDICT_OK, "strategy %d: %s", i, r.message);
    ipf_result_free(&r);
  }
}

/* ---- a spin nobody ends ---- */
static volatile int never;
__attribute__((noinline)) static void spin_forever(void) { while (!never) {} }
static void stuck(void *x) { (void)x; spin_forever(); }
static void livelock_body(void) {
  ipf_thread_t t;
  ipf_thread_create(&t, "stuck", stuck, NULL);
  ipf_thread_join(&t);
}
static const ipf_scenario livelock_sc = { "test/livelock", IPF_EXPECT_BUG, "livelock", livelock_body, 0, 0, NULL };

Test(stall, livelock_names_the_spinning_function_when_nobody_ends_the_spin, .timeout = 60) {
  ipf_result r = explore(&livelock_sc, IPF_STRAT_RANDOM, 1, 1, 0);
  cr_assert_str_eq(r.kind, "livelock", "%s", r.message);
  cr_assert(strstr(r.message, "stuck spins in spin_forever"), "%s", r.message);
  cr_assert(strstr(r.message, "main: blocked in ipf_thread_join(stuck)"), "%s", r.message);
  /* a preemption at a spin is cut inside the spin: the replay stalls at
   * the same place and takes the same decisions */
  replays_as_kind(&livelock_sc, r.schedule, 5, "livelock");
  ipf_result_free(&r);
}

Test(stall, livelock_found_when_the_period_is_configured, .timeout = 60) {
  ipf_config c;
  ipf_config_init(&c);
  c.stall_ms = 20;
  ipf_result r;
  ipf_exec(&livelock_sc, &c, &r);
  cr_assert_str_eq(r.kind, "livelock", "%s", r.message);
  ipf_result_free(&r);
}

/* ---- a polling loop: main re-broadcasts until the worker has left ---- */
static ipf_mutex_t pm = IPF_MUTEX_INITIALIZER;
static ipf_cond_t pc = IPF_COND_INITIALIZER;
static int keep, alive;
static void poller_worker(void *x) {
  (void)x;
  ipf_mutex_lock(&pm);
  alive++;
  while (keep) ipf_cond_wait(&pc, &pm);
  alive--;
  ipf_mutex_unlock(&pm);
}
static void poll_body(void) {
  ipf_cond_init(&pc, "has_jobs");
  keep = 1;
  alive = 0;
  ipf_thread_t t[2];
  for (int i = 0; i < 2; i++) ipf_thread_create(&t[i], "worker", poller_worker, NULL);
  for (;;) {                       /* until both have started */
    ipf_mutex_lock(&pm);
    int n = alive;
    ipf_mutex_unlock(&pm);
    if (n == 2) break;
  }
  ipf_mutex_lock(&pm);
  keep = 0;
  ipf_mutex_unlock(&pm);
  for (;;) {
    ipf_mutex_lock(&pm);
    int n = alive;
    ipf_cond_broadcast(&pc);
    ipf_mutex_unlock(&pm);
    if (n == 0) break;
  }
  for (int i = 0; i < 2; i++) ipf_thread_join(&t[i]);
}
static const ipf_scenario poll_sc = { "test/poll", IPF_EXPECT_OK, "polling", poll_body, 0, 0, NULL };

Test(fair, polling_loop_is_clean_under_every_strategy_when_pct_turns_fair, .timeout = 120) {
  for (int i = 0; i < 3; i++) {
    ipf_result r = explore(&poll_sc, strategies[i], 1, 300, 0);
    cr_assert_eq(r.verdict, IPF_VERDICT_OK, "strategy %d: %s", i, r.message);
    ipf_result_free(&r);
  }
}

Test(fair, wait_reason_says_who_is_runnable_when_the_step_bound_ends_a_poll, .timeout = 60) {
  /* below PCT's fairness bound the poller starves the workers */
  ipf_result r = explore(&poll_sc, IPF_STRAT_PCT, 1, 300, 1000);
  cr_assert_str_eq(r.kind, "hang", "%s", r.message);
  cr_assert(!strstr(r.message, "no thread left to signal it"), "%s", r.message);
  ipf_result_free(&r);
}

/* ---- a timed wait that expires while main still runs ---- */
static ipf_mutex_t tm = IPF_MUTEX_INITIALIZER;
static ipf_cond_t tc = IPF_COND_INITIALIZER;
static int torn, stop;
static void timed_consumer(void *x) {
  (void)x;
  ipf_mutex_lock(&tm);
  while (!stop) {
    if (ipf_cond_timedwait(&tc, &tm, 1000) == -ETIMEDOUT)
      ipf_check(!torn, "use-after-teardown", "the consumer's timeout fired after main tore the queue down");
  }
  ipf_mutex_unlock(&tm);
}
static void timed_body(void) {
  torn = stop = 0;
  ipf_thread_t t;
  ipf_thread_create(&t, "consumer", timed_consumer, NULL);
  ipf_mutex_lock(&tm);
  stop = 1;                        /* seen at the next wake-up */
  ipf_mutex_unlock(&tm);
  ipf_mutex_lock(&tm);
  torn = 1;                        /* BUG: before the join */
  ipf_mutex_unlock(&tm);
  ipf_yield();
  ipf_thread_join(&t);
}
static const ipf_scenario timed_sc = { "test/timed", IPF_EXPECT_BUG, "timed", timed_body, 0, 0, NULL };

Test(timeout, timed_wait_fires_while_others_run_and_replays, .timeout = 60) {
  for (int i = 0; i < 3; i++) {
    ipf_result r = explore(&timed_sc, strategies[i], 1, 1000, 0);
    cr_assert_str_eq(r.kind, "use-after-teardown", "strategy %d: %s", i, r.message);
    replays_as_kind(&timed_sc, r.schedule, 20, "use-after-teardown");
    ipf_result_free(&r);
  }
}

/* ---- many threads ---- */
static int nthreads_to_start, started;
static void one(void *x) { (void)x; ipf_mutex_lock(&pm); started++; ipf_mutex_unlock(&pm); }
static void many_body(void) {
  started = 0;
  static ipf_thread_t t[5000];
  for (int i = 0; i < nthreads_to_start; i++) ipf_thread_create(&t[i], "t", one, NULL);
  for (int i = 0; i < nthreads_to_start; i++) ipf_thread_join(&t[i]);
  ipf_check(started == nthreads_to_start, "count", "%d of %d threads ran", started, nthreads_to_start);
}
static const ipf_scenario many_sc = { "test/many", IPF_EXPECT_OK, "many", many_body, 0, 0, NULL };

Test(threads, a_thousand_threads_run_when_the_cap_is_raised, .timeout = 120) {
  nthreads_to_start = 1000;
  ipf_result r = explore(&many_sc, IPF_STRAT_RANDOM, 1, 2, 0);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s", r.message);
  cr_assert_eq(r.nthreads, 1001);
  cr_assert_str_eq(r.thread_names[1000], "t");
  ipf_result_free(&r);
}

Test(threads, limit_is_a_tool_error_not_a_bug, .timeout = 120) {
  nthreads_to_start = 4100;
  ipf_result r = explore(&many_sc, IPF_STRAT_RR, 1, 1, 0);
  cr_assert_eq(r.verdict, IPF_VERDICT_ERROR, "%s: %s", r.kind, r.message);
  cr_assert(strstr(r.message, "thread limit"), "%s", r.message);
  ipf_result_free(&r);
}
