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
 *
 * pool/process-workers: a pre-forked pool of worker processes (ipf_fork:
 * managed children), each fed over a pipe of its own and answering over
 * another, framed (ipf_pipe_send/recv). The parent keeps one task in flight
 * per worker. A worker "crashes" mid-task by exiting with status 70 (not by a
 * signal, which the run's process oracle would call a failure of its own):
 * task 2 always does on its first attempt, and the fault site ipf/pool/task
 * (crash or throw) may make any task do so; a worker whose pipe fails ends
 * with status 71 and is treated alike. The parent sees end of file on
 * the dead worker's answers, reaps it, forks a replacement and gives it the
 * task again, so every task is done exactly once; at the end it closes every
 * task pipe (each worker sees end of file and exits 0) and reaps them all.
 * Each worker closes the parent's ends of the pipes of the workers forked
 * before it, which it inherited: otherwise their task pipes would never see
 * end of file. pool/process-worker-unreaped is the same pool with the marked
 * lines of a pool that notices a dead worker but never waits for it (a
 * zombie at the end) nor gives its task to anyone (lost).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/pipe.h"
#include "ipcfault/pool.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"
#include "stream.h"

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

/* ---- pool/process-workers: a pre-forked pool of worker processes ---------------------- */

#define PNW 2              /* workers */
#define PNT 4              /* tasks 1..PNT */
#define PCRASH 2           /* this task crashes its worker on its first attempt */
#define CRASH_STATUS 70    /* how a worker that crashed mid-task ends */
#define BROKEN_STATUS 71   /* how a worker ends whose task or answer pipe failed */
#define PSPAWN_MAX 12      /* workers forked in one execution at most */

static const char *const pworker_names[PSPAWN_MAX] = {
  "worker-1", "worker-2", "worker-3", "worker-4", "worker-5", "worker-6",
  "worker-7", "worker-8", "worker-9", "worker-10", "worker-11", "worker-12" };

struct ptask { int id, attempt; };

static struct pworker {
  pid_t pid;       /* 0: none */
  int tfd, rfd;    /* the parent's ends: tasks out, answers in */
  int task;        /* in flight, 0 when idle */
  int attempt;
} pw[PNW];
static int pdone[PNT + 1];
static int nspawned;
static struct { long faults; } *pfaults;
static void *pfaults_cache;

/* The worker process: tasks until end of file. */
static __attribute__((noreturn)) void pool_worker(int tfd, int afd) {
  long begun = ipf__child_begin();
  int status = 0;
  for (;;) {
    struct ptask t;
    size_t len;
    int rc = ipf_pipe_recv(tfd, &t, sizeof t, &len);
    if (rc == -EINTR) continue;
    if (rc == 0) break;                           /* the pool closed our task pipe: shut down */
    if (rc < 0 || len != sizeof t) { status = BROKEN_STATUS; break; }
    long arg = 0;
    int act = IPF_FAULT(POOL_TASK, &arg);
    if ((t.id == PCRASH && t.attempt == 0) || act == IPF_ACT_CRASH || act == IPF_ACT_THROW) {
      ipf_note("crashes in task %d", t.id);
      if (act == IPF_ACT_CRASH || act == IPF_ACT_THROW) ipf__io_disrupted();   /* an injected failure */
      ipf__child_exit(begun, &pfaults->faults, CRASH_STATUS);   /* mid-task: no answer */
    }
    int answer[2] = { t.id, t.attempt };
    do rc = ipf_pipe_send(afd, answer, sizeof answer); while (rc == -EINTR);
    if (rc < 0) { status = BROKEN_STATUS; break; }
  }
  ipf_close(tfd);
  ipf_close(afd);
  ipf__child_exit(begun, &pfaults->faults, status);
}

/* Fork worker k (a first one or a replacement). 0 or a negative errno. */
static int spawn(int k) {
  if (nspawned >= PSPAWN_MAX) return -EAGAIN;
  int t[2], a[2], rc;
  if ((rc = ipf_pipe(t)) < 0) return rc;
  if ((rc = ipf_pipe(a)) < 0) { ipf_close(t[0]); ipf_close(t[1]); return rc; }
  pid_t pid = ipf_fork(pworker_names[nspawned]);
  if (pid == 0) {
    for (int j = 0; j < PNW; j++)
      if (j != k && pw[j].pid > 0) { ipf_close(pw[j].tfd); ipf_close(pw[j].rfd); }
    ipf_close(t[1]);
    ipf_close(a[0]);
    pool_worker(t[0], a[1]);
  }
  int e = errno;
  ipf_close(t[0]);
  ipf_close(a[1]);
  if (pid < 0) { ipf_close(t[1]); ipf_close(a[0]); return -e; }
  nspawned++;
  pw[k] = (struct pworker){ .pid = pid, .tfd = t[1], .rfd = a[0] };
  return 0;
}

static int dispatch(int k, int id, int attempt) {
  struct ptask t = { id, attempt };
  int rc;
  do rc = ipf_pipe_send(pw[k].tfd, &t, sizeof t); while (rc == -EINTR);
  if (rc == 0) { pw[k].task = id; pw[k].attempt = attempt; }
  return rc;
}

/* Close the pool's ends of worker k's pipes and reap it. */
static int retire(int k, int *status) {
  ipf_close(pw[k].tfd);
  ipf_close(pw[k].rfd);
  *status = 0;
  pid_t r = ipf_waitpid(pw[k].pid, status, 0);
  pw[k].pid = 0;
  pw[k].task = 0;
  return r > 0 ? 0 : -1;
}

static void body_process(void) {
  ipf__ignore_sigpipe();
  ipf__io_disruptions_reset();
  pfaults = ipf__shared_scratch(&pfaults_cache, sizeof *pfaults);
  if (!pfaults) { ipf_fail("setup", "mmap: %s", strerror(errno)); return; }
  pfaults->faults = 0;
  memset(pw, 0, sizeof pw);
  memset(pdone, 0, sizeof pdone);
  nspawned = 0;
  char broken[160] = "";      /* an error that ended the pool early, if any */
  char late[160] = "";        /* an error a worker reported at shutdown */
  int rc, next = 1, crashes = 0;
  pid_t unreaped = 0;
  for (int k = 0; k < PNW && !*broken; k++)
    if ((rc = spawn(k)) < 0) snprintf(broken, sizeof broken, "fork of a worker: %s", ipf_strerror(rc));
  for (int k = 0; k < PNW && !*broken && next <= PNT; k++)
    if ((rc = dispatch(k, next++, 0)) < 0) snprintf(broken, sizeof broken, "dispatch: %s", ipf_strerror(rc));
  while (!*broken) {
    int busy = 0;
    for (int k = 0; k < PNW && !*broken; k++) {
      if (pw[k].task == 0) continue;
      busy = 1;
      int answer[2];
      size_t len;
      rc = ipf_pipe_recv(pw[k].rfd, answer, sizeof answer, &len);
      if (rc == -EINTR) continue;
      if (rc == 1 && len == sizeof answer && answer[0] == pw[k].task) {
        pdone[answer[0]]++;
        pw[k].task = 0;
        if (next <= PNT && (rc = dispatch(k, next++, 0)) < 0)
          snprintf(broken, sizeof broken, "dispatch: %s", ipf_strerror(rc));
        continue;
      }
      if (rc != 0) {   /* not a worker's death: a broken stream (an injected fault) */
        snprintf(broken, sizeof broken, "answer of worker pid %ld: %s", (long)pw[k].pid,
                 ipf_strerror(rc < 0 ? rc : IPF_EFRAME));
        break;
      }
      /* End of file: the worker died mid-task. */
      int lost = pw[k].task, attempt = pw[k].attempt, status;
      crashes++;
      if (IPF_BUG(IPF_BUG_POOL_UNREAPED)) {
        /* BUG: the pool sees its worker gone and forgets it: never waits for
         * it (a zombie until the pool itself ends) and gives its task to
         * nobody (lost). */
        ipf_close(pw[k].tfd);
        ipf_close(pw[k].rfd);
        unreaped = pw[k].pid;
        pw[k].pid = 0;
        pw[k].task = 0;
        continue;
      }
      pid_t pid = pw[k].pid;
      if (retire(k, &status) < 0) { ipf_fail("child", "waitpid of a worker: %s", strerror(errno)); return; }
      /* a crash, or a worker whose pipe failed (it says so by its status) */
      if (!WIFEXITED(status) || (WEXITSTATUS(status) != CRASH_STATUS && WEXITSTATUS(status) != BROKEN_STATUS))
        ipf_fail("child", "worker pid %ld ended with wait status %d mid-task, neither the crash status %d nor "
                 "the broken-pipe status %d", (long)pid, status, CRASH_STATUS, BROKEN_STATUS);
      ipf_note("reaped crashed worker pid %ld, task %d goes to a new worker", (long)pid, lost);
      if ((rc = spawn(k)) < 0) snprintf(broken, sizeof broken, "fork of a replacement: %s", ipf_strerror(rc));
      else if ((rc = dispatch(k, lost, attempt + 1)) < 0)
        snprintf(broken, sizeof broken, "dispatch: %s", ipf_strerror(rc));
    }
    if (!busy) break;
  }
  /* Shut down: every worker sees end of file on its task pipe and exits 0. */
  int bad_exit = 0;
  for (int k = 0; k < PNW; k++) {
    if (pw[k].pid <= 0) continue;
    pid_t pid = pw[k].pid;
    int status;
    if (retire(k, &status) < 0) { ipf_fail("child", "waitpid of a worker: %s", strerror(errno)); continue; }
    if (WIFEXITED(status) && WEXITSTATUS(status) == BROKEN_STATUS) {
      /* an idle worker whose task pipe failed: it said so, and nothing was lost */
      if (!*late) snprintf(late, sizeof late, "worker pid %ld: its task pipe failed", (long)pid);
    } else if (!*broken && (!WIFEXITED(status) || WEXITSTATUS(status) != 0) && !bad_exit++) {
      ipf_fail("child", "worker pid %ld ended with wait status %d at shutdown", (long)pid, status);
    }
  }
  ipf__children_collect(&pfaults->faults);
  if (*broken || *late) {
    if (ipf__io_disruptions() == 0)
      ipf_fail("unexplained-error", "no fault was injected, yet: %s", *broken ? broken : late);
    else
      ipf_clean_error("the pool %s: %s", *broken ? "stopped" : "lost a worker", *broken ? broken : late);
    if (*broken) return;     /* tasks may be left undone: it said so */
  }
  for (int i = 1; i <= PNT; i++) {
    if (pdone[i] == 0 && unreaped)
      ipf_fail("lost", "task %d was never done: its worker (pid %ld) died mid-task and the pool neither "
               "reaped nor replaced it", i, (long)unreaped);
    ipf_check(pdone[i] > 0, "lost", "task %d was never done (%d worker crashes)", i, crashes);
    ipf_check(pdone[i] <= 1, "duplicate", "task %d was done %d times", i, pdone[i]);
  }
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
  { "pool/process-workers", IPF_EXPECT_OK,
    "a pre-forked pool of worker processes; a crashed worker is reaped and replaced, every task done once",
    body_process, IPF_SC_FDS | IPF_SC_FORKS, 0, "ipf/pool/task = 10%crash" },
  { "pool/process-worker-unreaped", IPF_EXPECT_BUG,
    "the same pool never reaps a crashed worker: a zombie at the end and its task lost",
    body_process, IPF_SC_FDS | IPF_SC_FORKS, IPF_BUG_POOL_UNREAPED, "ipf/pool/task = 10%crash" },
};
const size_t ipf__pool_nscenarios = sizeof ipf__pool_scenarios / sizeof ipf__pool_scenarios[0];
