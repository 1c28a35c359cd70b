/* Criterion tests of the fault layer: the plan parser (what it accepts, what
 * it refuses and where), the chain semantics, decisions drawn from the
 * choice stream and replayed exactly across threads, the libfiu bridge, the
 * COND_WAIT site, and the plan hook of ipf_exec (default plans, hashes). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <fiu-control.h>
#define FIU_ENABLE 1
#include <fiu.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

/* ---- helpers ---- */

static ipf_plan *parse_ok(const char *text) {
  ipf_plan *p = NULL;
  char err[512] = "";
  int rc = ipf_plan_parse(text, "t.plan", &p, err, sizeof err);
  cr_assert_eq(rc, 0, "plan %s refused: %s", text, err);
  cr_assert_not_null(p);
  return p;
}

static void assert_canon(const char *text, const char *want) {
  ipf_plan *p = parse_ok(text);
  char *got = ipf_plan_format(p);
  cr_assert_str_eq(got, want, "plan [%s]", text);
  free(got);
  ipf_plan_free(p);
}

/* The plan must be refused with exactly this error line. */
static void assert_err(const char *text, const char *want_prefix, const char *want_sub) {
  ipf_plan *p = (ipf_plan *)0x1;
  char err[512] = "";
  int rc = ipf_plan_parse(text, "t.plan", &p, err, sizeof err);
  cr_assert_eq(rc, IPF_EPLAN, "plan [%s] accepted", text);
  cr_assert_null(p);
  cr_assert(!strncmp(err, want_prefix, strlen(want_prefix)), "plan [%s]: error [%s], want prefix [%s]", text, err,
            want_prefix);
  if (want_sub) cr_assert(strstr(err, want_sub), "plan [%s]: error [%s] lacks [%s]", text, err, want_sub);
  cr_assert(!strchr(err, '\n'), "error is one line: [%s]", err);
}

/* ---- parser: accepted ---- */

Test(fault, canonical_text_when_plan_is_valid) {
  assert_canon("ipf/uds/recv = 2*off->30%short(3)->eof", "ipf/uds/recv = 2*off->30%short(3)->eof\n");
  assert_canon("  ipf/io/read=100%1*error(5)  # the 1st call\n", "ipf/io/read = 1*error(EIO)\n");
  assert_canon("ipf/io/read = error", "ipf/io/read = error(EIO)\n");
  assert_canon("ipf/io/write = 0%epipe -> 7%3*error(ECONNRESET) -> short() -> delay(10ms)",
               "ipf/io/write = 0%epipe->7%3*error(ECONNRESET)->short->delay(10ms)\n");
  assert_canon("ipf/pool/task = throw(3)->crash\nipf/sync/cond_wait=spurious->delay(2)",
               "ipf/sync/cond_wait = spurious->delay(2)\nipf/pool/task = throw(3)->crash\n");
  assert_canon("\n# only comments\n\n   \t\n", "");
  assert_canon("ipf/io/read = eof\nipf/io/read = eintr\n", "ipf/io/read = eintr\n");  /* last wins */
}

Test(fault, glob_reaches_only_sites_that_can_carry_out_the_chain_when_site_ends_in_star) {
  ipf_plan *p = parse_ok("ipf/io/* = eintr");
  cr_assert(ipf_plan_has(p, IPF_SITE_IO_READ));
  cr_assert(ipf_plan_has(p, IPF_SITE_IO_ACCEPT));
  cr_assert(!ipf_plan_has(p, IPF_SITE_IO_PIPE));      /* pipe() cannot be interrupted */
  cr_assert(!ipf_plan_has(p, IPF_SITE_UDS_RECV));     /* not under ipf/io/ */
  ipf_plan_free(p);
}

Test(fault, fault_option_adds_and_replaces_one_chain_when_plan_add) {
  ipf_plan *p = parse_ok("ipf/io/read = eof\nipf/io/write = epipe\n");
  char err[256];
  cr_assert_eq(ipf_plan_add(p, "ipf/io/read=short(1)", err, sizeof err), 0, "%s", err);
  char *t = ipf_plan_format(p);
  cr_assert_str_eq(t, "ipf/io/read = short(1)\nipf/io/write = epipe\n");
  free(t);
  /* a bad --fault leaves the plan as it was */
  cr_assert_eq(ipf_plan_add(p, "ipf/io/write=bogus", err, sizeof err), IPF_EPLAN);
  cr_assert_str_eq(err, "--fault:1:14: unknown action 'bogus': expected one of off, error, short, eof, reset, "
                        "epipe, eintr, delay, spurious, throw, crash");
  t = ipf_plan_format(p);
  cr_assert_str_eq(t, "ipf/io/read = short(1)\nipf/io/write = epipe\n");
  free(t);
  cr_assert_eq(ipf_plan_add(p, "", err, sizeof err), IPF_EPLAN);
  cr_assert_eq(ipf_plan_add(p, "ipf/io/read=eof\nipf/io/write=eof", err, sizeof err), IPF_EPLAN);
  cr_assert(strstr(err, "one SITE=TERMS per --fault"), "%s", err);
  ipf_plan_free(p);
}

