/* The catalog contract, in-process: every name of CATALOG.md exists with its
 * expected verdict; bug scenarios are found with pct and random for seeds
 * 1..3 within 1,000 executions and replay to the same verdict; ok scenarios
 * stay clean; tsan scenarios are invisible to an interleaving-only check
 * (their race is the TSan gate's). ../shared/acceptance/catalog runs the same
 * contract through the CLI with larger budgets. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "ipcfault/run.h"

#include "verdict.h"

static const struct { const char *name; ipf_expect expect; } contract[] = {
  { "shm/no-check", IPF_EXPECT_BUG }, { "shm/off-by-one", IPF_EXPECT_BUG },
  { "shm/continue-plain", IPF_EXPECT_TSAN }, { "shm/continue-atomic", IPF_EXPECT_OK },
  { "shm/condvar", IPF_EXPECT_OK }, { "shm/process", IPF_EXPECT_OK },
  { "shm/process-no-check", IPF_EXPECT_BUG },
  { "pipe/one-read-one-message", IPF_EXPECT_BUG }, { "pipe/unclosed-write-end", IPF_EXPECT_BUG },
  { "pipe/framed", IPF_EXPECT_OK }, { "pipe/fork-framed", IPF_EXPECT_OK },
  { "pipe/wait-before-drain", IPF_EXPECT_BUG }, { "pipe/child-keeps-write-end", IPF_EXPECT_BUG },
  { "pipe/reader-exits-early", IPF_EXPECT_BUG },
  { "fifo/open-order-deadlock", IPF_EXPECT_BUG }, { "fifo/early-eof", IPF_EXPECT_BUG },
  { "fifo/framed", IPF_EXPECT_OK }, { "fifo/unrelated-processes", IPF_EXPECT_OK },
  { "mq/one-sentinel-many-consumers", IPF_EXPECT_BUG }, { "mq/if-not-while", IPF_EXPECT_BUG },
  { "mq/empty-then-get", IPF_EXPECT_BUG }, { "mq/task-done-skipped", IPF_EXPECT_BUG },
  { "mq/sentinel", IPF_EXPECT_OK }, { "mq/bounded", IPF_EXPECT_OK }, { "mq/posix", IPF_EXPECT_OK },
  { "mq/posix-one-sentinel", IPF_EXPECT_BUG }, { "mq/posix-sentinel-per-consumer", IPF_EXPECT_OK },
  { "uds/sleep-startup", IPF_EXPECT_BUG }, { "uds/recv-is-message", IPF_EXPECT_BUG },
  { "uds/truncated-frame-accepted", IPF_EXPECT_BUG }, { "uds/framed", IPF_EXPECT_OK },
  { "uds/seqpacket", IPF_EXPECT_OK },
  { "pool/daemon-never-joined", IPF_EXPECT_BUG }, { "pool/no-finally", IPF_EXPECT_BUG },
  { "pool/worker-dies", IPF_EXPECT_BUG }, { "pool/graceful", IPF_EXPECT_OK },
  { "pool/process-workers", IPF_EXPECT_OK }, { "pool/process-worker-unreaped", IPF_EXPECT_BUG },
};

ParameterizedTestParameters(catalog, verdict) {
  size_t n;
  ipf_scenarios(&n);
  /* indexes into the table; the table is rebuilt in each test process */
  static size_t idx[256];
  for (size_t i = 0; i < n && i < 256; i++) idx[i] = i;
  return cr_make_param_array(size_t, idx, n);
}

ParameterizedTest(size_t *i, catalog, verdict, .timeout = 300) {
  size_t n;
  const ipf_scenario *sc = &ipf_scenarios(&n)[*i];
  cr_log_info("scenario %s", sc->name);
  ipf_strategy strats[] = { IPF_STRAT_PCT, IPF_STRAT_RANDOM };
  for (int s = 0; s < 2; s++) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
      ipf_config c;
      ipf_config_init(&c);
      c.strategy = strats[s];
      c.seed = seed;
      ipf_result r;
      long execs;
      /* tsan: the kit's own race detector (src/rt) sees it, the catalog's
       * shm code being built instrumented; it must be a data race */
      int found = sc->expect == IPF_EXPECT_BUG || sc->expect == IPF_EXPECT_TSAN;
      long runs = found ? 1000 : 300;
      int v = ipf_explore(sc, &c, runs, &r, &execs);
      if (found) {
        cr_assert_eq(v, IPF_VERDICT_BUG, "%s not found by strategy %d seed %lu in %ld executions",
                     sc->name, s, (unsigned long)seed, execs);
        if (sc->expect == IPF_EXPECT_TSAN)
          cr_assert_str_eq(r.kind, "data-race", "%s found as %s, not as a data race: %s", sc->name, r.kind, r.message);
        replays_as_kind(sc, r.schedule, 5, r.kind);
      } else {
        cr_assert_eq(v, IPF_VERDICT_OK, "%s (expected ok) got %s with strategy %d seed %lu: %s", sc->name,
                     r.kind, s, (unsigned long)seed, r.message);
      }
      ipf_result_free(&r);
      if (!found) break;   /* one seed per strategy suffices for ok here */
    }
  }
}

Test(catalog, every_contract_name_present_with_its_verdict) {
  for (size_t i = 0; i < sizeof contract / sizeof contract[0]; i++) {
    const ipf_scenario *sc = ipf_scenario_find(contract[i].name);
    cr_expect_not_null(sc, "scenario %s missing", contract[i].name);
    if (sc) cr_expect_eq(sc->expect, contract[i].expect, "%s has the wrong expected verdict", contract[i].name);
  }
}

/* The reader-child pipe scenarios are bug lines off a reference that has no
 * catalog name of its own (a reader and a writer process, the parent reaping
 * both): with the bug bits off it must be clean, or the variants' verdicts
 * would prove nothing. */
Test(catalog, reader_child_pipe_reference_clean_when_bug_lines_off, .timeout = 120) {
  const ipf_scenario *v = ipf_scenario_find("pipe/child-keeps-write-end");
  cr_assert_not_null(v);
  ipf_scenario ref = *v;
  ref.name = "pipe/reader-child-reference";
  ref.expect = IPF_EXPECT_OK;
  ref.bugs = 0;
  ipf_strategy strats[] = { IPF_STRAT_PCT, IPF_STRAT_RANDOM };
  for (int s = 0; s < 2; s++) {
    ipf_config c;
    ipf_config_init(&c);
    c.strategy = strats[s];
    ipf_result r;
    long execs;
    int verdict = ipf_explore(&ref, &c, 300, &r, &execs);
    cr_assert_eq(verdict, IPF_VERDICT_OK, "reference got %s (strategy %d): %s", r.kind, s, r.message);
    ipf_result_free(&r);
  }
}
