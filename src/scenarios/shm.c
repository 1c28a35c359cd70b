/* The shm family of scenarios: the workload of shared_memory.py and its oracles.
 *
 * DESIGN. Five slots start at -1 ("empty"); a producer writes value i for
 * i = 0..4 and a consumer reads slot 0..4 in order. Main starts the producer
 * first and the consumer second: in a plain run the producer has written all
 * five slots long before the consumer's first read, which is exactly why the
 * missing check of shm/no-check survives testing by hand (the original hid it
 * the other way round, with a half-second sleep). Oracles, after both threads
 * are joined: the empty marker was never taken as data, each value arrived
 * once and in order, and (shm/process) the shm object is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/mech.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"

#define NSLOTS 5

static ipf_shm_board_t *board;
static int got[NSLOTS];

static void producer(void *arg) {
  (void)arg;
  for (int i = 0; i < NSLOTS; i++) {
    int slot = i;
    if (IPF_BUG(IPF_BUG_SHM_OFF_BY_ONE))
      slot = (i - 1 + NSLOTS) % NSLOTS;   /* BUG: shared_memory.py wrote slot i-1 (Python's [-1] is the last) */
    ipf_shm_put(board, slot, i);
  }
}

static void consumer(void *arg) {
  (void)arg;
  for (int i = 0; i < NSLOTS; i++) {
    ipf_shm_get(board, i, &got[i]);
    ipf_note("took %d from slot[%d]", got[i], i);
  }
}

/* The oracles common to every shm scenario. */
static void check_delivery(const int *vals) {
  char seq[64] = "";
  for (int i = 0; i < NSLOTS; i++) {
    size_t o = strlen(seq);
    snprintf(seq + o, sizeof seq - o, "%s%d", i ? "," : "", vals[i]);
  }
  for (int i = 0; i < NSLOTS; i++) {
    if (vals[i] == IPF_SHM_EMPTY) {
      ipf_fail("empty-as-data", "the consumer read slot[%d] before the producer wrote it and took "
               "the empty marker -1 as data (consumer got %s, expected 0,1,2,3,4)", i, seq);
      return;
    }
  }
  for (int i = 0; i < NSLOTS; i++) {
    if (vals[i] != i) {
      ipf_fail("order", "slot[%d] held %d: values delivered out of order "
               "(consumer got %s, expected 0,1,2,3,4)", i, vals[i], seq);
      return;
    }
  }
}

static void run_threads(ipf_shm_kind kind) {
  memset(got, 0, sizeof got);
  int rc = ipf_shm_open(&board, kind, NSLOTS);
  if (rc < 0) { ipf_fail("setup", "ipf_shm_open: %s", strerror(-rc)); return; }
  ipf_thread_t p, c;
  ipf_thread_create(&p, "producer", producer, NULL);
  ipf_thread_create(&c, "consumer", consumer, NULL);
  ipf_thread_join(&p);
  ipf_thread_join(&c);
  ipf_shm_close(board);
  board = NULL;
  check_delivery(got);
}

static void body_spin(void) { run_threads(IPF_SHM_SPIN); }
static void body_condvar(void) { run_threads(IPF_SHM_CONDVAR); }

/* shm/process: the producer is main, the consumer a forked child (a managed
 * process: ipf_fork, ipf_exit) that hands what it read back through the same
 * shared board (slots NSLOTS..2*NSLOTS-1). shm/process-no-check is the same
 * with the consumer of shared_memory.py before its fix (mech/shm.c). */
static void body_process(void) {
  ipf_shm_board_t *b;
  int rc = ipf_shm_open(&b, IPF_SHM_PROCESS, 2 * NSLOTS);
  if (rc < 0) { ipf_fail("setup", "ipf_shm_open: %s", strerror(-rc)); return; }
  char name[64];
  snprintf(name, sizeof name, "%s", ipf_shm_name(b));
  pid_t pid = ipf_fork("consumer");
  if (pid < 0) {
    ipf_fail("setup", "fork: %s", strerror(errno));
    ipf_shm_close(b);
    return;
  }
  if (pid == 0) {
    for (int i = 0; i < NSLOTS; i++) {
      int v;
      ipf_shm_get(b, i, &v);
      ipf_note("took %d from slot[%d]", v, i);
      /* v is -1 only when the consumer took the empty marker as data; hand
       * it back as -2 so the parent's oracle sees it (put refuses -1) */
      ipf_shm_put(b, NSLOTS + i, v == IPF_SHM_EMPTY ? -2 : v);
    }
    ipf_shm_close(b);
    ipf_exit(0);
  }
  for (int i = 0; i < NSLOTS; i++) {
    ipf_shm_put(b, i, i);
    ipf_yield();
  }
  int status = 0;
  if (ipf_waitpid(pid, &status, 0) != pid) ipf_fail("child", "waitpid: %s", strerror(errno));
  int vals[NSLOTS];
  for (int i = 0; i < NSLOTS; i++) {
    ipf_shm_get(b, NSLOTS + i, &vals[i]);
    if (vals[i] == -2) vals[i] = IPF_SHM_EMPTY;
  }
  ipf_shm_close(b);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    ipf_fail("child", "the consumer process did not exit cleanly (status %d)", status);
  check_delivery(vals);
  int fd = shm_open(name, O_RDONLY, 0);
  if (fd >= 0) {
    close(fd);
    shm_unlink(name);
    ipf_fail("leak", "shm object %s still exists after the run", name);
  }
}

const ipf_scenario ipf__shm_scenarios[] = {
  { "shm/no-check", IPF_EXPECT_BUG,
    "shared_memory.py before its `continue` fix: the consumer takes -1 as data",
    body_spin, 0, IPF_BUG_SHM_NO_CHECK, NULL },
  { "shm/off-by-one", IPF_EXPECT_BUG,
    "the producer writes slot i-1: the consumer reads 1,2,3,4,0",
    body_spin, 0, IPF_BUG_SHM_OFF_BY_ONE, NULL },
  { "shm/continue-plain", IPF_EXPECT_TSAN,
    "the `continue` fix on plain ints: right under SC, a data race in C",
    body_spin, 0, IPF_BUG_SHM_PLAIN, NULL },
  { "shm/continue-atomic", IPF_EXPECT_OK,
    "the `continue` fix done right: C11 acquire/release, a spin that yields",
    body_spin, 0, 0, NULL },
  { "shm/condvar", IPF_EXPECT_OK,
    "blocking wait on a condition variable, no spinning",
    body_condvar, 0, 0, NULL },
  { "shm/process", IPF_EXPECT_OK,
    "POSIX shm_open + mmap(MAP_SHARED) between a parent and a forked child",
    body_process, IPF_SC_FDS | IPF_SC_FORKS, 0, NULL },
  { "shm/process-no-check", IPF_EXPECT_BUG,
    "shared_memory.py's unchecked consumer as a forked process over a MAP_SHARED mapping: it takes -1 as data",
    body_process, IPF_SC_FDS | IPF_SC_FORKS, IPF_BUG_SHM_NO_CHECK, NULL },
};
const size_t ipf__shm_nscenarios = sizeof ipf__shm_scenarios / sizeof ipf__shm_scenarios[0];