/* ---- parser: refused, with positions ---- */

Test(fault, error_names_line_and_column_when_plan_is_malformed) {
  assert_err("ipf/io/reed = eof", "t.plan:1:1: unknown site 'ipf/io/reed'", "did you mean ipf/io/read?");
  assert_err("# c\n\nipf/io/read = shrt", "t.plan:3:15: unknown action 'shrt': expected one of off, error", NULL);
  assert_err("ipf/io/read = 101%eof", "t.plan:1:15: probability 101% is over 100%: expected 0 to 100", NULL);
  assert_err("ipf/io/read = 10%0*eof", "t.plan:1:18: count 0: expected a count of at least 1", NULL);
  assert_err("ipf/io/read = short(x)", "t.plan:1:21: expected a byte count of at least 1", "got 'x'");
  assert_err("ipf/io/read = short(0)", "t.plan:1:21: expected a byte count of at least 1", NULL);
  assert_err("ipf/io/read = 3eof", "t.plan:1:16: expected '%' (probability) or '*' (count) after the number 3", NULL);
  assert_err("ipf/io/read = 99999999999*eof", "t.plan:1:15: number too large", NULL);
  assert_err("ipf/io/read = eof(3)", "t.plan:1:18: eof takes no argument", NULL);
  assert_err("ipf/io/read = error(EFOO)", "t.plan:1:21: unknown errno name 'EFOO'", NULL);
  assert_err("ipf/io/read = error(5000)", "t.plan:1:21: expected an errno name (EIO) or a number 1-4095", NULL);
  assert_err("ipf/io/read = delay", "t.plan:1:20: delay needs an argument", NULL);
  assert_err("ipf/io/read = delay(5s)", "t.plan:1:22: expected ')' to close delay(", "got 's'");
  assert_err("ipf/io/read = short(3", "t.plan:1:22: expected ')' to close short(", "end of line");
  assert_err("ipf/io/read eof", "t.plan:1:13: expected '=' after the site name", NULL);
  assert_err("ipf/io/read = eof eof", "t.plan:1:19: expected '->' (next term)", NULL);
  assert_err("ipf/io/read = eof->", "t.plan:1:20: expected an action", "end of line");
  assert_err("ipf/io/read =", "t.plan:1:14: expected an action", NULL);
  assert_err("ipf/sync/cond_wait = short", "t.plan:1:22: ipf/sync/cond_wait cannot carry out short: expected one of "
             "off, delay, spurious", NULL);
  assert_err("ipf/nothing/* = eof", "t.plan:1:1: unknown site 'ipf/nothing/*'", NULL);
  assert_err("ipf/io/* = spurious", "t.plan:1:12: ipf/io/* cannot carry out spurious", NULL);
  assert_err("ipf/* = short->spurious", "t.plan:1:1: no site matching ipf/* can carry out every action", NULL);
}

/* ---- runs with a test-local scenario ---- */

#define MAXCALLS 64
static int acts[MAXCALLS];
static long args[MAXCALLS];
static int ncalls = 20;
static void calls_body(void) {
  for (int i = 0; i < ncalls && i < MAXCALLS; i++) acts[i] = ipf_fault(IPF_SITE_UDS_RECV, &args[i]);
}
static const ipf_scenario calls_sc = { "test/fault-calls", IPF_EXPECT_OK, "", calls_body, 0, 0, NULL };

static ipf_result run_plan(const ipf_scenario *sc, const char *text, ipf_mode mode, uint64_t seed,
                           const char *schedule) {
  ipf_plan *p = parse_ok(text);
  ipf_config c;
  ipf_config_init(&c);
  c.mode = mode;
  c.seed = seed;
  c.plan = p;
  if (schedule) { c.strategy = IPF_STRAT_REPLAY; c.schedule = schedule; }
  ipf_result r;
  ipf_exec(sc, &c, &r);
  ipf_plan_free(p);
  return r;
}

