/* exec mode: running an unmodified pthread program under the scheduler.
 * Shared by the pthread emulation (src/sched/pthread.c), the forkserver
 * (src/sched/exec_main.c), the LD_PRELOAD interposers (src/preload) and the
 * command (src/cli/exec.c). Not installed.
 *
 * Protocol between `ipcfault exec` and the program (AFL-style forkserver):
 * the command starts PROGRAM once with LD_PRELOAD and these fds open:
 *   IPF_EXEC_CTL_FD  command -> program: 4 bytes "run one execution"
 *   IPF_EXEC_ST_FD   program -> command: hello word, then per execution the
 *                    child's pid and its wait status (4 bytes each)
 *   IPF_EXEC_SHM_FD  a memfd holding struct ipf_exec_shm (request, decision
 *                    mirror, result), mapped shared by both
 *   IPF_EXEC_ERR_FD  a memfd that becomes each execution's stderr
 *   IPF_EXEC_DFS_FD  --strategy dfs only: the command's search state (dfs.c's
 *                    arena, a memfd), which the forkserver maps at the
 *                    command's address (dfs_base): each execution takes its
 *                    decisions on the command's search stack
 * and IPF_EXEC=1 in the environment. At the start of main the program
 * becomes the forkserver: it forks one child per request; the child runs
 * main under ipf_exec (main on a managed thread, the initial thread the
 * unmanaged controller) and exits as the program does, or, when the
 * scheduler ends the run (deadlock, hang, replay mismatch), the controller
 * writes the verdict into the shared page and exits. Every decision is
 * mirrored into the page as it is taken, so a crash still leaves the
 * schedule behind.
 */
#ifndef IPCFAULT_SCHED_EXEC_H
#define IPCFAULT_SCHED_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "ipcfault/fault.h"
#include "ipcfault/run.h"

#define IPF_EXEC_DFS_FD 195            /* --strategy dfs: the search's state (dfs.c's arena) */
#define IPF_EXEC_ERR_FD 196
#define IPF_EXEC_SHM_FD 197
#define IPF_EXEC_CTL_FD 198
#define IPF_EXEC_ST_FD 199
#define IPF_EXEC_MAGIC 0x49504678u      /* "IPFx" */
#define IPF_EXEC_MIRROR_CAP (1u << 22)
#define IPF_EXEC_SCHED_CAP (1u << 24)
#define IPF_EXEC_OUTSIDE_CAP 160
#define IPF_EXEC_TRACE_CAP (1u << 16)   /* events of --trace/--html kept (the last ones) */

/* The fault sites an execution under exec can reach: the interposed I/O
 * calls (src/preload: read/readv, write/writev, recv, send, accept, connect,
 * close, pipe), condition waits (pthread_cond_wait is ipf_cond_wait) and
 * every scheduling point. A plan naming any other site is refused. */
#define IPF_EXEC_SITES(X) X(IO_READ) X(IO_WRITE) X(IO_RECV) X(IO_SEND) X(IO_ACCEPT) X(IO_CONNECT) \
  X(IO_CLOSE) X(IO_PIPE) X(COND_WAIT) X(SCHED_POINT)

struct ipf_exec_shm {
  uint32_t magic;
  /* request, written by the command before each execution */
  int strategy;                 /* ipf_strategy */
  int pct_depth;
  uint64_t seed;
  long pct_steps, max_steps;
  char name[512];               /* the "scenario" name: part of the schedule hash */
  char plan[65536];             /* fault plan text ("" = none) */
  int trace;                    /* record the interleaving into the trace fields */
  int show_output;              /* leave stdout/stderr as the command's */
  /* result, written by the execution */
  long steps;                   /* scheduling points of the program's calls */
  int reported;                 /* the controller wrote verdict/kind/message */
  int verdict;
  char kind[32];
  char message[4096];
  long fcalls[IPF_SITE_COUNT];  /* per fault site: calls and faults fired, */
  long ffired[IPF_SITE_COUNT];  /* when the execution ended where the kit saw it */
  int fstats;                   /* the two above were written */
  /* --trace/--html: the execution's threads and events, written when it
   * ends (scheduler verdict, exit, a fatal signal) */
  int tnthreads;
  char tnames[64][32];
  size_t tnev, tfirst;          /* events kept; index of the first one */
  ipf_event tev[IPF_EXEC_TRACE_CAP];
  long timeout_ms;              /* request: the wall-clock bound (--timeout), 0 = none */
  volatile int inexact;         /* result: IPF_INEXACT_* (not exactly replayable) */
  char outside[IPF_EXEC_OUTSIDE_CAP];            /* result: the first process started outside the run ("posix_spawn /bin/sh") */
  int wall_cut;                 /* result: the execution ended itself at the --timeout bound */
  void *dfs_base;               /* --strategy dfs: where the search's state is mapped (IPF_EXEC_DFS_FD) */
  size_t dfs_size;
  volatile size_t mlen;
  uint32_t mirror[IPF_EXEC_MIRROR_CAP];
  char schedule[IPF_EXEC_SCHED_CAP];   /* replay: the schedule string */
};

