/* Criterion tests of execution independence in one process (issue 12 items
 * 18, 19): an abandoned (deadlocked) execution gives its threads back to the
 * pool, and its fds, private directories and mechanism memory are released,
 * so that the thousandth execution starts from the state of the first. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/mq.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

static int count_dir(const char *path) {
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}
static int nthreads(void) { return count_dir("/proc/self/task"); }
static int nfds(void) { return count_dir("/proc/self/fd") - 1; }

static int run_many(const ipf_scenario *sc, const char *plan_text, int n, int *bugs) {
  ipf_plan *plan = NULL;
  char err[256];
  if (plan_text) cr_assert_eq(ipf_plan_parse(plan_text, "test", &plan, err, sizeof err), 0, "%s", err);
  *bugs = 0;
  for (int i = 0; i < n; i++) {
    ipf_config c;
    ipf_config_init(&c);
    c.seed = (uint64_t)i;
    c.plan = plan;
    ipf_result r;
    if (ipf_exec(sc, &c, &r) == IPF_VERDICT_BUG) ++*bugs;
    ipf_result_free(&r);
  }
  ipf_plan_free(plan);
  return 0;
}

/* ---- a deadlock with a pipe, a private directory and a queue open ---- */
static ipf_mutex_t m = IPF_MUTEX_INITIALIZER;
static int p[2];
static char dir[128];
static void stuck(void *x) {
  (void)x;
  char b[4];
  (void)ipf_read(p[0], b, sizeof b);   /* eof (the plan): the fd is swapped for a dead pipe end */
  ipf_mutex_lock(&m);                  /* held by main for ever: deadlock */
}
static void body(void) {
  ipf_mutex_init(&m, "m");
  cr_assert_eq(ipf_pipe(p), 0);
  cr_assert_eq(ipf_tmpdir(dir, sizeof dir), 0);
  ipf_queue_t *q;
  cr_assert_eq(ipf_queue_create(&q, 0, "q"), 0);
  ipf_mutex_lock(&m);
  ipf_thread_t t;
  ipf_thread_create(&t, "stuck", stuck, NULL);
  ipf_thread_join(&t);
}
static const ipf_scenario stuck_sc = { "test/stuck", IPF_EXPECT_BUG, "deadlock holding fds", body, 0, 0, NULL };

Test(reclaim, abandoned_threads_return_to_the_pool_when_executions_deadlock, .timeout = 60) {
  int bugs;
  run_many(&stuck_sc, NULL, 20, &bugs);
  int threads = nthreads(), fds = nfds();
  run_many(&stuck_sc, NULL, 2000, &bugs);
  cr_assert_eq(bugs, 2000);
  cr_assert_eq(nthreads(), threads, "threads %d -> %d: abandoned executions keep theirs", threads, nthreads());
  cr_assert_eq(nfds(), fds, "fds %d -> %d", fds, nfds());
}

Test(reclaim, fds_of_abandoned_executions_closed_when_a_fault_disconnected_them, .timeout = 60) {
  int bugs;
  run_many(&stuck_sc, "ipf/io/read = eof", 5, &bugs);
  int fds = nfds();
  run_many(&stuck_sc, "ipf/io/read = eof", 500, &bugs);
  cr_assert_eq(bugs, 500);
  cr_assert_eq(nfds(), fds, "fds %d -> %d: a disconnected fd of an abandoned execution leaks", fds, nfds());
}

Test(reclaim, private_directories_removed_when_executions_are_abandoned, .timeout = 60) {
  int bugs;
  run_many(&stuck_sc, NULL, 1, &bugs);
  char parent[128];
  snprintf(parent, sizeof parent, "%s", dir);
  *strrchr(parent, '/') = 0;
  cr_assert_eq(access(dir, F_OK), -1, "%s still exists after its execution", dir);
  run_many(&stuck_sc, NULL, 300, &bugs);
  cr_assert_eq(count_dir(parent), 0, "%s holds %d directories", parent, count_dir(parent));
}

/* ---- the catalog's deadlocks across processes ---- */
#include <errno.h>
#include <sys/wait.h>

/* Every process of an abandoned execution is killed and reaped by its end:
 * this one has no child left, not even a zombie. */
static int has_children(void) {
  return !(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

Test(reclaim, process_deadlocks_of_the_catalog_release_fds_queues_and_children, .timeout = 120) {
  const char *names[] = { "pipe/wait-before-drain", "pipe/child-keeps-write-end", "mq/posix-one-sentinel" };
  for (int i = 0; i < 3; i++) {
    const ipf_scenario *sc = ipf_scenario_find(names[i]);
    cr_assert_not_null(sc, "%s", names[i]);
    int bugs;
    /* no faults: every execution deadlocks; the run state's own fds exist after the first */
    run_many(sc, "", 2, &bugs);
    int fds = nfds(), threads = nthreads();
    run_many(sc, "", 100, &bugs);
    cr_assert_eq(bugs, 100, "%s: %d of 100 executions found the deadlock", names[i], bugs);
    cr_assert_eq(nfds(), fds, "%s: fds %d -> %d: an abandoned execution leaks its pipe or queue", names[i], fds,
                 nfds());
    cr_assert_eq(nthreads(), threads, "%s: threads %d -> %d", names[i], threads, nthreads());
    cr_assert(!has_children(), "%s: a process of an abandoned execution is left", names[i]);
  }
}
