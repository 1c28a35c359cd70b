/* Criterion tests of the controlled scheduler: strategies, replay, deadlock
 * and hang reports, spin fairness, virtual time, schedule strings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ipcfault/run.h"
#include "ipcfault/sched.h"

#include "verdict.h"

static ipf_result explore(const ipf_scenario *sc, ipf_strategy s, uint64_t seed, long runs, long *execs) {
  return explore_with(sc, s, seed, runs, NULL, 0, execs);
}

/* ---- ABBA deadlock ---- */
static ipf_mutex_t ma = IPF_MUTEX_INITIALIZER, mb = IPF_MUTEX_INITIALIZER;
static void ab(void *x) { (void)x; ipf_mutex_lock(&ma); ipf_mutex_lock(&mb); ipf_mutex_unlock(&mb); ipf_mutex_unlock(&ma); }
static void ba(void *x) { (void)x; ipf_mutex_lock(&mb); ipf_mutex_lock(&ma); ipf_mutex_unlock(&ma); ipf_mutex_unlock(&mb); }
static void abba_body(void) {
  ipf_mutex_init(&ma, "A");   /* a deadlocked execution leaves them held */
  ipf_mutex_init(&mb, "B");
  ipf_thread_t t1, t2;
  ipf_thread_create(&t1, "t1", ab, NULL);
  ipf_thread_create(&t2, "t2", ba, NULL);
  ipf_thread_join(&t1);
  ipf_thread_join(&t2);
}
static const ipf_scenario abba = { "test/abba", IPF_EXPECT_BUG, "ABBA", abba_body, 0, 0, NULL };

Test(sched, deadlock_names_each_thread_when_abba) {
  long n;
  ipf_result r = explore(&abba, IPF_STRAT_RANDOM, 1, 1000, &n);
  cr_assert_eq(r.verdict, IPF_VERDICT_BUG);
  cr_assert_str_eq(r.kind, "deadlock");
  cr_assert(strstr(r.message, "t1: blocked in ipf_mutex_lock(B), held by t2"), "%s", r.message);
  cr_assert(strstr(r.message, "t2: blocked in ipf_mutex_lock(A), held by t1"), "%s", r.message);
  cr_assert(strstr(r.message, "main: blocked in ipf_thread_join(t1)"), "%s", r.message);
  ipf_result_free(&r);
}

Test(sched, every_strategy_finds_deadlock_when_abba) {
  ipf_strategy s[] = { IPF_STRAT_RANDOM, IPF_STRAT_PCT, IPF_STRAT_RR };
  for (int i = 0; i < 3; i++) {
    ipf_result r = explore(&abba, s[i], 7, 1000, NULL);
    cr_assert_str_eq(r.kind, "deadlock", "strategy %d: %s", i, r.kind);
    ipf_result_free(&r);
  }
}

Test(sched, replay_reproduces_exactly_when_given_the_schedule) {
  ipf_result r = explore(&abba, IPF_STRAT_PCT, 3, 1000, NULL);
  cr_assert_eq(r.verdict, IPF_VERDICT_BUG);
  for (int i = 0; i < 100; i++) {
    ipf_result q;
    replay(&abba, r.schedule, &q);
    cr_assert_str_eq(q.kind, "deadlock");
    cr_assert_str_eq(q.message, r.message);
    cr_assert_str_eq(q.schedule, r.schedule);
    ipf_result_free(&q);
  }
  ipf_result_free(&r);
}

/* ---- hang: a livelock that never yields ---- */
static int flag;
static void spinner_noyield(void *x) { (void)x; while (ipf_load(&flag) == 0) {} }
static void livelock_body(void) {
  flag = 0;
  ipf_thread_t t;
  ipf_thread_create(&t, "spinner", spinner_noyield, NULL);
  ipf_thread_join(&t);
}
static const ipf_scenario livelock = { "test/livelock", IPF_EXPECT_BUG, "", livelock_body, 0, 0, NULL };

Test(sched, hang_reported_when_step_bound_exceeded) {
  ipf_config c;
  ipf_config_init(&c);
  c.max_steps = 500;
  ipf_result r;
  ipf_exec(&livelock, &c, &r);
  cr_assert_str_eq(r.kind, "hang");
  cr_assert(strstr(r.message, "no end after 500 steps"), "%s", r.message);
  cr_assert(strstr(r.message, "spinner: runnable, last at ipf_load"), "%s", r.message);
  ipf_result_free(&r);
}