/* ---- the pthread emulation (src/sched/pthread.c) --------------------------
 * Controlled-mode implementations over the emulated primitives. They return
 * what the pthread function would (0 or a positive errno); callers make sure
 * the calling thread is managed (ipf__world() == IPF_WORLD_CONTROLLED). Real
 * objects are the program's memory and are never written (except
 * pthread_once_t, marked done); their emulated state lives in a side table
 * keyed by address, created on first use, so static initializers work. */
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

/* Nonzero while the calling thread is inside the kit on behalf of an
 * interposed call: the kit's own pthread and I/O calls then go to libc. */
extern __thread int ipf__pt_guard __attribute__((tls_model("initial-exec")));
/* Counts the program's sync calls of this execution (NULL: not counting). */
extern long *ipf__exec_stepc;
/* Where to name the first process the program started outside the run
 * (ipf_exec_shm.outside; NULL: not asked). */
extern char *ipf__exec_outside;

int ipf__pt_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int ipf__pt_join(pthread_t t, void **ret);
int ipf__pt_detach(pthread_t t);
__attribute__((noreturn)) void ipf__pt_exit(void *ret);
int ipf__pt_once(pthread_once_t *o, void (*fn)(void));

int ipf__pt_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int ipf__pt_mutex_destroy(pthread_mutex_t *m);
/* abs: absolute CLOCK_REALTIME deadline (timedlock) or NULL; try: trylock */
int ipf__pt_mutex_lock(pthread_mutex_t *m, const struct timespec *abs, int try, const void *pc);
int ipf__pt_mutex_unlock(pthread_mutex_t *m);

int ipf__pt_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int ipf__pt_cond_destroy(pthread_cond_t *c);
int ipf__pt_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abs, const void *pc);
int ipf__pt_cond_wake(pthread_cond_t *c, int all);

int ipf__pt_rwlock_init(pthread_rwlock_t *r);
int ipf__pt_rwlock_destroy(pthread_rwlock_t *r);
int ipf__pt_rwlock_lock(pthread_rwlock_t *r, int write, const struct timespec *abs, int try, const void *pc);
int ipf__pt_rwlock_unlock(pthread_rwlock_t *r);

int ipf__pt_barrier_init(pthread_barrier_t *b, unsigned count);
int ipf__pt_barrier_destroy(pthread_barrier_t *b);
int ipf__pt_barrier_wait(pthread_barrier_t *b);

int ipf__pt_spin_init(pthread_spinlock_t *s);
int ipf__pt_spin_lock(pthread_spinlock_t *s, int try, const void *pc);
int ipf__pt_spin_unlock(pthread_spinlock_t *s);

/* Semaphores return 0 or -errno (the callers set errno, return -1). */
int ipf__pt_sem_init(sem_t *s, unsigned value);
int ipf__pt_sem_destroy(sem_t *s);
int ipf__pt_sem_wait(sem_t *s, const struct timespec *abs, int try);
int ipf__pt_sem_post(sem_t *s);
int ipf__pt_sem_getvalue(sem_t *s, int *v);

void ipf__pt_yield(void);
/* Virtual sleep of ns nanoseconds (a scheduling point even when 0). */
void ipf__pt_sleep_ns(long long ns);

/* The execution's main thread: run main(argc, argv, envp) on it and exit
 * as the program would; pthread_exit from main waits for the other threads
 * and then exits 0. */
typedef int (*ipf_main_fn)(int, char **, char **);
__attribute__((noreturn)) void ipf__pt_run_main(ipf_main_fn m, int argc, char **argv, char **envp);

/* ---- the forkserver (src/sched/exec_main.c) ------------------------------- */
/* Run main: as the forkserver when started by `ipcfault exec` (does not
 * return then), else plainly. */
int ipf__exec_main(ipf_main_fn m, int argc, char **argv, char **envp);
/* Nonzero in an execution child: the interposers emulate. */
extern int ipf__exec_active;
/* The root process ends the execution with _exit (no atexit handlers):
 * what its exit() would do for the run (the run's other processes killed
 * and reaped, the process oracles' verdict, fault counts and trace
 * published). */
void ipf__exec_program_exit(void);

/* ---- symbols: now in names.h (src/rt/symbolize.c) ------------------------- */
#include "names.h"

#endif