Test(fault, counts_then_fallthrough_when_chain_has_counted_terms) {
  ncalls = 6;
  ipf_result r = run_plan(&calls_sc, "ipf/uds/recv = 2*off->1*error(EPIPE)->short(3)", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s", r.message);
  int want[] = { IPF_ACT_OFF, IPF_ACT_OFF, IPF_ACT_ERROR, IPF_ACT_SHORT, IPF_ACT_SHORT, IPF_ACT_SHORT };
  for (int i = 0; i < 6; i++) cr_assert_eq(acts[i], want[i], "call %d: action %d", i + 1, acts[i]);
  cr_assert_eq(args[2], EPIPE);
  cr_assert_eq(args[3], 3);
  long calls, fired;
  ipf_fault_stats(IPF_SITE_UDS_RECV, &calls, &fired);
  cr_assert_eq(calls, 6);
  cr_assert_eq(fired, 4);
  ipf_result_free(&r);
}

Test(fault, nothing_fires_when_every_term_is_used_up) {
  ncalls = 5;
  ipf_result r = run_plan(&calls_sc, "ipf/uds/recv = 1*off->1*eof", IPF_MODE_CONTROLLED, 1, NULL);
  int want[] = { IPF_ACT_OFF, IPF_ACT_EOF, IPF_ACT_OFF, IPF_ACT_OFF, IPF_ACT_OFF };
  for (int i = 0; i < 5; i++) cr_assert_eq(acts[i], want[i], "call %d: action %d", i + 1, acts[i]);
  ipf_result_free(&r);
}

Test(fault, missed_draw_falls_through_without_using_the_count_when_term_has_probability) {
  ncalls = 40;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    ipf_result r = run_plan(&calls_sc, "ipf/uds/recv = 50%2*eof->reset", IPF_MODE_CONTROLLED, seed, NULL);
    int eofs = 0, resets = 0;
    for (int i = 0; i < 40; i++) {
      eofs += acts[i] == IPF_ACT_EOF;
      resets += acts[i] == IPF_ACT_RESET;
    }
    /* every call is answered: the eof term twice (a draw that misses falls
     * through to reset and keeps the count), reset the rest */
    cr_assert_eq(eofs, 2, "seed %llu: %d eofs", (unsigned long long)seed, eofs);
    cr_assert_eq(resets, 38);
    ipf_result_free(&r);
  }
}

Test(fault, extremes_draw_nothing_when_probability_is_0_or_100) {
  ncalls = 10;
  ipf_result r = run_plan(&calls_sc, "ipf/uds/recv = 0%eof->100%reset", IPF_MODE_CONTROLLED, 1, NULL);
  for (int i = 0; i < 10; i++) cr_assert_eq(acts[i], IPF_ACT_RESET);
  /* no decision was recorded: the schedule body is empty */
  const char *body = strrchr(r.schedule, ':');
  cr_assert_str_eq(body, ":", "schedule %s", r.schedule);
  ipf_result_free(&r);
}