/* ---- spin fairness: a yielding spinner is never a hang ---- */
static int done_flag;
static void worker_long(void *x) {
  (void)x;
  for (int i = 0; i < 3000; i++) ipf_store(&flag, i);
  ipf_store(&done_flag, 1);
}
static void spinner_yield(void *x) { (void)x; while (ipf_load(&done_flag) == 0) ipf_yield(); }
static void spin_body(void) {
  flag = done_flag = 0;
  ipf_thread_t a, b;
  ipf_thread_create(&b, "spinner", spinner_yield, NULL);
  ipf_thread_create(&a, "worker", worker_long, NULL);
  ipf_thread_join(&a);
  ipf_thread_join(&b);
}
static const ipf_scenario spin = { "test/spin", IPF_EXPECT_OK, "", spin_body, 0, 0, NULL };

Test(sched, yielding_spinner_not_a_hang_when_worker_is_long) {
  ipf_strategy s[] = { IPF_STRAT_RANDOM, IPF_STRAT_PCT, IPF_STRAT_RR };
  for (int i = 0; i < 3; i++) {
    ipf_config c;
    ipf_config_init(&c);
    c.strategy = s[i];
    c.max_steps = 20000;      /* the worker alone needs ~3000 */
    ipf_result r;
    long n;
    ipf_explore(&spin, &c, 50, &r, &n);
    cr_assert_eq(r.verdict, IPF_VERDICT_OK, "strategy %d: %s", i, r.message);
    ipf_result_free(&r);
  }
}

/* ---- virtual time ---- */
static long woke_at;
static ipf_mutex_t tm = IPF_MUTEX_INITIALIZER;
static ipf_cond_t tc = IPF_COND_INITIALIZER;
static int timed_rc;
static void sleeper(void *x) { (void)x; ipf_sleep(10000); woke_at = ipf_now_ms(); }
static void timed_waiter(void *x) {
  (void)x;
  ipf_mutex_lock(&tm);
  timed_rc = ipf_cond_timedwait(&tc, &tm, 250);
  ipf_mutex_unlock(&tm);
}
static void time_body(void) {
  ipf_thread_t a, b;
  ipf_thread_create(&a, "sleeper", sleeper, NULL);
  ipf_thread_create(&b, "waiter", timed_waiter, NULL);
  ipf_thread_join(&a);
  ipf_thread_join(&b);
}
static const ipf_scenario vtime = { "test/vtime", IPF_EXPECT_OK, "", time_body, 0, 0, NULL };

Test(sched, sleep_is_virtual_when_controlled, .timeout = 5) {
  ipf_config c;
  ipf_config_init(&c);
  ipf_result r;
  ipf_exec(&vtime, &c, &r);   /* 10 s of sleep; .timeout = 5 fails a real one */
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s", r.message);
  cr_assert_eq(woke_at, 10000);
  cr_assert_eq(timed_rc, -ETIMEDOUT);
  ipf_result_free(&r);
}

/* ---- schedule strings ---- */
Test(schedule, rejected_with_position_when_malformed) {
  char why[256];
  cr_assert_lt(ipf_schedule_check(&abba, "!!not-a-schedule!!", why, sizeof why), 0);
  cr_assert(strstr(why, "character 1"), "%s", why);
  cr_assert_lt(ipf_schedule_check(&abba, "1:zzzz", why, sizeof why), 0);
  cr_assert(strstr(why, "hex digits"), "%s", why);
  ipf_result r = explore(&abba, IPF_STRAT_RANDOM, 1, 1000, NULL);
  cr_assert_lt(ipf_schedule_check(&livelock, r.schedule, why, sizeof why), 0);
  cr_assert(strstr(why, "another scenario"), "%s", why);
  cr_assert_eq(ipf_schedule_check(&abba, r.schedule, why, sizeof why), 0);
  ipf_result_free(&r);
}

Test(schedule, error_verdict_when_replayed_schedule_is_truncated) {
  ipf_result r = explore(&abba, IPF_STRAT_RANDOM, 1, 1000, NULL);
  char cut[64];
  snprintf(cut, sizeof cut, "1:%.8s:100000:", strchr(r.schedule, ':') + 1);
  ipf_result q;
  cr_assert_eq(replay(&abba, cut, &q), IPF_VERDICT_ERROR);
  cr_assert(strstr(q.message, "does not match"), "%s", q.message);
  ipf_result_free(&q);
  ipf_result_free(&r);
}

/* ---- threads alive at exit ---- */
static ipf_sem_t never;
static void forever(void *x) { (void)x; ipf_sem_wait(&never); }
static void leaky_body(void) {
  ipf_sem_init(&never, 0, "never");
  ipf_thread_t t;
  ipf_thread_create(&t, "daemon", forever, NULL);
}
static const ipf_scenario leaky = { "test/leaky", IPF_EXPECT_BUG, "", leaky_body, 0, 0, NULL };

Test(sched, threads_alive_reported_when_main_returns_early) {
  ipf_result r = explore(&leaky, IPF_STRAT_RANDOM, 1, 10, NULL);
  cr_assert_str_eq(r.kind, "threads-alive");
  cr_assert(strstr(r.message, "daemon"), "%s", r.message);
  ipf_result_free(&r);
}
