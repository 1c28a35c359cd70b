/* Schedule-and-fault fuzzing: one harness per scenario family (built once
 * per family with IPF_FUZZ_FAMILY, e.g. fuzz_sched_mq for "mq").
 *
 * DESIGN. The input is the choice stream (IPF_STRAT_BYTES): every decision
 * of the execution — which thread runs, whether a fault of the scenario's
 * default plan fires, how short a read is — is the next input byte modulo
 * its number of options, and 0 once the input is used up. The scenario is
 * picked by the first byte (modulo the number of the family's scenarios),
 * and that byte is also the first byte of the stream: the whole file is the
 * stream, so a crashing input replays as it is with
 *     ipcfault replay SCENARIO --bytes FILE
 * which also prints its schedule string. IPF_FUZZ_SCENARIO=name pins one
 * scenario (then the first byte only feeds the stream); IPF_FUZZ_EXPECT=ok
 * keeps to the family's ok scenarios (fuzz-smoke and the corpus replay:
 * the reference mechanisms must survive every schedule and fault).
 *
 * What aborts, so that the engine records the input:
 *  - a bug verdict on a scenario expected ok (a reference mechanism broke);
 *  - a bug verdict on a scenario expected bug: finding it is the point;
 *  - an error verdict (the kit failed), and any crash or sanitizer report.
 * Scenarios expected `tsan` are data races the kit's own race detector
 * reports (src/rt): a finding, as for bug scenarios.
 *
 * Not a finding: a hang (step bound) after the input ran out. Past its end
 * the stream is all zeros (the bytes strategy's rule, which campaign
 * shrinking relies on), and zero means "the lowest-numbered thread runs"
 * and "every p% fault fires" — an unfair schedule with an endless fault
 * storm (an EINTR on every write), under which retrying forever is the
 * correct behaviour, not a bug. Deadlocks, oracle failures, leaks and
 * threads left alive count whatever the stream. The step bound is
 * IPF_FUZZ_MAX_STEPS (3000 here, ten times the longest ok execution of the
 * catalog), not 100000, so that such storms cost milliseconds; the replay
 * line repeats it. Before aborting, the harness prints the scenario, the verdict
 * and the replay command on stderr, and how many executions it ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ipcfault/run.h"

#ifndef IPF_FUZZ_FAMILY
#error "build with -DIPF_FUZZ_FAMILY=\"family\""
#endif

static const ipf_scenario *scen[64];
static size_t nscen;
static long executions;
static long max_steps = 3000;
/* the decisions taken, to tell whether the input ran out */
static uint32_t mirror[1u << 16];
static volatile size_t mirror_len;

static void pick_scenarios(void) {
  const char *pin = getenv("IPF_FUZZ_SCENARIO");
  const char *exp = getenv("IPF_FUZZ_EXPECT");
  int only_ok = exp && !strcmp(exp, "ok");
#ifdef IPF_FUZZ_DEFAULT_EXPECT_OK
  if (!exp) only_ok = 1;         /* .clusterfuzzlite/build.sh: no environment there */
#endif
  size_t n;
  const ipf_scenario *all = ipf_scenarios(&n);
  size_t fl = strlen(IPF_FUZZ_FAMILY);
  for (size_t i = 0; i < n && nscen < 64; i++) {
    const ipf_scenario *sc = &all[i];
    if (pin) {
      if (!strcmp(sc->name, pin)) scen[nscen++] = sc;
      continue;
    }
    if (strncmp(sc->name, IPF_FUZZ_FAMILY, fl) || sc->name[fl] != '/') continue;
    if (only_ok && sc->expect != IPF_EXPECT_OK) continue;
    scen[nscen++] = sc;
  }
  if (!nscen) {
    fprintf(stderr, "fuzz_sched_%s: no scenario (IPF_FUZZ_SCENARIO=%s)\n", IPF_FUZZ_FAMILY, pin ? pin : "");
    exit(2);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  pick_scenarios();
  const char *ms = getenv("IPF_FUZZ_MAX_STEPS");
  if (ms && atol(ms) > 0) max_steps = atol(ms);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!nscen) pick_scenarios();
  if (size == 0) return 0;
  const ipf_scenario *sc = scen[data[0] % nscen];
  ipf_config cfg;
  ipf_config_init(&cfg);
  cfg.strategy = IPF_STRAT_BYTES;
  cfg.bytes = data;
  cfg.nbytes = size;
  cfg.max_steps = max_steps;
  cfg.mirror = mirror;
  cfg.mirror_cap = sizeof mirror / sizeof *mirror;
  cfg.mirror_len = &mirror_len;
  if (ipf_fuzz_ilv_enabled()) {
    cfg.on_switch = ipf_fuzz_on_switch;
    ipf_fuzz_ilv_reset();
  }
  ipf_result r;
  int v = ipf_exec(sc, &cfg, &r);
  executions++;
  if (v == IPF_VERDICT_BUG && !strcmp(r.kind, "hang") && mirror_len > size) v = IPF_VERDICT_OK;
  if (v != IPF_VERDICT_OK) {
    const char *exp = sc->expect == IPF_EXPECT_BUG ? "bug" : sc->expect == IPF_EXPECT_OK ? "ok" : "tsan";
    fprintf(stderr, "\nipf-fuzz: %s %s in %s (expected %s) after %ld executions: %s\n"
            "ipf-fuzz: replay: ipcfault replay %s --max-steps %ld --bytes INPUT\n"
            "ipf-fuzz: schedule: %s\n",
            v == IPF_VERDICT_BUG ? "BUG" : "ERROR", r.kind, sc->name, exp, executions, r.message,
            sc->name, max_steps, r.schedule ? r.schedule : "?");
    fflush(stderr);
    abort();
  }
  ipf_result_free(&r);
  return 0;
}
