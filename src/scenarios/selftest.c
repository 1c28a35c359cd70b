/* The selftest scenarios: that break the process itself, for testing that a
 * campaign survives them. Listed only when IPF_SELFTEST=1 is set in the
 * environment (src/scenarios/registry.c), so they never pollute the catalog.
 *
 * selftest/segfault: a reader dereferences a pointer that a second thread
 * clears; in the interleavings where the clear comes first, SIGSEGV.
 * selftest/wall-hang: in half the executions (a decision of the stream) main
 * blocks in a real read(2) on a pipe nobody writes, outside the scheduler's
 * sight: only a wall-clock watchdog can catch it.
 */
#include <unistd.h>

#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"

static int target = 42;
static int *volatile shared_ptr;

static void clearer(void *arg) { (void)arg; ipf_store(&shared_ptr, (int *)0); }
static void reader(void *arg) {
  (void)arg;
  int *p = ipf_load(&shared_ptr);
  ipf_note("read %d", *p);              /* NULL when the clearer ran first */
}

static void body_segfault(void) {
  shared_ptr = &target;
  ipf_thread_t a, b;
  ipf_thread_create(&a, "clearer", clearer, NULL);
  ipf_thread_create(&b, "reader", reader, NULL);
  ipf_thread_join(&a);
  ipf_thread_join(&b);
}

static void body_wall_hang(void) {
  if (ipf_choose(2) == 0) return;
  int p[2];
  if (pipe(p) == 0) {
    char c;
    ssize_t n = read(p[0], &c, 1);      /* blocks for ever: the write end is ours */
    (void)n;
    close(p[0]);
    close(p[1]);
  }
}

const ipf_scenario ipf__selftest_scenarios[] = {
  { "selftest/segfault", IPF_EXPECT_BUG, "a NULL dereference in some interleavings (campaign self-test)",
    body_segfault, 0, 0, NULL },
  { "selftest/wall-hang", IPF_EXPECT_BUG, "a real blocking read outside the scheduler (campaign self-test)",
    body_wall_hang, 0, 0, NULL },
};
const size_t ipf__selftest_nscenarios = sizeof ipf__selftest_scenarios / sizeof ipf__selftest_scenarios[0];
