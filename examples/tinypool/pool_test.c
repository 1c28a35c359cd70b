/* The outside project's test binary: scenarios over tinypool, whose source
 * is not changed and includes no ipcfault header. Linked with
 * ipcfault::ipcfault_main, its pthread calls are scheduling points of every
 * execution (link-time interposition), so explore searches the library's
 * own interleavings:  ./pool_test explore tinypool/wait
 * Built against the bug variant of the library (-DTINYPOOL_BUG), the
 * scenario expects the bug; against the reference, a clean run. */
#include <ipcfault/run.h>
#include <ipcfault/sched.h>

#include "tinypool.h"

#ifdef TINYPOOL_BUG
#define EXPECT IPF_EXPECT_BUG
#else
#define EXPECT IPF_EXPECT_OK
#endif

static int ran[3];

static void task(void *arg) { *(int *)arg += 1; }

IPF_SCENARIO(tp_wait_sc, "tinypool/wait", EXPECT, "two workers and a detached task; tp_wait sees all three done") {
  for (int i = 0; i < 3; i++) ran[i] = 0;
  tp_pool *p = tp_create(2);
  ipf_check(p != NULL, "create", "tp_create failed");
  tp_submit(p, task, &ran[0]);
  tp_submit(p, task, &ran[1]);
  tp_submit_detached(p, task, &ran[2]);
  tp_wait(p);
  ipf_check(tp_tasks_run(p) == 3, "lost-task", "tp_wait returned after %ld of 3 tasks", tp_tasks_run(p));
  ipf_check(ran[0] == 1 && ran[1] == 1 && ran[2] == 1, "lost-task", "a task did not run exactly once");
  ipf_check(tp_high_water(p) >= 1, "stats", "high-water mark %d", tp_high_water(p));
  ipf_check(tp_pools_made() == 1, "once", "pthread_once setup ran %d times in one execution", tp_pools_made());
  tp_destroy(p);
}