Test(fault, no_plan_outside_an_execution_when_run_is_over) {
  ncalls = 3;
  ipf_result r = run_plan(&calls_sc, "ipf/uds/recv = eof", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(acts[0], IPF_ACT_EOF);
  ipf_result_free(&r);
  long a = -1;
  cr_assert_eq(ipf_fault(IPF_SITE_UDS_RECV, &a), IPF_ACT_OFF);
  cr_assert_eq(a, 0);
  cr_assert_eq(ipf_fault(-1, NULL), IPF_ACT_OFF);
  cr_assert_eq(ipf_fault(IPF_SITE_COUNT, NULL), IPF_ACT_OFF);
}

/* ---- replay across threads ---- */

static int tacts[2][MAXCALLS];
static long targs[2][MAXCALLS];
static void faulting_thread(void *x) {
  int k = (int)(intptr_t)x;
  for (int i = 0; i < 16; i++) {
    tacts[k][i] = ipf_fault(k ? IPF_SITE_UDS_SEND : IPF_SITE_UDS_RECV, &targs[k][i]);
    if (tacts[k][i] == IPF_ACT_SHORT) targs[k][i] = (long)ipf_fault_short_len(targs[k][i], 100);
    ipf_yield();
  }
}
static void threads_body(void) {
  ipf_thread_t a, b;
  ipf_thread_create(&a, "recv", faulting_thread, (void *)0);
  ipf_thread_create(&b, "send", faulting_thread, (void *)1);
  ipf_thread_join(&a);
  ipf_thread_join(&b);
}
static const ipf_scenario threads_sc = { "test/fault-threads", IPF_EXPECT_OK, "", threads_body, 0, 0, NULL };

Test(fault, replay_reproduces_every_fault_decision_when_threads_share_sites) {
  const char *plan = "ipf/uds/recv = 30%short->20%eof\nipf/uds/send = 1*off->40%short->error(EPIPE)";
  int seen_short = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    ipf_result r = run_plan(&threads_sc, plan, IPF_MODE_CONTROLLED, seed, NULL);
    cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s", r.message);
    int a0[2][16];
    long g0[2][16];
    for (int k = 0; k < 2; k++) {
      memcpy(a0[k], tacts[k], sizeof a0[k]);
      memcpy(g0[k], targs[k], sizeof g0[k]);
    }
    for (int i = 0; i < 16; i++) seen_short += a0[0][i] == IPF_ACT_SHORT;
    for (int k = 0; k < 3; k++) {
      memset(tacts, 0xff, sizeof tacts);
      memset(targs, 0xff, sizeof targs);
      ipf_result q = run_plan(&threads_sc, plan, IPF_MODE_CONTROLLED, 999, r.schedule);
      cr_assert_eq(q.verdict, IPF_VERDICT_OK, "replay: %s", q.message);
      cr_assert_str_eq(q.schedule, r.schedule);
      for (int t = 0; t < 2; t++)
        for (int i = 0; i < 16; i++) {
          cr_assert_eq(tacts[t][i], a0[t][i], "seed %llu thread %d call %d: action differs in replay",
                       (unsigned long long)seed, t, i);
          cr_assert_eq(targs[t][i], g0[t][i], "seed %llu thread %d call %d: argument differs in replay",
                       (unsigned long long)seed, t, i);
        }
      ipf_result_free(&q);
    }
    ipf_result_free(&r);
  }
  cr_assert_gt(seen_short, 0);   /* the p% draws did fire somewhere */
}

Test(fault, schedule_refused_when_replayed_under_another_plan) {
  ipf_result r = run_plan(&threads_sc, "ipf/uds/recv = 30%short", IPF_MODE_CONTROLLED, 4, NULL);
  ipf_result q = run_plan(&threads_sc, "ipf/uds/recv = 31%short", IPF_MODE_CONTROLLED, 4, r.schedule);
  cr_assert_eq(q.verdict, IPF_VERDICT_ERROR);
  cr_assert(strstr(q.message, "another fault plan"), "%s", q.message);
  ipf_result_free(&q);
  /* the same plan written differently is the same plan */
  q = run_plan(&threads_sc, "# same\nipf/uds/recv=30%short()   ", IPF_MODE_CONTROLLED, 4, r.schedule);
  cr_assert_eq(q.verdict, IPF_VERDICT_OK, "%s", q.message);
  ipf_result_free(&q);
  ipf_result_free(&r);
}

/* ---- chaos mode: real threads, each count consumed exactly once ---- */

static void chaos_caller(void *x) {
  (void)x;
  for (int i = 0; i < 200; i++) ipf_fault(IPF_SITE_MQ_PUT, NULL);
}
static void chaos_body(void) {
  ipf_thread_t t[4];
  for (int i = 0; i < 4; i++) ipf_thread_create(&t[i], "caller", chaos_caller, NULL);
  for (int i = 0; i < 4; i++) ipf_thread_join(&t[i]);
}
static const ipf_scenario chaos_sc = { "test/fault-chaos", IPF_EXPECT_OK, "", chaos_body, 0, 0, NULL };

Test(fault, counts_are_exact_when_real_threads_race_in_chaos_mode) {
  for (int k = 0; k < 5; k++) {
    ipf_result r = run_plan(&chaos_sc, "ipf/mq/put = 100*off->7*error(EAGAIN)", IPF_MODE_CHAOS, (uint64_t)k + 1, NULL);
    cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s", r.message);
    long calls, fired;
    ipf_fault_stats(IPF_SITE_MQ_PUT, &calls, &fired);
    cr_assert_eq(calls, 800);
    cr_assert_eq(fired, 7);
    ipf_result_free(&r);
  }
}

/* ---- default plans ---- */

static void one_call_body(void) { acts[0] = ipf_fault(IPF_SITE_IO_READ, &args[0]); }
static const ipf_scenario default_sc = { "test/fault-default", IPF_EXPECT_OK, "", one_call_body, 0, 0,
                                         "# default\nipf/io/read = error(ENOSPC)\n" };
