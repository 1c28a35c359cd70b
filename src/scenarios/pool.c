/* The pool family: pool.py's workload and its termination bugs.
 *
 * DESIGN. pool.py: ten workers over a task queue of capacity ten, fifteen
 * tasks that each sleep two (virtual) seconds, then wait_completion. Task 7
 * raises (ipf_task_throw), as the notes' tasks may; the default plan makes
 * any task throw now and then too. The reference then shuts the pool down,
 * checks that a late submit is refused, and reads the statistics.
 *
 * Oracles, after shutdown: every submitted task was run once; each one either
 * finished or was counted as failed; task 7 did not finish; no worker is
 * left; submit after shutdown is IPF_ESHUTDOWN. The bug variants end earlier:
 * in a deadlock (wait_completion) or with threads alive when main returns,
 * and the pool's story in the report says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/pool.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"

#define NWORKERS 10
#define CAPACITY 10
#define NTASKS 15
#define RAISES 7

static int finished[NTASKS + 1];   /* each written by the one worker that ran the task */

static int task(void *arg) {
  long i = (long)arg;
  ipf_sleep(2000);                 /* pool.py: time.sleep(2) */
  if (i == RAISES) ipf_task_throw(IPF_ETHROWN);
  finished[i]++;
  return 0;
}

/* Pools of the daemon variant stay reachable: their workers still use them
 * (and LeakSanitizer should not call that a leak). */
static ipf_pool_t *daemons[64];
static unsigned ndaemons;

static void body(void) {
  memset(finished, 0, sizeof finished);
  ipf_pool_t *p;
  int rc = ipf_pool_create(&p, NWORKERS, CAPACITY, 0, "pool");
  if (rc < 0) { ipf_fail("setup", "ipf_pool_create: %s", ipf_strerror(rc)); return; }
  int submitted = 0, raiser_in = 0;
  for (long i = 1; i <= NTASKS; i++) {
    rc = ipf_pool_submit(p, task, (void *)i);
    if (rc < 0) ipf_clean_error("submit of task %ld failed: %s", i, ipf_strerror(rc));
    else { submitted++; raiser_in |= i == RAISES; }
  }
  ipf_pool_wait_completion(p);
  if (IPF_BUG(IPF_BUG_POOL_DAEMON)) {
    /* BUG: pool.py's workers are daemon threads, never shut down or joined;
     * they die with the interpreter. C threads have no such notion: main
     * returns and they are still blocked in get. */
    daemons[ndaemons++ % 64] = p;
    return;
  }
  ipf_pool_shutdown(p);
  rc = ipf_pool_submit(p, task, (void *)0L);
  ipf_check(rc == IPF_ESHUTDOWN, "shutdown", "submit after shutdown returned %d (%s), not IPF_ESHUTDOWN", rc,
            ipf_strerror(rc));
  ipf_pool_stats_t s;
  ipf_pool_stats(p, &s);
  int done = 0;
  for (int i = 1; i <= NTASKS; i++) done += finished[i];
  ipf_check(s.workers_alive == 0, "workers", "%d workers still alive after shutdown", s.workers_alive);
  /* dropped: every worker gave up on failed gets (reported as a clean error) */
  ipf_check(s.run + s.dropped == (unsigned long)submitted, "lost", "%d tasks submitted, %lu run, %lu dropped",
            submitted, s.run, s.dropped);
  ipf_check((unsigned long)done + s.failed == s.run, "unreported",
            "%lu tasks run: %d finished and %lu counted as failed", s.run, done, s.failed);
  ipf_check(finished[RAISES] == 0 && (!raiser_in || s.dropped || (s.failed >= 1 && s.thrown >= 1)), "exception",
            "task %d raised, but the pool counts %lu failed, %lu thrown", RAISES, s.failed, s.thrown);
  for (int i = 1; i <= NTASKS; i++)
    ipf_check(finished[i] <= 1, "duplicate", "task %d finished %d times", i, finished[i]);
  ipf_pool_destroy(p);
}

#define PLAN "ipf/pool/task = 10%throw\nipf/sync/cond_wait = 20%spurious"

const ipf_scenario ipf__pool_scenarios[] = {
  { "pool/daemon-never-joined", IPF_EXPECT_BUG,
    "pool.py's daemon workers: never shut down or joined, threads still alive at the end",
    body, 0, IPF_BUG_POOL_DAEMON, PLAN },
  { "pool/no-finally", IPF_EXPECT_BUG,
    "a task raises, task_done is skipped: wait_completion hangs",
    body, 0, IPF_BUG_POOL_NO_FINALLY, PLAN },
  { "pool/worker-dies", IPF_EXPECT_BUG,
    "a task exception kills its worker before task_done: wait_completion hangs",
    body, 0, IPF_BUG_POOL_WORKER_DIES, PLAN },
  { "pool/graceful", IPF_EXPECT_OK,
    "exceptions caught and counted, task_done on every path, shutdown joins every worker, late submit rejected",
    body, 0, 0, PLAN },
};
const size_t ipf__pool_nscenarios = sizeof ipf__pool_scenarios / sizeof ipf__pool_scenarios[0];