static const ipf_scenario broken_sc = { "test/fault-broken", IPF_EXPECT_OK, "", one_call_body, 0, 0,
                                        "ipf/io/read = error(ENOSPC)\nipf/io/read = 5*\n" };

Test(fault, scenario_default_plan_used_when_config_has_none) {
  ipf_config c;
  ipf_config_init(&c);
  ipf_result r;
  ipf_exec(&default_sc, &c, &r);
  cr_assert_eq(acts[0], IPF_ACT_ERROR);
  cr_assert_eq(args[0], ENOSPC);
  char why[256];
  cr_assert_eq(ipf_schedule_check(&default_sc, r.schedule, why, sizeof why), 0, "%s", why);
  ipf_result_free(&r);
  /* --plan none: an empty plan */
  ipf_plan *none = ipf_plan_new();
  c.plan = none;
  ipf_exec(&default_sc, &c, &r);
  cr_assert_eq(acts[0], IPF_ACT_OFF);
  cr_assert_neq(ipf_schedule_check(&default_sc, r.schedule, why, sizeof why), 0);
  ipf_result_free(&r);
  ipf_plan_free(none);
}

Test(fault, error_verdict_with_position_when_default_plan_is_malformed) {
  ipf_config c;
  ipf_config_init(&c);
  ipf_result r;
  cr_assert_eq(ipf_exec(&broken_sc, &c, &r), IPF_VERDICT_ERROR);
  cr_assert_str_eq(r.message, "test/fault-broken (default plan):2:17: expected an action (off, error, short, "
                              "eof, reset, epipe, eintr, delay, spurious, throw, crash), got end of line");
  ipf_result_free(&r);
}

/* ---- delays ---- */

static long t_before, t_after;
static void delay_body(void) {
  t_before = ipf_now_ms();
  acts[0] = ipf_fault(IPF_SITE_IO_WRITE, &args[0]);
  t_after = ipf_now_ms();
}
static const ipf_scenario delay_sc = { "test/fault-delay", IPF_EXPECT_OK, "", delay_body, 0, 0, NULL };

Test(fault, virtual_time_passes_when_delay_in_ms) {
  ipf_result r = run_plan(&delay_sc, "ipf/io/write = delay(250ms)", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s", r.message);
  cr_assert_eq(acts[0], IPF_ACT_DELAY);
  cr_assert_eq(args[0], -250);
  cr_assert_eq(t_after - t_before, 250);
  ipf_result_free(&r);
}

/* ---- short lengths ---- */

Test(fault, short_length_stays_within_the_transfer_when_clamped) {
  cr_assert_eq(ipf_fault_short_len(3, 10), 3);
  cr_assert_eq(ipf_fault_short_len(30, 10), 10);
  cr_assert_eq(ipf_fault_short_len(0, 1), 1);
  cr_assert_eq(ipf_fault_short_len(0, 10), 1);   /* outside a run the choice is 0 */
}

/* ---- the COND_WAIT site (compiled out with IPF_FAULTS off) ---- */
#ifdef IPF_FAULTS

static ipf_mutex_t cm;
static ipf_cond_t cc;
static int wait_rc, owned_after;
static void lonely_wait_body(void) {
  ipf_mutex_init(&cm, "m");
  ipf_cond_init(&cc, "c");
  ipf_mutex_lock(&cm);
  wait_rc = ipf_cond_wait(&cc, &cm);        /* nobody will ever signal */
  owned_after = ipf_mutex_trylock(&cm) == -EBUSY || cm.owner != 0;
  ipf_mutex_unlock(&cm);
}
static const ipf_scenario lonely_sc = { "test/fault-lonely", IPF_EXPECT_OK, "", lonely_wait_body, 0, 0, NULL };

Test(fault, wait_returns_without_signal_when_spurious) {
  ipf_result r = run_plan(&lonely_sc, "ipf/sync/cond_wait = spurious", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK, "%s", r.message);
  cr_assert_eq(wait_rc, 0);
  cr_assert(owned_after, "the mutex is held again after a spurious wakeup");
  ipf_result_free(&r);
  /* without the fault the same wait is a deadlock */
  r = run_plan(&lonely_sc, "", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_str_eq(r.kind, "deadlock", "%s", r.message);
  ipf_result_free(&r);
}
#endif

/* ---- libfiu ---- */

Test(fault, libfiu_not_asked_when_the_bridge_is_off) {
  cr_assert_eq(fiu_init(0), 0);
  cr_assert_eq(ipf_fiu_enabled(), 0, "the bridge is opt-in (IPCFAULT_FIU set in the test's environment?)");
  cr_assert_eq(fiu_enable("ipf/io/write", 1, NULL, 0), 0);
  long a;
  cr_assert_eq(ipf_fault(IPF_SITE_IO_WRITE, &a), IPF_ACT_OFF);
  /* inside a run, too, the plan alone decides */
  cr_assert_eq(fiu_enable("ipf/uds/recv", IPF_ACT_RESET, NULL, 0), 0);
  ncalls = 1;
  ipf_result r = run_plan(&calls_sc, "", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(acts[0], IPF_ACT_OFF);
  ipf_result_free(&r);
  fiu_disable("ipf/uds/recv");
  fiu_disable("ipf/io/write");
}

Test(fault, libfiu_decides_when_plan_says_nothing) {
  cr_assert_eq(fiu_init(0), 0);
  cr_assert_eq(ipf_fiu_enable(), 0);
  cr_assert(ipf_fiu_enabled());
  long a;
  cr_assert_eq(ipf_fault(IPF_SITE_IO_WRITE, &a), IPF_ACT_OFF);
  cr_assert_eq(fiu_enable("ipf/io/write", 1, NULL, 0), 0);
  cr_assert_eq(ipf_fault(IPF_SITE_IO_WRITE, &a), IPF_ACT_ERROR);        /* failnum 1: the site's default */
  cr_assert_eq(a, EIO);
  /* disable before enabling again: libfiu 1.1 leaks the name when an
   * enabled point is enabled anew */
  fiu_disable("ipf/io/write");
  cr_assert_eq(fiu_enable("ipf/io/write", -ECONNRESET, NULL, 0), 0);
  cr_assert_eq(ipf_fault(IPF_SITE_IO_WRITE, &a), IPF_ACT_ERROR);
  cr_assert_eq(a, ECONNRESET);
  fiu_disable("ipf/io/write");
  cr_assert_eq(fiu_enable("ipf/io/write", IPF_ACT_SHORT, (void *)(intptr_t)7, 0), 0);
  cr_assert_eq(ipf_fault(IPF_SITE_IO_WRITE, &a), IPF_ACT_SHORT);
  cr_assert_eq(a, 7);
  cr_assert_eq(fiu_enable("ipf/pool/*", 1, NULL, FIU_ONETIME), 0);
  cr_assert_eq(ipf_fault(IPF_SITE_POOL_TASK, &a), IPF_ACT_THROW);
  cr_assert_eq(ipf_fault(IPF_SITE_POOL_TASK, &a), IPF_ACT_OFF);        /* one time */
  /* inside a run the plan comes first; where it says nothing, libfiu */
  ncalls = 1;
  ipf_result r = run_plan(&calls_sc, "ipf/uds/recv = eof", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(acts[0], IPF_ACT_EOF);
  ipf_result_free(&r);
  cr_assert_eq(fiu_enable("ipf/uds/recv", IPF_ACT_RESET, NULL, 0), 0);
  r = run_plan(&calls_sc, "ipf/uds/recv = eof", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(acts[0], IPF_ACT_EOF);
  ipf_result_free(&r);
  r = run_plan(&calls_sc, "ipf/uds/recv = 1*off", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(acts[0], IPF_ACT_RESET);
  ipf_result_free(&r);
  fiu_disable("ipf/uds/recv");
  fiu_disable("ipf/io/write");
  cr_assert_eq(ipf_fault(IPF_SITE_IO_WRITE, &a), IPF_ACT_OFF);
}

/* ---- clean errors ---- */

static void clean_body(void) { ipf_clean_error("recv: %s", "connection reset"); ipf_clean_error("second"); }
static const ipf_scenario clean_sc = { "test/fault-clean", IPF_EXPECT_OK, "", clean_body, 0, 0, NULL };

Test(fault, first_clean_error_kept_when_reported_twice) {
  ipf_result r = run_plan(&clean_sc, "", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_eq(r.verdict, IPF_VERDICT_OK);
  cr_assert_str_eq(ipf_clean_error_text(), "recv: connection reset");
  ipf_result_free(&r);
  r = run_plan(&calls_sc, "", IPF_MODE_CONTROLLED, 1, NULL);
  cr_assert_null(ipf_clean_error_text());     /* reset per execution */
  ipf_result_free(&r);
}
