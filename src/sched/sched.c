/* The controlled scheduler: managed threads, handoff, choice stream, deadlock
 * and hang detection, virtual time.
 *
 * DESIGN. Managed threads are real pthreads taken from a pool of parked
 * workers that outlives executions (creating a pthread costs ~30 us; taking a
 * parked one costs one futex wake). Exactly one managed thread runs at a time:
 * the token is R.cur, and each worker sleeps on its own futex word `go`, so a
 * handoff wakes exactly one thread. All workers are pinned to one CPU, where a
 * futex handoff costs a few microseconds instead of a cross-CPU wake-up.
 *
 * A blocked thread is never parked inside the kernel on a real lock: it
 * records what it waits for (mutex, condition, semaphore, join, sleep, fd or a
 * predicate) and the scheduler evaluates that predicate when it chooses the
 * next thread. So "nobody can run" is a fact the scheduler sees: a deadlock,
 * reported with who waits on what. Sleeps and timed waits use virtual time:
 * it advances when no thread can run, or when the choice stream lets the
 * earliest timed wait on a sync object time out while others still run
 * (timeout_now), always to that deadline, so time stays monotonic and a
 * shorter deadline never fires after a longer one.
 *
 * Fairness: PCT's fixed priorities can starve the one thread that would end
 * another's polling loop; past a bound of 4k + 1000 steps (k: PCT's step
 * estimate) PCT schedules round-robin. A thread that runs without taking any
 * point (a spin on a plain flag) is preempted by the stall watchdog
 * (watchdog.c, ipf__stall_at) and sits out STALL_WINDOW points of the
 * others; a livelock is every runnable thread stalled blind.
 *
 * Every decision with more than one option (which thread runs, which waiter a
 * signal wakes, whether a fault fires) is drawn through one function and
 * recorded; the record, printed, is the schedule string, and replaying it
 * makes the same decisions in the same order. Decisions with one option are
 * not recorded, so the string stays short and replay re-derives them.
 *
 * ThreadSanitizer: this directory is compiled without TSan instrumentation
 * (CMakeLists.txt), so the handoff and the scheduler's own bookkeeping are
 * invisible to it and add no happens-before edge; the emulated primitives
 * announce exactly the edges a real mutex, semaphore, create or join gives
 * (IPF_HB_*). A race in the program under test therefore stays a race under
 * the scheduler. Because TSan does not see this code, it may use ordinary
 * acquire/release atomics for its own correctness.
 *
 * The controller (the thread that calls ipf_exec) is not managed: it starts
 * "main" on a worker and sleeps until the run ends. Threads left blocked by a
 * deadlock or hang are abandoned; once the run is over the controller
 * reclaims them one at a time (reclaim): it wakes each with `unwind` set, and
 * the thread siglongjmps from wherever it waits for the token back to the
 * jmp_buf of its worker_main, which returns it to the pool. Without that,
 * every deadlocked execution kept its threads and stacks, and a long
 * exploration or fuzzing run in one process ran out of memory.
 * What an unwound thread may still hold: it waits only at a scheduling point
 * (a token handoff in switch_to, park_forever or the pool's wait), so it
 * holds none of the scheduler's state and none of the fault or io layers'
 * (lock-free, see their DESIGN paragraphs). The frames skipped are the code
 * under test's: an emulated mutex it owned stays owned (execution memory,
 * re-initialised by the next execution), its fds are closed by io.c
 * (ipf__io_reap), its private directories removed (ipf__io_exec_end), its
 * mallocs are lost (small), and the thread-local state of the kit (task
 * catch frames, the fault layer's re-entry guard) is reset here. A real
 * libc lock the code under test held across a point (stdio in exec mode,
 * whose write is interposed) stays held, exactly as it did when the thread
 * was parked for good; exec mode ends its process after the execution.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>

#include "exec.h"
#include "internal.h"
#include "dfs.h"
#include "names.h"
#include "../fault/internal.h"
#include "names.h"

void (*ipf__before_report)(void);

enum { W_IDLE, W_RUNNABLE, W_BLOCKED, W_FINISHED };

typedef struct worker {
  _Atomic uint32_t go;        /* futex word: 1 = this worker holds the token */
  pthread_t pt;
  int id;                     /* id in the current run */
  int state;
  ipf_thread_fn fn;
  void *arg;
  char name[32];
  int wait_kind;
  const void *wait_obj;
  long wait_arg;
  long deadline;              /* virtual ms, -1 = none */
  int (*pred)(const void *);
  int signalled;
  const char *wait_reason;
  const char *last_what;      /* last operation, for hang reports */
  const void *last_obj;
  int yielded;
  ipf__op pending;            /* the operation announced at its last point (point.h) */
  long prio;                  /* PCT priority */
  int detached;               /* pthread_detach'ed (exec.h): main's return waits for it */
  /* stall watchdog (watchdog.c): preempted without a point, at stall_pc */
  int stalled;
  long stall_ord;             /* ordinary points of the run when it was */
  int from_stall;             /* it runs on from a stall preemption, not from a point */
  long blind;                 /* progress epoch of a stall with nothing done since the last one, or -1 */
  uintptr_t stall_pc;
  uint64_t stall_regs;        /* hash of the registers there, but the PC and flags */
  long nstalls;
  struct worker *next_free;
  sigjmp_buf home;            /* worker_main's loop: where reclaim unwinds to */
  _Atomic int unwind;         /* set by the controller: leave the abandoned execution */
  /* processes (see "Processes" below) */
  pid_t pid;                  /* the process it is a thread of */
  int proc;                   /* its index in R.procs */
  long q_epoch;               /* R.xepoch when its owner last evaluated its wait ... */
  int q_result;               /* ... and the answer */
  _Atomic uint32_t *q_reply;  /* a query's asker waits here */
  char desc[400];             /* its report line, written by its own process when asked */
  uintptr_t image;            /* the program image its pointers (last_what, wait_reason) belong to */
} worker;

#define MAX_NAMES 64
#define IPF_MAX_PROCS 64
enum { P_NONE, P_RUNNING, P_EXITED, P_LEFT, P_REAPED };
struct proc {
  pid_t pid;
  int parent;                 /* index of the parent process, -1 for the run's root */
  int state;                  /* P_* */
  int status;                 /* waitpid's form, once P_EXITED */
  int leaving;                /* IPF_LEAVE_* asked by its last thread, for the controller */
  int first;                  /* id of its first thread */
  char name[24];
  char what[64];              /* what it exec'd (P_LEFT) */
};
struct run {
  int active;                 /* a controlled run is in progress */
  int main_done;              /* main returned; detached threads still run */
  const ipf_scenario *sc;
  ipf_config cfg;
  worker **t;                 /* the run's threads, R.n of them (grown as needed) */
  int n, tcap;
  long steps;
  long preemptions;
  long vnow;
  uint64_t rng;
  /* PCT */
  long pct_change[16];
  int pct_nchange;
  long pct_fair_after;        /* steps of priority scheduling before fair round-robin */
  /* RR */
  int rr_quantum, rr_left;
  /* decisions: recorded, and the replayed stream */
  uint32_t *dec; size_t ndec, deccap;
  uint32_t *rep; size_t nrep, rpos;
  size_t bpos;
  /* verdict */
  int ended;
  int verdict;
  char kind[32];
  char msg[2048];
  int want_report;            /* append who waits on what, in the controller */
  _Atomic uint32_t done;
  /* trace */
  ipf_event *ev; size_t nev, evcap;
  struct { const volatile void *addr; unsigned long size, elem; const char *name; } names[MAX_NAMES];
  int nnames;
  /* processes */
  struct proc procs[IPF_MAX_PROCS];
  int nprocs;
  int leaving_proc;           /* the process whose leaving the controller takes over */
  long xepoch;                /* bumped by every step that may change what a wait in another process sees */
  _Atomic uint32_t ctl_reply; /* the controller's reply word for queries */
  pid_t root_pid;
  char scname[64];            /* the scenario's name (a peer image finds it by name) */
  unsigned bugs;
  /* other layers' shared state (ipf__shared_get), carved from this mapping */
  void *mod[8];
  size_t modused;
};
/* The run's state lives in a MAP_SHARED mapping (state_map) made before
 * the first fork of any run, so every process of a run sees one R; until a
 * process runs its first controlled execution it reads this zeroed one. */
static struct run R_boot, *Rp = &R_boot;
#define R (*Rp)

static __thread worker *self;
static pid_t my_pid;                /* getpid() of this process, kept current across forks */
/* This program image: a worker's string pointers are this image's when its
 * tag is this (a fork keeps the image, an exec (peer) makes another). */
static const char image_tag;
#define MY_IMAGE ((uintptr_t)&image_tag)
static int subreaper_set;
/* Chaos runs: the processes they fork, so that a run that hangs (its
 * threads are left behind by the chaos watchdog) leaves none of them. */
#define CHAOS_PROCS 256
static pid_t chaos_pids[CHAOS_PROCS];
static int nchaos_pids;


/* Chaos and plain runs: real threads. 1 = chaos (random delays), 2 = plain. */
static __thread int chaos_kind;
static __thread uint64_t chaos_rng;
static __thread int chaos_id;
static __thread char chaos_name[32];
static pthread_mutex_t chaos_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  int active;
  _Atomic int next_id;
  _Atomic uint32_t done;
  uint64_t seed;
  int kind;
  pid_t root;                 /* the process that runs the chaos execution */
} C;

/* Per-decision scratch arrays of R.tcap entries (pick, cond_wake): only the
 * thread holding the token uses them. */
static worker **scratch_c, **scratch_d;   /* in the shared state */

/* The stall watchdog's view of the run (kept out of R): who holds the token
 * (read by the controller), how many steps were watchdog preemptions (the
 * others are "ordinary" points), whether a preemption made the execution
 * inexact, and the livelocked thread. */
struct wd_view {
  _Atomic(worker *) running;
  long wd_steps;
  long progress;              /* stalls that ended a stretch begun at a point (or start) */
  int inexact;
  worker *livelock;
};
static struct wd_view S_boot, *Sp = &S_boot;
#define S (*Sp)
/* A stalled thread sits out this many ordinary points of the others before
 * it is a candidate again (it stalls anew if its partner is not done). */
#define STALL_WINDOW 64

static worker *free_workers;
static int pool_cpu = -1;
/* Stack size of new workers. exec mode (src/sched/pthread.c) raises it to
 * the 8 MiB a program's own threads and main would get. */
size_t ipf__worker_stack = 1u << 20;
unsigned ipf__bugs;

/* ---- futex ------------------------------------------------------------- */

/* Shared futexes (no FUTEX_PRIVATE_FLAG): the words live in the shared
 * state, and a handoff may cross processes. */
static void futex_wait(_Atomic uint32_t *w, uint32_t val, const struct timespec *ts) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val, ts, NULL, 0);
}
static void futex_wake(_Atomic uint32_t *w) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, 1, NULL, NULL, 0);
}
static __attribute__((noreturn)) void unwind_home(worker *w) { siglongjmp(w->home, 1); }
static void answer(worker *w, uint32_t q);
/* go: 0 = wait, 1 = the token, 2 = a query (does your wait hold?), 3 = a
 * report query (write your line): answered here, by the owning process. */
static void wait_go(worker *w) {
  for (;;) {
    uint32_t g = atomic_load_explicit(&w->go, memory_order_acquire);
    if (g == 1) break;
    if (g >= 2) { answer(w, g); continue; }
    futex_wait(&w->go, 0, NULL);
  }
  if (__builtin_expect(atomic_load_explicit(&w->unwind, memory_order_relaxed), 0)) unwind_home(w);
}
/* Hand the token to next and sleep until it comes back. */
static void switch_to(worker *me, worker *next) {
  if (next == me) return;
  /* An edge from this thread to the controller only (it acquires every
   * worker after the run): a thread abandoned in a deadlock still publishes
   * what it did before the controller reads the run's state. No other
   * thread acquires it, so no edge between the program's threads appears. */
  IPF_TSAN_ONLY_RELEASE(&me->pt);    /* a sync object of its own: not the create/join one */
  atomic_store_explicit(&S.running, next, memory_order_relaxed);
  atomic_store_explicit(&me->go, 0, memory_order_relaxed);
  atomic_store_explicit(&next->go, 1, memory_order_release);
  futex_wake(&next->go);
  wait_go(me);
}
/* Park for good: this thread's execution was abandoned (deadlock, hang). */
static __attribute__((noreturn)) void park_forever(worker *me) {
  /* go was cleared before the run ended; clearing it here could lose the
   * controller's reclaim wake-up, which may already have come */
  for (;;) wait_go(me);              /* returns only by reclaim's unwind */
}

/* ---- the pool ------------------------------------------------------------ */

static void thread_finish(worker *w);
static void signal_controller(_Atomic uint32_t *done);

static _Atomic uint32_t reclaimed;   /* futex word: the unwound worker is home */

static void *worker_main(void *p) {
  self = p;
  ipf__wd_thread_start();             /* the stall signal, whatever its creator's mask */
  if (sigsetjmp(((worker *)p)->home, 1)) {
    /* Back from an abandoned execution (reclaim): forget its thread-local
     * state, tell the controller, and wait in the pool like any worker. */
    worker *w = self;
    ipf__catch_reset();
    ipf__fault_thread_reset();
    atomic_store_explicit(&w->unwind, 0, memory_order_relaxed);
    atomic_store_explicit(&w->go, 0, memory_order_relaxed);
    signal_controller(&reclaimed);
  }
  for (;;) {
    worker *w = self;
    wait_go(w);
    IPF_HB_ACQUIRE(w);                /* the creator's writes before create */
    ipf__pt_guard = 0;                /* the thread's function is the program's code,
                                         whatever this worker ran before (exec.h) */
    ipf__caller_pc = 0;               /* a reclaimed worker left its last call site */
    w->fn(w->arg);
    /* self, not w: in a forked child this thread is the child's first
     * thread, on a worker of its own, and its function's return is the
     * process's exit (ipf_fork) */
    if (self->proc != 0 && self->id == R.procs[self->proc].first) ipf_exit(0);
    thread_finish(self);
  }
  return NULL;
}

static worker *new_slot(void);
static void slot_free(worker *w);
static worker *get_worker(void) {
  worker *w = free_workers;
  if (w) { free_workers = w->next_free; return w; }
  w = new_slot();
  if (!w) return NULL;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, ipf__worker_stack);
  if (pool_cpu < 0) { pool_cpu = sched_getcpu(); if (pool_cpu < 0) pool_cpu = 0; }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(pool_cpu, &set);
  pthread_attr_setaffinity_np(&a, sizeof set, &set);
  int rc = pthread_create(&w->pt, &a, worker_main, w);
  pthread_attr_destroy(&a);
  if (rc) { slot_free(w); errno = rc; return NULL; }
  return w;
}

/* Make room for one more thread of the run: R.t and the scratch arrays grow
 * together (doubling), so a run's thread count is bounded by IPF_MAX_THREADS
 * only. 0 or -ENOMEM. */
static int room_for_thread(void) {
  return R.n < R.tcap ? 0 : -ENOMEM;
}

/* ---- the shared state ------------------------------------------------------
 * One MAP_SHARED | MAP_NORESERVE mapping per process that runs controlled
 * executions, made at its first one (before any fork of a run), holding R,
 * S, the thread tables, the decision record, the trace and the worker
 * slots. Pages cost memory only once touched. A process forked outside a
 * run (a campaign's cell, exec mode's execution) inherits its parent's
 * mapping, which is the parent's: it makes its own at its first execution
 * (state_pid tells), and forgets the parent's parked workers, whose
 * threads it does not have. */
#define DEC_CAP (8u << 20)
#define EV_CAP (1u << 20)
#define SLOT_CAP 16384
#define BYTES_CAP (1u << 20)
#define MOD_CAP (2u << 20)
static pid_t state_pid;
static int state_fd = -1;           /* a memfd: a peer image (ipf_exec_peer) maps the same */
static char *state_base;
static size_t state_size;
static int guest;                   /* this image was exec'd into a run (ipf_exec_peer) */
static worker *slots;               /* SLOT_CAP worker slots */
static struct { unsigned next; worker *spare; } *slot_pool;   /* shared: slots without a thread */
static uint32_t *rep_sh;            /* the replayed stream, in the shared state */
static uint8_t *bytes_sh;           /* the bytes strategy's input, likewise */
static char *mod_area;

static size_t state_total(void) {
  size_t run = (sizeof(struct run) + 4095) & ~(size_t)4095;
  size_t tab = (size_t)IPF_MAX_THREADS * sizeof(worker *);
  return run + 4096 + 3 * tab + 2 * (size_t)DEC_CAP * 4 + (size_t)EV_CAP * sizeof(ipf_event) +
         (size_t)SLOT_CAP * sizeof(worker) + BYTES_CAP + MOD_CAP;
}

/* Point this process's views at the mapping m (made here or inherited by
 * a peer image at the same address). */
static void state_views(char *m, int fresh) {
  size_t run = (sizeof(struct run) + 4095) & ~(size_t)4095;
  size_t tab = (size_t)IPF_MAX_THREADS * sizeof(worker *);
  Rp = (struct run *)m;
  m += run;
  Sp = (struct wd_view *)m;
  slot_pool = (void *)(m + 2048);
  m += 4096;
  if (fresh) R.t = (worker **)m;
  m += tab;
  scratch_c = (worker **)m; m += tab;
  scratch_d = (worker **)m; m += tab;
  if (fresh) { R.tcap = IPF_MAX_THREADS; R.dec = (uint32_t *)m; R.deccap = DEC_CAP; }
  m += (size_t)DEC_CAP * 4;
  rep_sh = (uint32_t *)m; m += (size_t)DEC_CAP * 4;
  if (fresh) { R.ev = (ipf_event *)m; R.evcap = EV_CAP; }
  m += (size_t)EV_CAP * sizeof(ipf_event);
  slots = (worker *)m; m += (size_t)SLOT_CAP * sizeof(worker);
  bytes_sh = (uint8_t *)m; m += BYTES_CAP;
  mod_area = m;
}

void *ipf__shared_map(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* Another layer's shared state, by key: carved once from this process's
 * run state, and found again by a peer image. *created says which. */
void *ipf__shared_get(int key, size_t bytes, int *created) {
  *created = 0;
  if (state_pid != getpid() || key < 0 || key >= 8) return NULL;
  if (R.mod[key]) return R.mod[key];
  bytes = (bytes + 63) & ~(size_t)63;
  if (R.modused + bytes > MOD_CAP) return NULL;
  R.mod[key] = mod_area + R.modused;
  R.modused += bytes;
  *created = 1;
  return R.mod[key];
}

static int state_map(void) {
  if (state_pid == getpid()) return 0;
  if (state_base) {
    /* a forked copy's inheritance: the parent's, not ours */
    munmap(state_base, state_size);
    if (state_fd >= 0) close(state_fd);
    state_base = NULL;
    state_fd = -1;
  }
  size_t total = state_total();
  int fd = memfd_create("ipcfault-run", MFD_CLOEXEC);
  if (fd < 0) return -errno;
  if (ftruncate(fd, (off_t)total) < 0) { int e = errno; close(fd); errno = e; return -e; }
  /* Away from where a fresh image's loader, heap and stack go (a PIE at
   * 0x55..., libraries and stack near the top): a peer image must find the
   * range free to map the state at the same address. Inside ThreadSanitizer's
   * application range in its builds. Only a hint: taken, the kernel picks. */
#ifdef IPF_TSAN
  void *hint = (void *)0x7e8100000000ull;
#else
  void *hint = (void *)0x3f0000000000ull;
#endif
  char *m = mmap(hint, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (m == MAP_FAILED) { int e = errno; close(fd); errno = e; return -e; }
  state_fd = fd;
  state_base = m;
  state_size = total;
  state_views(m, 1);
  free_workers = NULL;                /* a forked copy's pool: not its threads */
  state_pid = my_pid = getpid();
  return 0;
}

static worker *new_slot(void) {
  worker *w = slot_pool->spare;
  if (w) slot_pool->spare = w->next_free;
  else if (slot_pool->next < SLOT_CAP) w = &slots[slot_pool->next++];
  else { errno = EAGAIN; return NULL; }
  memset(w, 0, sizeof *w);
  return w;
}
static void slot_free(worker *w) {
  w->next_free = slot_pool->spare;
  slot_pool->spare = w;
}

/* ---- run state helpers --------------------------------------------------- */

unsigned long ipf__exec_gen;

int ipf__world(void) {
  if (self && R.active) return IPF_WORLD_CONTROLLED;
  if (chaos_kind) return IPF_WORLD_CHAOS;
  return IPF_WORLD_PLAIN;
}

const ipf_scenario *ipf__scenario(void) {
  if (!R.active) return NULL;
  return guest ? ipf_scenario_find(R.scname) : R.sc;   /* another image's pointer means nothing here */
}

const char *ipf__thread_name_by_id(int id) {
  return (id >= 0 && id < R.n) ? R.t[id]->name : "?";
}
int ipf__tid_of_owner(int owner) { return owner - 1; }

int ipf_thread_self(void) {
  if (ipf__world() == IPF_WORLD_CONTROLLED) return self->id;
  return chaos_kind ? chaos_id : 0;
}
const char *ipf_thread_name(void) {
  if (ipf__world() == IPF_WORLD_CONTROLLED) return self->name;
  return chaos_kind ? chaos_name : "main";
}

static void set_verdict(int verdict, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_verdict(int verdict, const char *kind, const char *fmt, ...) {
  if (R.verdict != IPF_VERDICT_OK) return;      /* the first failure wins */
  R.verdict = verdict;
  snprintf(R.kind, sizeof R.kind, "%s", kind);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(R.msg, sizeof R.msg, fmt, ap);
  va_end(ap);
}

static void signal_controller(_Atomic uint32_t *done) {
  atomic_store_explicit(done, 1, memory_order_release);
  futex_wake(done);
}

/* ---- names and trace -------------------------------------------------------- */

void ipf_name(const volatile void *addr, unsigned long size, unsigned long elem, const char *name) {
  /* the table is the run's, its pointers this image's: a peer image keeps
   * its names to itself (not at all, for now) */
  if (!R.active || R.nnames >= MAX_NAMES || guest) return;
  R.names[R.nnames].addr = addr;
  R.names[R.nnames].size = size ? size : 1;
  R.names[R.nnames].elem = elem;
  R.names[R.nnames].name = name;
  R.nnames++;
}

const char *ipf__range_name(const void *addr, char *buf, size_t len) {
  if (guest) return NULL;
  const char *a = addr;
  for (int i = 0; i < R.nnames; i++) {
    const char *b = (const char *)R.names[i].addr;
    if (a >= b && a < b + R.names[i].size) {
      if (R.names[i].elem) snprintf(buf, len, "%s[%lu]", R.names[i].name, (unsigned long)(a - b) / R.names[i].elem);
      else snprintf(buf, len, "%s", R.names[i].name);
      return buf;
    }
  }
  return NULL;
}

/* Kept for callers of internal.h: the full answer of names.h. */
const char *ipf__addr_name(const void *addr, char *buf, unsigned long len) {
  return ipf__name_addr(addr, buf, len);
}

int ipf__tracing(void) { return R.active && R.cfg.trace && self; }

static void vtrace(const char *fmt, va_list ap) {
  if (R.nev == R.evcap) return;       /* EV_CAP events: the rest of a huge trace is dropped */
  ipf_event *e = &R.ev[R.nev++];
  e->step = R.steps;
  e->tid = self->id;
  vsnprintf(e->text, sizeof e->text, fmt, ap);
}

void ipf__trace(const char *fmt, ...) {
  if (!ipf__tracing()) return;
  va_list ap;
  va_start(ap, fmt);
  vtrace(fmt, ap);
  va_end(ap);
}

void ipf_note(const char *fmt, ...) {
  if (!ipf__tracing()) return;
  va_list ap;
  va_start(ap, fmt);
  vtrace(fmt, ap);
  va_end(ap);
}

void ipf_set_wait_reason(const char *why) {
  if (ipf__world() == IPF_WORLD_CONTROLLED) self->wait_reason = why;
}

/* ---- the choice stream ------------------------------------------------------ */

static __attribute__((noreturn)) void abort_run(worker *me, int verdict, const char *kind, const char *msg);
static void record(uint32_t v) {
  if (R.ndec == R.deccap)
    abort_run(self, IPF_VERDICT_ERROR, "error", "the decision record is full (8M decisions): "
              "lower --max-steps");
  R.dec[R.ndec++] = v;
  if (R.cfg.mirror && !guest && R.ndec <= R.cfg.mirror_cap) {
    /* from where the mirror stopped: a peer image has no mirror (it is
     * this image's memory), so its decisions are copied here */
    for (size_t i = *R.cfg.mirror_len; i < R.ndec; i++) R.cfg.mirror[i] = R.dec[i];
    *R.cfg.mirror_len = R.ndec;
  }
}

/* Next replayed decision; a stream that does not fit ends the run with an
 * error verdict (the schedule is not this scenario's, or was edited). */
static uint32_t replay_next(worker *me, unsigned n) {
  if (R.rpos >= R.nrep) {
    abort_run(me, IPF_VERDICT_ERROR, "error",
              "schedule ended early: it does not match this scenario (or its fault plan)");
  }
  uint32_t v = R.rep[R.rpos++];
  if (v >= n) {
    char m[160];
    snprintf(m, sizeof m, "schedule decision %zu is %u, but only %u options exist here: "
             "it does not match this scenario", R.rpos, v, n);
    abort_run(me, IPF_VERDICT_ERROR, "error", m);
  }
  return v;
}

static uint32_t draw(worker *me, unsigned n) {
  uint32_t v;
  switch (R.cfg.strategy) {
  case IPF_STRAT_REPLAY: v = replay_next(me, n); break;
  case IPF_STRAT_RR: v = 0; break;
  case IPF_STRAT_DFS: v = ipf__dfs_value(n); break;
  case IPF_STRAT_BYTES:
    v = R.bpos < R.cfg.nbytes ? R.cfg.bytes[R.bpos++] % n : 0;
    break;
  default: v = (uint32_t)(ipf__mix(&R.rng) % n); break;
  }
  record(v);
  return v;
}

/* Does a p% fault fire (0 < pct < 100)? One recorded decision of 100
 * options, so that every strategy's schedule replays alike; dfs decides it
 * as a yes/no (0 fires, 99 does not). */
int ipf__fault_hit(unsigned pct) {
  if (ipf__world() == IPF_WORLD_CONTROLLED && R.cfg.strategy == IPF_STRAT_DFS) {
    uint32_t v = ipf__dfs_fault() ? 0 : 99;
    record(v);
    return v < pct;
  }
  return ipf_choose(100) < pct;
}

unsigned ipf_choose(unsigned n) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED:
    if (n <= 1) return 0;
    return draw(self, n);
  case IPF_WORLD_CHAOS:
    return n <= 1 ? 0 : (unsigned)(ipf__mix(&chaos_rng) % n);
  default:
    return 0;
  }
}

/* ---- enabledness, picking ----------------------------------------------------- */

static int pred_holds(const worker *w) {
  switch (w->wait_kind) {
  case IPF_WAIT_MUTEX: return ((const ipf_mutex_t *)w->wait_obj)->owner == 0;
  case IPF_WAIT_COND: return w->signalled;
  case IPF_WAIT_SEM: return ((const ipf_sem_t *)w->wait_obj)->value > 0;
  case IPF_WAIT_JOIN: return ((const worker *)w->wait_obj)->state == W_FINISHED;
  case IPF_WAIT_SLEEP: return 0;
  case IPF_WAIT_FD: {
    struct pollfd p = { .fd = (int)(intptr_t)w->wait_obj, .events = (short)w->wait_arg };
    return poll(&p, 1, 0) > 0;
  }
  case IPF_WAIT_PRED: return w->pred(w->wait_obj);
  case IPF_WAIT_PROC: {
    int me = (int)(intptr_t)w->wait_obj;
    for (int i = 1; i < R.nprocs; i++)
      /* exited, or exec'd another program (left: the kernel's wait then) */
      if (R.procs[i].parent == me && (R.procs[i].state == P_EXITED || R.procs[i].state == P_LEFT) &&
          (w->wait_arg == -1 || R.procs[i].pid == (pid_t)w->wait_arg))
        return 1;
    return 0;
  }
  default: return 1;
  }
}

/* A wait another process can judge from the shared state alone. The rest
 * (an fd, a mutex or semaphore in the waiter's memory, a predicate of its
 * code) only its own process can evaluate. */
static int wait_is_global(int kind) {
  return kind == IPF_WAIT_COND || kind == IPF_WAIT_JOIN || kind == IPF_WAIT_SLEEP || kind == IPF_WAIT_PROC;
}

static __thread int no_queries;     /* answering a report query: use what is known */
static int query(worker *w, uint32_t q);

static int enabled(const worker *w) {
  if (w->state == W_RUNNABLE) return 1;
  if (w->state != W_BLOCKED) return 0;
  if (w->deadline >= 0 && R.vnow >= w->deadline) return 1;
  if (w->pid != my_pid && !wait_is_global(w->wait_kind)) {
    /* What only its process can say: asked once per change that could
     * matter (R.xepoch), then remembered. */
    if (w->q_epoch == R.xepoch || no_queries) return w->q_result;
    return query((worker *)w, 2);
  }
  return pred_holds(w);
}

static const void *dfs_key(const void *sync);
/* Timeouts as choices (README, "Virtual time"): while some thread can run
 * and another is in a timed wait, "the earliest timed wait times out now"
 * is a decision, taken with odds 1 in IPF_TIMEOUT_ODDS by random and PCT,
 * at seed-dependent steps by round-robin, never by the bytes strategy (a
 * fuzzer's findings keep their meaning), and replayed like any other.
 * Offered for the timed waits on sync objects (condition variable,
 * semaphore, mutex), where a timeout is how a program polls. Not offered:
 * sleeps (a sleep that ends early is not a sleep) and io waits (a timed
 * accept, connect or FIFO open, ipf_wait_fd), whose timeout is a give-up
 * bound: those still time out only when nothing else can run. */
static int timeout_may_fire(const worker *w) {
  return w->wait_kind == IPF_WAIT_COND || w->wait_kind == IPF_WAIT_SEM || w->wait_kind == IPF_WAIT_MUTEX;
}
#define IPF_TIMEOUT_ODDS 8
static int timeout_now(worker *me) {
  uint32_t v;
  switch (R.cfg.strategy) {
  case IPF_STRAT_REPLAY: v = replay_next(me, 2); break;
  case IPF_STRAT_RR: v = ((uint64_t)R.steps + R.cfg.seed / 64) % IPF_TIMEOUT_ODDS == IPF_TIMEOUT_ODDS - 1; break;
  case IPF_STRAT_BYTES: v = 0; break;
  case IPF_STRAT_DFS: v = ipf__dfs_value(2); break;          /* both ways, as any decision */
  default: v = ipf__mix(&R.rng) % IPF_TIMEOUT_ODDS == 0; break;
  }
  record(v);
  return (int)v;
}

static uint32_t strategy_pick(worker *me, worker **c, int n) {
  if (n == 1 && R.cfg.strategy != IPF_STRAT_DFS) return 0;
  uint32_t v = 0;
  switch (R.cfg.strategy) {
  case IPF_STRAT_PCT: {
    if (R.steps > R.pct_fair_after) {
      /* Fair PCT: past the bound, round-robin among the candidates (the
       * next id after me, cyclically), so a thread that PCT's fixed
       * priorities starved (the one that would end a polling loop) runs
       * within n steps. */
      int lo = 0, hi = -1;
      for (int i = 0; i < n; i++) {
        if (c[i]->id < c[lo]->id) lo = i;
        if (c[i]->id > me->id && (hi < 0 || c[i]->id < c[hi]->id)) hi = i;
      }
      v = (uint32_t)(hi >= 0 ? hi : lo);
    } else {
      for (int i = 1; i < n; i++) if (c[i]->prio > c[v]->prio) v = (uint32_t)i;
    }
    record(v);
    return v;
  }
  case IPF_STRAT_RR: {
    int cur = -1;
    for (int i = 0; i < n; i++) if (c[i] == me) cur = i;
    if (cur >= 0 && R.rr_left > 0) { R.rr_left--; v = (uint32_t)cur; }
    else {
      v = 0;
      for (int i = 0; i < n; i++) if (c[i]->id > me->id) { v = (uint32_t)i; break; }
      R.rr_left = R.rr_quantum - 1;
    }
    record(v);
    return v;
  }
  case IPF_STRAT_DFS: {
    /* leaving me is a preemption exactly when schedule() counts one */
    int tid[IPF_MAX_THREADS], cur = -1;
    const ipf__op *pend[IPF_MAX_THREADS];
    ipf__op pk[IPF_MAX_THREADS];
    int me_preempts = enabled(me) && !me->yielded;
    for (int i = 0; i < n; i++) {
      tid[i] = c[i]->id;
      pend[i] = &c[i]->pending;
      if (c[i]->pending.kind == IPF_PK_SYNC) {
        /* a thread object by id (dfs_key); copies, as the slots are reused */
        pk[i] = c[i]->pending;
        pk[i].obj = dfs_key(pk[i].obj);
        pend[i] = &pk[i];
      }
      if (c[i] == me && me_preempts) cur = i;
    }
    /* a forced move too, unrecorded as for every strategy: dfs needs to
     * know where each thread's transition ends */
    v = ipf__dfs_pick((unsigned)n, tid, pend, cur, R.preemptions);
    if (n > 1) record(v);
    return v;
  }
  default:
    return draw(me, (unsigned)n);
  }
}

static __attribute__((noreturn)) void deadlock(worker *me);

/* ipf_config.on_switch: a context switch from `from` (which stopped at its
 * last operation) to `to` (which resumes past its own). */
static void note_switch(const worker *from, const worker *to) {
  if (R.cfg.on_switch && from != to && !guest)
    R.cfg.on_switch(R.cfg.on_switch_arg, from->id, from->image == MY_IMAGE ? from->last_what : "(another program)",
                    to->id, to->image == MY_IMAGE ? to->last_what : "(another program)");
}

/* Choose the next thread, advancing virtual time if nobody can run now.
 * NULL: nobody can run at all. */
static worker *pick(worker *me) {
  worker **c = scratch_c;
  int n;
  for (;;) {
    n = 0;
    long tdl = -1;              /* the earliest deadline of a timed wait not yet over */
    for (int i = 0; i < R.n; i++) {
      worker *w = R.t[i];
      if (enabled(w)) c[n++] = w;
      else if (w->state == W_BLOCKED && w->deadline >= 0 && timeout_may_fire(w) &&
               (tdl < 0 || w->deadline < tdl))
        tdl = w->deadline;
    }
    if (n && tdl >= 0 && timeout_now(me)) {
      R.vnow = tdl;             /* every deadline up to it is over now, the shorter ones too */
      continue;
    }
    if (n) break;
    long dl = -1;
    for (int i = 0; i < R.n; i++) {
      worker *w = R.t[i];
      if (w->state == W_BLOCKED && w->deadline >= 0 && (dl < 0 || w->deadline < dl)) dl = w->deadline;
    }
    if (dl < 0) return NULL;
    R.vnow = dl;
    ipf__dfs_touch(IPF_PK_OTHER, NULL);     /* time is everybody's */
  }
  /* Deprioritise threads that yielded (spin-waiters) and threads the stall
   * watchdog preempted (spinners without a point) while others can run. */
  worker **d = scratch_d;
  int m = 0;
  long ord = R.steps - S.wd_steps;
  for (int i = 0; i < n; i++) {
    if (c[i]->stalled && ord - c[i]->stall_ord >= STALL_WINDOW) c[i]->stalled = 0;
    if (!c[i]->yielded && !c[i]->stalled) d[m++] = c[i];
  }
  if (m == 0) {
    /* Everyone who can run is spin-waiting: a spin is a wait, so let time
     * pass for the sleepers and timed waiters, exactly as if the spinners
     * were blocked. Otherwise a yielding loop would starve a sleeper. */
    long dl = -1;
    for (int i = 0; i < R.n; i++) {
      worker *w = R.t[i];
      if (w->state == W_BLOCKED && w->deadline >= 0 && w->deadline > R.vnow && (dl < 0 || w->deadline < dl))
        dl = w->deadline;
    }
    if (dl >= 0) {
      R.vnow = dl;
      ipf__dfs_touch(IPF_PK_OTHER, NULL);
      for (int i = 0; i < R.n; i++) {
        worker *w = R.t[i];
        if (w->state == W_BLOCKED && !w->yielded && enabled(w)) d[m++] = w;
      }
      if (m) return d[strategy_pick(me, d, m)];
    }
    /* yielders before stalled spinners: a yield is a point, a stall costs a
     * watchdog period */
    for (int i = 0; i < n; i++) if (!c[i]->stalled) d[m++] = c[i];
    if (m) {
      for (int i = 0; i < n; i++) c[i]->yielded = 0;
      return d[strategy_pick(me, d, m)];
    }
    /* Only stalled spinners can run. If every one of them stalled again
     * with no ordinary point since (no thread did anything a spinner could
     * be waiting for), none can ever end its spin: a livelock. */
    int fresh = 1;
    for (int i = 0; i < n; i++) if (c[i]->blind != ord + S.progress) fresh = 0;
    if (fresh && me->stalled) {
      S.livelock = me;
      abort_run(me, IPF_VERDICT_BUG, "livelock", "livelock");
    }
    for (int i = 0; i < n; i++) c[i]->yielded = c[i]->stalled = 0;
    return c[strategy_pick(me, c, n)];
  }
  return d[strategy_pick(me, d, m)];
}

/* One scheduling decision for `me` (which may be blocked). Returns when me
 * holds the token again. */
static void schedule(worker *me) {
  R.steps++;
  me->stalled = me->from_stall = 0; /* an ordinary point: it is not spinning blind */
  if (R.steps > R.cfg.max_steps) {
    char m[64];
    snprintf(m, sizeof m, "no end after %ld steps (--max-steps)", R.cfg.max_steps);
    abort_run(me, IPF_VERDICT_BUG, "hang", m);
  }
  if (R.cfg.strategy == IPF_STRAT_PCT) {
    for (int i = 0; i < R.pct_nchange; i++)
      if (R.pct_change[i] == R.steps) me->prio = i;   /* below every initial priority */
  }
  worker *next = pick(me);
  if (!next) deadlock(me);
  if (next != me && enabled(me) && !me->yielded) R.preemptions++;   /* yields are voluntary */
  note_switch(me, next);
  switch_to(me, next);
}

static void clear_yields_except(worker *me) {
  for (int i = 0; i < R.n; i++) if (R.t[i] != me) R.t[i]->yielded = 0;
}

void ipf__point_op(int kind, const char *what, const void *obj, unsigned size, uintptr_t pc) {
  worker *me = self;
  /* ipf/sched/point: a delay before this point, only when a plan arms it
   * (a check of one word otherwise; libfiu is not asked per step) */
  if (IPF_SCHED_POINT_ARMED()) (void)IPF_FAULT(SCHED_POINT, NULL);
  /* the operation this thread did since its last point may have changed
   * what a wait in another process sees, unless it was a memory access */
  if (__builtin_expect(R.nprocs > 1, 0) && !((me->pending.kind >= IPF_PK_READ && me->pending.kind <= IPF_PK_ATOMIC_RMW) || me->pending.kind == IPF_PK_YIELD))
    R.xepoch++;
  me->last_what = what;
  me->last_obj = obj;
  me->pending.kind = kind;
  me->pending.obj = obj;
  me->pending.size = size;
  me->pending.pc = pc;
  /* a spin iteration seen by src/rt (an atomic or shared load that found
   * the same value again): a wait, deprioritised like ipf_yield, and no
   * progress that would make the other spinners worth running again */
  if (kind == IPF_PK_YIELD) me->yielded = 1;
  else clear_yields_except(me);
  schedule(me);
}

/* The program's call site of the call being emulated (point.h). */
__thread uintptr_t ipf__caller_pc __attribute__((tls_model("initial-exec")));

/* Points whose effect is not modelled yet are IPF_PK_OTHER: dependent on
 * everything, the sound default for partial-order reduction. Their pc is
 * the program's call site when one is known, never the kit's own. */
void ipf__point(const char *what, const void *obj) {
  ipf__point_op(IPF_PK_OTHER, what, obj, 0, ipf__caller_pc);
}

/* The object behind an fd, for dfs's dependence relation (IPF_PK_FD): what
 * a read or write on it can change or observe. A pipe or FIFO is its inode,
 * so its two ends are one object (a write and the read it makes possible
 * are dependent); a file or device is its inode too. Every socket is one
 * object: the two ends of a connection are two inodes, and the peer's is a
 * netlink query away, so all socket I/O stays mutually dependent. NULL
 * when fd is not open. Keys carry the top bits of a non-canonical address:
 * never the program's data, whose names dfs takes by address. A collision
 * (an inode past 2^48) only merges two objects: a dependence too many. */
static const void *fd_key(int fd) {
  struct stat st;
  if (fd < 0) return NULL;
  IPF_TSAN_IGNORE_BEGIN();            /* the kit's probe, not the program's access */
  int rc = fstat(fd, &st);
  IPF_TSAN_IGNORE_END();
  if (rc < 0) return NULL;
  if (S_ISSOCK(st.st_mode)) return (const void *)(uintptr_t)0xF0FFFFFFFFFFFFFFull;
  return (const void *)(uintptr_t)(0xF000000000000000ull | ((uint64_t)(st.st_dev & 0xFFF) << 48) |
                                   ((uint64_t)st.st_ino & 0xFFFFFFFFFFFFull));
}

/* A point before a transfer on fd (io.c; fd < 0: an fd the kit does not
 * model, e.g. one whose peer is outside the run). Only dfs looks at the
 * object, so only dfs pays the fstat. Opening, closing, dup'ing and
 * creating fds stay IPF_PK_OTHER: they change which object an fd number
 * names, and the number the next open returns. */
void ipf__point_fd(const char *what, int fd) {
  const void *key = R.cfg.strategy == IPF_STRAT_DFS ? fd_key(fd) : NULL;
  ipf__point_op(key ? IPF_PK_FD : IPF_PK_OTHER, what, key, 0, ipf__caller_pc);
}

/* ---- happens-before edges (point.h) ------------------------------------------ */

void (*ipf__hb_hook_acquire)(int tid, const void *sync);
void (*ipf__hb_hook_release)(int tid, const void *sync);

/* dfs compares footprints across executions: a thread's worker is named by
 * its id instead (the same thread may run on another worker next time). */
static const void *dfs_key(const void *sync) {
  for (int i = 0; i < R.n; i++) if (R.t[i] == sync) return &R.t[i];
  return sync;
}
static void dfs_touch_sync(const void *sync) {
  if (R.cfg.strategy == IPF_STRAT_DFS && R.active) ipf__dfs_touch(IPF_PK_SYNC, dfs_key(sync));
}

void ipf__hb_acquire(const void *sync) {
  IPF_TSAN_ONLY_ACQUIRE(sync);
  dfs_touch_sync(sync);
  if (__builtin_expect(ipf__hb_hook_acquire != NULL, 0) && self) ipf__hb_hook_acquire(self->id, sync);
}
void ipf__hb_release(const void *sync) {
  IPF_TSAN_ONLY_RELEASE(sync);
  dfs_touch_sync(sync);
  if (__builtin_expect(ipf__hb_hook_release != NULL, 0) && self) ipf__hb_hook_release(self->id, sync);
}

/* ---- the memory runtime's table (point.h) ------------------------------------- */

volatile unsigned ipf__rt_live;
static unsigned rt_runs;

static int rt_tid(void) { return ipf__world() == IPF_WORLD_CONTROLLED ? self->id : -1; }

void ipf__report(int verdict, const char *kind, const char *msg) {
  abort_run(self, verdict, kind, msg);
}

const struct ipf__rt_sched *ipf__rt_sched(void) {
  static const struct ipf__rt_sched t = {
    IPF_RT_SCHED_VERSION, &ipf__rt_live, rt_tid, ipf__point_op, ipf__report,
    ipf__name_pc, ipf__name_addr, ipf__thread_name_by_id, &ipf__hb_hook_acquire, &ipf__hb_hook_release,
  };
  return &t;
}

void ipf__point_access(int op, const volatile void *addr) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED:
    ipf__point_op(op == IPF_OP_LOAD ? IPF_PK_ATOMIC_LOAD : IPF_PK_ATOMIC_STORE,
                  op == IPF_OP_LOAD ? "ipf_load" : "ipf_store", (const void *)addr, 1,
                  (uintptr_t)__builtin_return_address(0));
    break;
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); break;
  default: break;
  }
}

void ipf__trace_value(int op, const volatile void *addr, long long value) {
  if (!ipf__tracing()) return;
  char b[160];
  ipf__trace("%s %s %s %lld", op == IPF_OP_LOAD ? "load" : "store",
             ipf__name_addr((const void *)addr, b, sizeof b), op == IPF_OP_LOAD ? "->" : "<-", value);
}

void ipf__yield_point(void) {
  worker *me = self;
  me->last_what = "ipf_yield (spinning)";
  me->last_obj = NULL;
  me->pending.kind = IPF_PK_YIELD;
  me->pending.obj = NULL;
  me->pending.pc = ipf__caller_pc;
  me->yielded = 1;
  schedule(me);
}

/* ---- the stall watchdog's side (watchdog.c sends the signal) ----------------- */

uintptr_t ipf__sched_probe(pthread_t *pt, long *steps) {
  worker *w = atomic_load_explicit(&S.running, memory_order_relaxed);
  *steps = __atomic_load_n(&R.steps, __ATOMIC_RELAXED);
  if (!w || !R.active || R.ended) return 0;
  if (w->pid != my_pid) return 0;     /* another process's thread: no stall watch (its clock, its signal) */
  *pt = w->pt;
  return (uintptr_t)w;
}

/* The execution may not replay exactly, for reason `why` (IPF_INEXACT_*):
 * in its result, and in exec mode's shared page. */
static void mark_inexact(int why) {
  if (S.inexact & why) return;
  S.inexact |= why;
  ipf__wd_mark_inexact(why);
}

/* In the signal handler, on the thread the controller found stalled. Only
 * the token holder, still at the step count the controller saw, counts:
 * anything else means the stall ended on its own. A preemption is a step
 * and a recorded decision like any other; what is not recorded is where
 * in the thread's instruction stream it fell, hence "inexact". */
void ipf__stall_at(long seen, uintptr_t pc, uint64_t regs, int how) {
  worker *me = self;
  if (!me || !R.active || R.ended || atomic_load_explicit(&S.running, memory_order_relaxed) != me ||
      atomic_load_explicit(&me->go, memory_order_relaxed) != 1 || R.steps != seen)
    return;
  uintptr_t prev_pc = me->stall_pc;
  uint64_t prev_regs = me->stall_regs;
  me->stall_pc = pc;
  me->stall_regs = regs;
  if (how != IPF_STALL_PREEMPT) return;
  R.steps++;
  S.wd_steps++;
  me->nstalls++;
  me->stalled = 1;
  me->stall_ord = R.steps - S.wd_steps;
  /* Progress since the last ordinary point? A thread that ran on from a
   * point (or its start) until this stall may have written what another
   * spinner waits for. One that ran on from a stall and stalled again at
   * the same place (PC within a few instructions) with the same registers
   * (a spin-wait re-reads memory; a computation changes its registers) did
   * nothing anyone can see: it stalled blind. A livelock (pick) is every
   * runnable thread stalled blind with no progress by anyone since. The
   * cut can fall anywhere (the OS may deschedule a thread for a period),
   * so a first stall after a resume is never taken as blind on its own. */
  uintptr_t d = pc > prev_pc ? pc - prev_pc : prev_pc - pc;
  if (me->from_stall && d < 256 && regs == prev_regs) me->blind = me->stall_ord + S.progress;
  else { S.progress++; me->blind = -1; }
  ipf__trace("stalled: no scheduling point for a watchdog period");
  if (R.steps > R.cfg.max_steps) {
    char m[64];
    snprintf(m, sizeof m, "no end after %ld steps (--max-steps)", R.cfg.max_steps);
    abort_run(me, IPF_VERDICT_BUG, "hang", m);
  }
  worker *next = pick(me);
  me->from_stall = 1;
  if (next == me) return;
  R.preemptions++;
  mark_inexact(IPF_INEXACT_STALL);
  note_switch(me, next);
  switch_to(me, next);
}

static int (*pending_pred)(const void *);
void ipf__set_pred(int (*pred)(const void *)) { pending_pred = pred; }

int ipf__block(int kind, const void *obj, long arg, long deadline_ms) {
  worker *me = self;
  me->state = W_BLOCKED;
  me->wait_kind = kind;
  me->wait_obj = obj;
  me->wait_arg = arg;
  me->pred = kind == IPF_WAIT_PRED ? pending_pred : NULL;
  me->deadline = deadline_ms >= 0 ? R.vnow + deadline_ms : -1;
  me->q_epoch = -1;
  R.xepoch++;
  /* what a waiter touches, for dfs: its object (an fd's: fd_key); a sleep
   * or anything timed depends on what the kit does not model (virtual time) */
  if (R.cfg.strategy == IPF_STRAT_DFS) {
    const void *key = kind == IPF_WAIT_FD && deadline_ms < 0 ? fd_key((int)(intptr_t)obj) : NULL;
    if (key) ipf__dfs_touch(IPF_PK_FD, key);
    else if (kind == IPF_WAIT_FD || kind == IPF_WAIT_SLEEP || deadline_ms >= 0 || !obj) ipf__dfs_touch(IPF_PK_OTHER, NULL);
    else dfs_touch_sync(obj);
  }
  if (ipf__caller_pc) me->pending.pc = ipf__caller_pc;   /* a sleep takes no point first */
  clear_yields_except(me);
  schedule(me);
  int rc = (kind == IPF_WAIT_SLEEP || pred_holds(me)) ? 0 : -ETIMEDOUT;
  me->state = W_RUNNABLE;
  me->wait_kind = IPF_WAIT_NONE;
  me->deadline = -1;
  me->wait_reason = NULL;
  return rc;
}

long ipf__vnow(void) { return R.vnow; }

/* A fault fired (src/fault/fault.c). It is a step: a loop that retries an
 * injected fault (EINTR on every call) may never reach a scheduling point,
 * and the step bound must still end it, as a hang that names the loop. */
void ipf__fault_fired(void) {
  if (ipf__world() != IPF_WORLD_CONTROLLED) return;
  if (++R.steps > R.cfg.max_steps) {
    char m[160];
    snprintf(m, sizeof m, "no end after %ld steps (--max-steps); the last ones were injected faults "
             "with no scheduling point between them (a loop retrying a fault?)", R.cfg.max_steps);
    abort_run(self, IPF_VERDICT_BUG, "hang", m);
  }
}

/* ---- reports ------------------------------------------------------------------ */

static const char *display(const worker *w, char *b, size_t len);

/* A thread other than w that could run now (NULL: none): a report must not
 * say "no thread left to signal it" while one is. */
static const worker *other_runnable(const worker *w) {
  for (int i = 0; i < R.n; i++)
    if (R.t[i] != w && enabled(R.t[i])) return R.t[i];
  return NULL;
}

static void describe(const worker *w, char *b, size_t len) {
  char on[256], nmb[64];
  const char *nm = display(w, nmb, sizeof nmb);
  const char *why = w->wait_reason;
  const worker *other = other_runnable(w);
  int o = 0;
  if (w->state == W_BLOCKED && enabled(w)) {
    /* woken (signalled, posted, unlocked, timed out) but not yet run */
    o = snprintf(b, len, "%s: woken in %s, not yet run", nm, w->last_what ? w->last_what : "a wait");
    if (why && o > 0 && (size_t)o < len) snprintf(b + o, len - (size_t)o, " — %s", why);
    return;
  }
  switch (w->state) {
  case W_FINISHED: snprintf(b, len, "%s: finished", nm); return;
  case W_RUNNABLE:
    if (w->stall_pc) {
      char pc[160];
      o = snprintf(b, len, "%s: %s %s with no scheduling point since %s", nm,
                   w->nstalls ? "spins in" : "running, at", ipf__name_ip(w->stall_pc, pc, sizeof pc),
                   w->last_what ? w->last_what : "its start");
      if (w->nstalls && o > 0 && (size_t)o < len)
        o += snprintf(b + o, len - (size_t)o, " (preempted by the stall watchdog %ld time%s)", w->nstalls,
                      w->nstalls == 1 ? "" : "s");
    } else {
      o = snprintf(b, len, "%s: runnable, last at %s", nm, w->last_what ? w->last_what : "start");
    }
    break;
  case W_BLOCKED:
    switch (w->wait_kind) {
    case IPF_WAIT_MUTEX: {
      const ipf_mutex_t *m = w->wait_obj;
      int owner = m->owner - 1;
      o = snprintf(b, len, "%s: blocked in ipf_mutex_lock(%s), held by %s", nm,
                   m->name ? m->name : ipf__name_addr(m, on, sizeof on),
                   owner >= 0 && owner < R.n ? R.t[owner]->name : "nobody");
      break;
    }
    case IPF_WAIT_COND: {
      const ipf_cond_t *c = w->wait_obj;
      o = snprintf(b, len, "%s: blocked in ipf_cond_wait(%s): %s%s%s", nm,
                   c->name ? c->name : ipf__name_addr(c, on, sizeof on),
                   other ? "waiting for a signal; " : "no thread left to signal it",
                   other ? other->name : "", other ? " is runnable" : "");
      break;
    }
    case IPF_WAIT_SEM: {
      const ipf_sem_t *s = w->wait_obj;
      o = snprintf(b, len, "%s: blocked in ipf_sem_wait(%s): value 0, %s%s%s", nm,
                   s->name ? s->name : ipf__name_addr(s, on, sizeof on),
                   other ? "waiting for a post; " : "no thread left to post it",
                   other ? other->name : "", other ? " is runnable" : "");
      break;
    }
    case IPF_WAIT_JOIN: {
      const worker *t = w->wait_obj;
      o = snprintf(b, len, "%s: blocked in ipf_thread_join(%s), which %s", nm, t->name,
                   t->state == W_BLOCKED && !enabled(t) ? "is blocked too" : "has not finished");
      break;
    }
    case IPF_WAIT_FD:
      o = snprintf(b, len, "%s: blocked in %s on fd %d (waiting to %s)", nm,
                   w->last_what ? w->last_what : "io", (int)(intptr_t)w->wait_obj,
                   (w->wait_arg & POLLOUT) ? "write: it is full" : "read: no data and a writer is still open");
      /* the words of now, from this (the waiter's) process: how full, who
       * holds the other end, in which process */
      why = ipf__io_explain((int)(intptr_t)w->wait_obj, (short)w->wait_arg);
      break;
    case IPF_WAIT_PROC:
      o = snprintf(b, len, "%s: blocked in waitpid", nm);
      break;
    case IPF_WAIT_SLEEP:
      o = snprintf(b, len, "%s: sleeping", nm);
      break;
    default:
      o = snprintf(b, len, "%s: blocked in %s", nm, w->last_what ? w->last_what : "a wait");
      break;
    }
    break;
  default: snprintf(b, len, "%s: not started", nm); return;
  }
  /* where in the program the thread's last point was (names.h) */
  if (w->pending.pc && o > 0 && (size_t)o < len) {
    char at[256];
    int k = snprintf(b + o, len - (size_t)o, "; at %s", ipf__name_pc(w->pending.pc, at, sizeof at));
    if (k > 0) o += k;
  }
  if (why && o > 0 && (size_t)o < len) snprintf(b + o, len - (size_t)o, " — %s", why);
}

static void reset_stall(worker *w) {
  w->stalled = w->from_stall = 0;
  w->blind = -1;
  w->stall_ord = 0;
  w->stall_pc = 0;
  w->stall_regs = 0;
  w->nstalls = 0;
}

/* The livelock's headline, written by the controller after the run (naming
 * a PC is no work for a signal handler). */
static void livelock_headline(const worker *w) {
  char pc[160];
  snprintf(R.msg, sizeof R.msg, "livelock: %s spins in %s with no scheduling point, and no other thread "
           "can make progress (each has had its turn since, or is blocked); rebuild with ipcfault cc to give "
           "the loop scheduling points", w->name, ipf__name_ip(w->stall_pc, pc, sizeof pc));
}

static void thread_report(char *out, size_t len, const worker *skip_finished_ok) {
  (void)skip_finished_ok;
  size_t o = strlen(out);
  for (int i = 0; i < R.n && o < len; i++) {
    const worker *w = R.t[i];
    if (w->state == W_FINISHED) continue;
    char line[512];
    if (w->pid != my_pid) {
      /* its own process names what it waits for */
      ((worker *)w)->desc[0] = 0;
      query((worker *)w, 3);
      snprintf(line, sizeof line, "%s", w->desc[0] ? w->desc : "(its process is gone)");
    } else {
      describe(w, line, sizeof line);
    }
    int k = snprintf(out + o, len - o, "\n  %s", line);
    if (k < 0) break;
    o += (size_t)k;
  }
}

/* The first failure of an execution with a thread report to come: the
 * report is written by the controller after the run, when it has acquired
 * every worker's history, so that reading the wait reasons the threads
 * wrote is ordered after the writes (ThreadSanitizer sees the snprintf). */
static void set_verdict_report(int verdict, const char *kind, const char *headline) {
  if (R.verdict != IPF_VERDICT_OK) return;
  set_verdict(verdict, kind, "%s", headline);
  R.want_report = 1;
}

static void end_run(void) {
  R.ended = 1;
  IPF_TSAN_ONLY_RELEASE(&R);
  signal_controller(&R.done);
}

static sigjmp_buf ctl_jmp;          /* the controller's pick (takeover): where abort_run returns to */
static int in_ctl;

static __attribute__((noreturn)) void abort_run(worker *me, int verdict, const char *kind, const char *msg) {
  if (in_ctl) {
    if (verdict == IPF_VERDICT_ERROR) R.verdict = IPF_VERDICT_OK;
    if (verdict == IPF_VERDICT_ERROR) set_verdict(verdict, kind, "%s", msg);
    else set_verdict_report(verdict, kind, msg);
    end_run();
    siglongjmp(ctl_jmp, 1);
  }
  if (verdict == IPF_VERDICT_ERROR) {
    /* a replay mismatch overrides whatever the diverged run had found */
    R.verdict = IPF_VERDICT_OK;
  }
  if (verdict == IPF_VERDICT_ERROR) set_verdict(verdict, kind, "%s", msg);
  else set_verdict_report(verdict, kind, msg);
  IPF_TSAN_ONLY_RELEASE(&me->pt);    /* a sync object of its own: not the create/join one */
  atomic_store_explicit(&me->go, 0, memory_order_relaxed);
  end_run();
  park_forever(me);
}

static __attribute__((noreturn)) void deadlock(worker *me) {
  abort_run(me, IPF_VERDICT_BUG, "deadlock", "deadlock: every unfinished thread is blocked");
}

/* ---- threads --------------------------------------------------------------- */

static void thread_finish(worker *w) {
  ipf__trace("exit");
  IPF_HB_RELEASE(w);
  w->state = W_FINISHED;
  w->last_what = "exit";
  w->stalled = 0;
  clear_yields_except(w);
  int alive = 0, joinable = 0;
  R.xepoch++;
  for (int i = 1; i < R.n; i++)
    if (R.t[i]->state != W_FINISHED && R.t[i]->proc == w->proc) { alive++; joinable += !R.t[i]->detached; }
  if (w->id == 0 && (joinable || !alive)) {
    /* main returned: the run ends here, as a C program's would. */
    if (alive)
      set_verdict_report(IPF_VERDICT_BUG, "threads-alive",
                         "main returned while threads were still alive (never joined)");
    atomic_store_explicit(&w->go, 0, memory_order_relaxed);
    end_run();
    return;                     /* back to the pool loop; touch nothing of w */
  }
  /* Only detached threads are left when main returns: nothing can join
   * them, so the run goes on until the last one ends (blocked for good is a
   * deadlock), rather than cutting them short mid-operation. */
  if (w->id == 0) R.main_done = 1;
  if (R.main_done && !alive) {
    atomic_store_explicit(&w->go, 0, memory_order_relaxed);
    end_run();
    return;
  }
  R.steps++;
  worker *next = pick(w);
  atomic_store_explicit(&w->go, 0, memory_order_relaxed);
  if (!next) {
    set_verdict_report(IPF_VERDICT_BUG, "deadlock", "deadlock: every unfinished thread is blocked");
    end_run();
    return;
  }
  note_switch(w, next);
  atomic_store_explicit(&S.running, next, memory_order_relaxed);
  atomic_store_explicit(&next->go, 1, memory_order_release);
  futex_wake(&next->go);
}

struct chaos_start { ipf_thread_fn fn; void *arg; char name[32]; int kind; int id; uint64_t seed; };

static void *chaos_tramp(void *p) {
  struct chaos_start s = *(struct chaos_start *)p;
  free(p);
  chaos_kind = s.kind;
  chaos_id = s.id;
  chaos_rng = s.seed;
  snprintf(chaos_name, sizeof chaos_name, "%s", s.name);
  s.fn(s.arg);
  return NULL;
}

int ipf_thread_create(ipf_thread_t *t, const char *name, ipf_thread_fn fn, void *arg) {
  memset(t, 0, sizeof *t);
  if (ipf__world() == IPF_WORLD_CONTROLLED) {
    /* A limit of the kit is not the program's bug: the execution ends with
     * a tool error (exit 2), never with pthread_create's EAGAIN reaching a
     * program that would report it as its own failure. */
    char m[200];
    if (R.n >= IPF_MAX_THREADS) {
      snprintf(m, sizeof m, "thread limit: the program starts more than %d threads in one execution, "
               "the most the kit supports (IPF_MAX_THREADS)", IPF_MAX_THREADS);
      abort_run(self, IPF_VERDICT_ERROR, "error", m);
    }
    worker *w = room_for_thread() == 0 ? get_worker() : (errno = ENOMEM, NULL);
    if (!w) {
      snprintf(m, sizeof m, "cannot start thread %d of the execution: %s (ulimit -u, "
               "/proc/sys/kernel/threads-max, or memory for its stack)", R.n, strerror(errno));
      abort_run(self, IPF_VERDICT_ERROR, "error", m);
    }
    w->id = R.n;
    w->image = MY_IMAGE;
    w->pid = my_pid;
    w->proc = self->proc;
    w->q_epoch = -1;
    w->state = W_RUNNABLE;
    w->fn = fn;
    w->arg = arg;
    snprintf(w->name, sizeof w->name, "%s", name ? name : "thread");
    w->wait_kind = IPF_WAIT_NONE;
    w->deadline = -1;
    w->wait_reason = NULL;
    w->last_what = NULL;
    memset(&w->pending, 0, sizeof w->pending);
    w->yielded = 0;
    w->detached = 0;
    w->pending = (ipf__op){ .kind = IPF_PK_SYNC, .obj = w };   /* its start: the create edge */
    w->prio = R.cfg.pct_depth + 16 + (long)(ipf__mix(&R.rng) >> 34);
    reset_stall(w);
    R.t[R.n++] = w;
    t->slot = w;
    t->id = w->id;
    ipf__trace("create %s", w->name);
    IPF_HB_RELEASE(w);
    IPF_POINT_SYNC("ipf_thread_create", w);      /* the creation itself was the release above */
    return 0;
  }
  struct chaos_start *s = malloc(sizeof *s);
  if (!s) return -ENOMEM;
  s->fn = fn;
  s->arg = arg;
  snprintf(s->name, sizeof s->name, "%s", name ? name : "thread");
  s->kind = chaos_kind;
  s->id = s->kind ? atomic_fetch_add(&C.next_id, 1) : 0;
  s->seed = C.seed * 0x9E3779B97F4A7C15ull + (uint64_t)s->id;
  t->id = s->id;
  if (chaos_kind == 1) ipf__chaos_delay();
  int rc = pthread_create(&t->pt, NULL, chaos_tramp, s);
  if (rc) { free(s); return -rc; }
  return 0;
}

void ipf__thread_detached(const ipf_thread_t *t) {
  if (t->slot) ((worker *)t->slot)->detached = 1;
}

/* The real pthread a controlled thread runs on (exec mode hands it to the
 * program as its pthread_t, so pthread_self() and pthread_create agree). */
pthread_t ipf__thread_pthread(const ipf_thread_t *t) {
  return t->slot ? ((const worker *)t->slot)->pt : t->pt;
}

int ipf_thread_join(ipf_thread_t *t) {
  if (ipf__world() == IPF_WORLD_CONTROLLED) {
    IPF_CALLER_SCOPE();
    worker *w = t->slot;
    if (!w) return -EINVAL;
    if (w == self) return -EDEADLK;
    ipf__point_op(IPF_PK_SYNC, "ipf_thread_join", w, 0, (uintptr_t)__builtin_return_address(0));
    while (w->state != W_FINISHED) ipf__block(IPF_WAIT_JOIN, w, 0, -1);
    IPF_HB_ACQUIRE(w);
    ipf__trace("join %s", w->name);
    t->slot = NULL;
    return 0;
  }
  if (t->slot) return -EINVAL;
  if (chaos_kind == 1) ipf__chaos_delay();
  return -pthread_join(t->pt, NULL);
}

/* ---- chaos ------------------------------------------------------------------- */

void ipf__chaos_delay(void) {
  if (IPF_SCHED_POINT_ARMED()) (void)IPF_FAULT(SCHED_POINT, NULL);
  if (chaos_kind != 1) return;
  uint64_t r = ipf__mix(&chaos_rng);
  switch (r & 15) {
  case 0: case 1: case 2: sched_yield(); break;
  case 3: {
    struct timespec ts = { 0, (long)(20000 + (r >> 8) % 200000) };
    nanosleep(&ts, NULL);
    break;
  }
  case 4: { volatile unsigned k = (unsigned)((r >> 8) % 5000); while (k) k--; break; }
  default: break;
  }
}

/* ---- oracles ----------------------------------------------------------------- */

void ipf_fail(const char *oracle, const char *fmt, ...) {
  char m[1800];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  int w = ipf__world();
  if (w == IPF_WORLD_CHAOS) pthread_mutex_lock(&chaos_lock);
  if (w != IPF_WORLD_PLAIN) {
    set_verdict(IPF_VERDICT_BUG, oracle, "%s: %s", oracle, m);
    if (w == IPF_WORLD_CONTROLLED) ipf__trace("FAIL %s", oracle);
  } else {
    fprintf(stderr, "ipcfault: oracle %s failed: %s\n", oracle, m);
  }
  if (w == IPF_WORLD_CHAOS) pthread_mutex_unlock(&chaos_lock);
}

int ipf_failed(void) {
  int w = ipf__world();
  if (w == IPF_WORLD_CHAOS) {
    pthread_mutex_lock(&chaos_lock);
    int f = R.verdict != IPF_VERDICT_OK;
    pthread_mutex_unlock(&chaos_lock);
    return f;
  }
  return R.verdict != IPF_VERDICT_OK;
}

/* ---- executions ----------------------------------------------------------------- */

void ipf_config_init(ipf_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->mode = IPF_MODE_CONTROLLED;
  cfg->strategy = IPF_STRAT_RANDOM;
  cfg->seed = 1;
  cfg->pct_depth = 3;
  cfg->max_steps = 100000;
  cfg->chaos_timeout_ms = 5000;
  cfg->dfs_preemptions = 2;
  cfg->dfs_max_faults = 1;
  cfg->dfs_reduction = 1;
}

uint64_t ipf_exec_seed(uint64_t s, long i) {
  uint64_t x = s * 0x100000001B3ull + (uint64_t)i;
  return ipf__mix(&x);
}

int ipf__schedule_parse(const char *s, const ipf_scenario *sc, const char *plan_text, uint32_t **out,
                        size_t *n, long *max_steps, char *why, size_t whylen);
char *ipf__schedule_format(const ipf_scenario *sc, const char *plan_text, long max_steps,
                           const uint32_t *d, size_t n);

static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1;                 /* the directory's own fd */
}

static void body_tramp(void *p) {
  const ipf_scenario *sc = p;
  sc->body();
}

static void fill_result(ipf_result *res) {
  res->verdict = R.verdict;
  snprintf(res->kind, sizeof res->kind, "%s", R.verdict == IPF_VERDICT_OK ? "ok" : R.kind);
  snprintf(res->message, sizeof res->message, "%s", R.msg);
}

static int chaos_exec(const ipf_scenario *sc, const ipf_config *cfg, ipf_result *res);

/* Memory an abandoned execution's threads will never free: the mechanisms
 * register what they allocate in a controlled run (a queue, a pool) and
 * withdraw it when it is destroyed; whatever is still registered when an
 * execution ends with abandoned threads is released after they are
 * reclaimed, newest first (a pool before the queue inside it). */
#define MAX_ADOPT 64
static struct { void *obj; void (*release)(void *); } adopted[MAX_ADOPT];
static int nadopted;

void ipf__exec_adopt(void *obj, void (*release)(void *)) {
  if (ipf__world() != IPF_WORLD_CONTROLLED || nadopted >= MAX_ADOPT) return;
  adopted[nadopted].obj = obj;
  adopted[nadopted].release = release;
  nadopted++;
}

void ipf__exec_disown(void *obj) {
  if (ipf__world() != IPF_WORLD_CONTROLLED) return;
  for (int i = nadopted - 1; i >= 0; i--)
    if (adopted[i].obj == obj) {
      memmove(&adopted[i], &adopted[i + 1], (size_t)(nadopted - i - 1) * sizeof adopted[0]);
      nadopted--;
      return;
    }
}

/* An abandoned worker of the execution just over: unwind it to its
 * worker_main (see the DESIGN paragraph) and return it to the pool. One at a
 * time, so that at most one managed thread ever runs. */
static void reclaim(worker *w) {
  atomic_store_explicit(&reclaimed, 0, memory_order_relaxed);
  atomic_store_explicit(&w->unwind, 1, memory_order_relaxed);
  atomic_store_explicit(&w->go, 1, memory_order_release);
  futex_wake(&w->go);
  while (atomic_load_explicit(&reclaimed, memory_order_acquire) == 0) futex_wait(&reclaimed, 0, NULL);
  IPF_TSAN_ONLY_ACQUIRE(&w->pt);
  w->state = W_IDLE;
  w->next_free = free_workers;
  free_workers = w;
}

static void takeover(void);
static void procs_end(int ok_end);

int ipf_exec(const ipf_scenario *sc, const ipf_config *cfg, ipf_result *res) {
  memset(res, 0, sizeof *res);
  if (state_map() < 0) {
    res->verdict = IPF_VERDICT_ERROR;
    snprintf(res->kind, sizeof res->kind, "error");
    snprintf(res->message, sizeof res->message, "cannot map the run's shared state: %s", strerror(errno));
    return res->verdict;
  }
  ipf__io_exec_begin();
  R.cfg = *cfg;
  if (R.cfg.max_steps <= 0) R.cfg.max_steps = 100000;
  if (R.cfg.pct_depth <= 0) R.cfg.pct_depth = 3;
  R.verdict = IPF_VERDICT_OK;
  R.want_report = 0;
  R.kind[0] = R.msg[0] = 0;
  R.sc = sc;
  ipf__bugs = sc->bugs;
  /* fault layer: the plan this execution uses (cfg->plan or the scenario's
   * default), installed with fresh per-site counters; its canonical text is
   * part of the schedule hash */
  char pwhy[256];
  const ipf_plan *plan = ipf__plan_resolve(sc, cfg->plan, pwhy, sizeof pwhy);
  if (!plan) {
    res->verdict = IPF_VERDICT_ERROR;
    snprintf(res->kind, sizeof res->kind, "error");
    snprintf(res->message, sizeof res->message, "%s", pwhy);
    return res->verdict;
  }
  const char *ptext = ipf__plan_text(plan);
  int fds_before = (sc->flags & IPF_SC_FDS) ? count_fds() : -1;
  if (cfg->mode != IPF_MODE_CONTROLLED) {
    ipf__fault_begin(plan);
    int v = chaos_exec(sc, cfg, res);
    ipf__fault_end();
    ipf__io_exec_end(0);
    if (v == IPF_VERDICT_OK && fds_before >= 0 && count_fds() > fds_before) {
      snprintf(res->kind, sizeof res->kind, "leak");
      snprintf(res->message, sizeof res->message, "leak: %d file descriptor(s) left open",
               count_fds() - fds_before);
      res->verdict = v = IPF_VERDICT_BUG;
    }
    return v;
  }
  R.rep = rep_sh;                     /* shared: a peer image replays from it too */
  R.nrep = R.rpos = 0;
  if (cfg->strategy == IPF_STRAT_REPLAY) {
    char why[256];
    long ms = 0;
    uint32_t *d = NULL;
    size_t nd = 0;
    if (!cfg->schedule || ipf__schedule_parse(cfg->schedule, sc, ptext, &d, &nd, &ms, why, sizeof why) < 0 ||
        (nd > DEC_CAP && snprintf(why, sizeof why, "the schedule has more than %u decisions", DEC_CAP) > 0)) {
      free(d);
      res->verdict = IPF_VERDICT_ERROR;
      snprintf(res->kind, sizeof res->kind, "error");
      snprintf(res->message, sizeof res->message, "%s", cfg->schedule ? why : "replay needs a schedule");
      return res->verdict;
    }
    memcpy(rep_sh, d, nd * sizeof *d);
    free(d);
    R.nrep = nd;
    R.cfg.max_steps = ms;
  }
  if (R.cfg.bytes) {
    /* the fuzzer's input, where a peer image reads it too */
    if (R.cfg.nbytes > BYTES_CAP) R.cfg.nbytes = BYTES_CAP;
    memcpy(bytes_sh, R.cfg.bytes, R.cfg.nbytes);
    R.cfg.bytes = bytes_sh;
  }
  snprintf(R.scname, sizeof R.scname, "%s", sc->name ? sc->name : "");
  R.bugs = sc->bugs;
  R.n = 0;
  R.steps = 0;
  R.preemptions = 0;
  memset(&S, 0, sizeof S);
  R.vnow = 0;
  R.rng = cfg->seed * 0xD1342543DE82EF95ull + 0x2545F4914F6CDD1Dull;
  R.ndec = 0;
  if (R.cfg.mirror_len) *R.cfg.mirror_len = 0;
  R.bpos = 0;
  R.ended = 0;
  R.nev = 0;
  R.nnames = 0;
  memset(&R.procs[0], 0, sizeof R.procs[0]);
  R.procs[0].pid = R.root_pid = my_pid;
  R.procs[0].parent = -1;
  R.procs[0].state = P_RUNNING;
  snprintf(R.procs[0].name, sizeof R.procs[0].name, "parent");
  R.nprocs = 1;
  R.xepoch = 0;
  /* round-robin varies its quantum and its phase with the seed, so that an
   * exploration walks a family of systematic schedules */
  R.rr_quantum = 1 + (int)(cfg->seed % 8);
  R.rr_left = (int)((cfg->seed / 8) % (uint64_t)R.rr_quantum);
  R.pct_nchange = 0;
  if (cfg->strategy == IPF_STRAT_PCT) {
    long k = cfg->pct_steps > 0 ? cfg->pct_steps : 200;
    int d = R.cfg.pct_depth > 16 ? 16 : R.cfg.pct_depth;
    for (int i = 0; i < d - 1; i++) R.pct_change[R.pct_nchange++] = 1 + (long)(ipf__mix(&R.rng) % (uint64_t)k);
    /* The fairness bound (README, "Fairness"): PCT's change points lie in
     * the first k steps, where its depth-d guarantee applies; an execution
     * still going at 4k + 1000 steps is more likely starving a thread than
     * finding a deeper bug, so from there on the schedule is fair. */
    R.pct_fair_after = 4 * k + 1000;
  }
  atomic_store(&R.done, 0);
  ipf__exec_gen++;
  nadopted = 0;
  ipf__fault_begin(plan);

  worker *m = get_worker();
  if (!m) {
    ipf__fault_end();
    res->verdict = IPF_VERDICT_ERROR;
    snprintf(res->kind, sizeof res->kind, "error");
    snprintf(res->message, sizeof res->message, "cannot start a thread: %s", strerror(errno));
    return res->verdict;
  }
  if (room_for_thread() < 0) {
    ipf__fault_end();
    res->verdict = IPF_VERDICT_ERROR;
    snprintf(res->kind, sizeof res->kind, "error");
    snprintf(res->message, sizeof res->message, "out of memory for the thread table");
    return res->verdict;
  }
  m->id = 0;
  m->image = MY_IMAGE;
  m->pid = my_pid;
  m->proc = 0;
  m->q_epoch = -1;
  m->state = W_RUNNABLE;
  m->fn = body_tramp;
  m->arg = (void *)sc;
  snprintf(m->name, sizeof m->name, "main");
  m->wait_kind = IPF_WAIT_NONE;
  m->deadline = -1;
  m->wait_reason = NULL;
  m->last_what = NULL;
  memset(&m->pending, 0, sizeof m->pending);
  m->yielded = 0;
  m->detached = 0;
  R.main_done = 0;
  m->pending = (ipf__op){ .kind = IPF_PK_SYNC, .obj = m };
  m->prio = R.cfg.pct_depth + 16 + (long)(ipf__mix(&R.rng) >> 34);
  reset_stall(m);
  R.t[R.n++] = m;
  R.active = 1;
  if (++rt_runs == 0) rt_runs = 1;
  ipf__rt_live = rt_runs;
  IPF_HB_RELEASE(m);
  atomic_store_explicit(&S.running, m, memory_order_relaxed);
  atomic_store_explicit(&m->go, 1, memory_order_release);
  futex_wake(&m->go);
  int wall_hit;
  while (!(wall_hit = ipf__wd_wait(&R.done, ipf__wd_period(&R.cfg))) &&
         atomic_load_explicit(&R.done, memory_order_acquire) == 2)
    takeover();                       /* a process left the run: the controller hands the token on */
  if (wall_hit) {
    /* exec mode's wall-clock bound passed (--timeout): a thread runs or
     * blocks where the kit has no point. The caller exits the process at
     * once (exec_main.c), so the threads still running are left alone:
     * only report where each one was. */
    R.ended = 1;
    R.active = 0;
    char m2[200];
    snprintf(m2, sizeof m2, "hang: no end within %.3g s of wall-clock time (--timeout): a thread spins or "
             "blocks where the kit has no scheduling point", ipf__wd_wall_ms / 1000.0);
    set_verdict_report(IPF_VERDICT_BUG, "hang", m2);
    if (ipf__before_report) ipf__before_report();
    thread_report(R.msg, sizeof R.msg, NULL);
    procs_end(0);
    fill_result(res);
    res->steps = R.steps;
    res->inexact = S.inexact;
    return res->verdict;
  }
  IPF_TSAN_ONLY_ACQUIRE(&R);
  R.active = 0;
  ipf__rt_live = 0;
  ipf__fault_end();

  for (int i = 0; i < R.n; i++) IPF_TSAN_ONLY_ACQUIRE(&R.t[i]->pt);
  if (S.livelock) livelock_headline(S.livelock);
  if (R.want_report) {
    if (ipf__before_report) ipf__before_report();
    thread_report(R.msg, sizeof R.msg, NULL);
  }
  /* Finished workers go back to the pool; the others are abandoned. Last
   * first, so that the next execution's threads get the same workers (and
   * stacks) in creation order: the systematic search compares addresses
   * across executions (dfs.c). */
  int abandoned = 0;
  procs_end(!R.want_report && R.verdict == IPF_VERDICT_OK);
  for (int i = R.n - 1; i >= 0; i--) {
    worker *w = R.t[i];
    if (w->pid != my_pid) continue;   /* another process's: its slot is freed below */
    if (w->state == W_FINISHED) {
      IPF_TSAN_ONLY_ACQUIRE(w);
      w->state = W_IDLE;
      w->next_free = free_workers;
      free_workers = w;
    } else {
      abandoned++;
    }
  }
  /* fds and directories first (the unwound frames will never close them),
   * then the threads themselves */
  ipf__io_exec_end(abandoned);
  for (int i = 0; abandoned && i < R.n; i++)
    if (R.t[i]->pid == my_pid && R.t[i]->state != W_IDLE) reclaim(R.t[i]);
  for (int i = 0; i < R.n; i++)
    if (R.t[i]->pid != my_pid) slot_free(R.t[i]);
  while (abandoned && nadopted > 0) { nadopted--; adopted[nadopted].release(adopted[nadopted].obj); }
  nadopted = 0;
  if (cfg->strategy == IPF_STRAT_REPLAY && R.verdict != IPF_VERDICT_ERROR && R.rpos != R.nrep) {
    R.verdict = IPF_VERDICT_ERROR;
    snprintf(R.kind, sizeof R.kind, "error");
    snprintf(R.msg, sizeof R.msg, "schedule has %zu decisions left over: it does not match this scenario",
             R.nrep - R.rpos);
  }
  if (R.verdict == IPF_VERDICT_OK && fds_before >= 0) {
    int after = count_fds();
    if (after > fds_before)
      set_verdict(IPF_VERDICT_BUG, "leak", "leak: %d file descriptor(s) left open after the run",
                  after - fds_before);
  }
  /* the decisions a peer image took are not in the mirror (its memory is
   * this image's): complete it now that the run is over */
  if (R.cfg.mirror && !guest) {
    size_t upto = R.ndec < R.cfg.mirror_cap ? R.ndec : R.cfg.mirror_cap;
    for (size_t i = *R.cfg.mirror_len; i < upto; i++) R.cfg.mirror[i] = R.dec[i];
    if (upto > *R.cfg.mirror_len) *R.cfg.mirror_len = upto;
  }
  fill_result(res);
  res->steps = R.steps;
  res->preemptions = R.preemptions;
  res->stalls = S.wd_steps;
  res->inexact = S.inexact;
  res->schedule = ipf__schedule_format(sc, ptext, R.cfg.max_steps, R.dec, R.ndec);
  res->nthreads = R.n;
  res->thread_names = malloc((size_t)R.n * sizeof *res->thread_names);
  if (res->thread_names)
    for (int i = 0; i < R.n; i++) snprintf(res->thread_names[i], 32, "%s", R.t[i]->name);
  if (cfg->trace && R.nev) {
    res->events = malloc(R.nev * sizeof *res->events);
    if (res->events) { memcpy(res->events, R.ev, R.nev * sizeof *R.ev); res->nevents = R.nev; }
  }
  return res->verdict;
}

void ipf__trace_now(ipf_result *res) {
  static char names[64][32];          /* the first 64 threads' names, not owned by res */
  res->nthreads = R.n;
  res->thread_names = names;
  for (int i = 0; i < R.n && i < 64; i++) snprintf(names[i], 32, "%s", R.t[i]->name);
  res->events = R.ev;
  res->nevents = R.nev;
  res->steps = R.steps;
}

struct chaos_main { const ipf_scenario *sc; int kind; uint64_t seed; };

static void *chaos_main(void *p) {
  struct chaos_main a = *(struct chaos_main *)p;
  free(p);
  chaos_kind = a.kind;
  chaos_id = 0;
  chaos_rng = a.seed * 0x9E3779B97F4A7C15ull;
  snprintf(chaos_name, sizeof chaos_name, "main");
  a.sc->body();
  signal_controller(&C.done);
  return NULL;
}

/* A child of ours reaped, killed first when it still runs; one no longer
 * our child (reaped by the program) is left alone. */
static void chaos_reap(pid_t pid, void *arg) {
  (void)arg;
  int st;
  if (waitpid(pid, &st, WNOHANG) == 0) { kill(pid, SIGKILL); while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {} }
}
/* After a chaos execution: its children still running are killed (their
 * parent gave up on them: a hang), then every child of this process that the
 * run's processes left behind (orphans reparented to this subreaper) is
 * reaped. */
static void chaos_procs_end(void) {
  for (int i = 0; i < nchaos_pids; i++) chaos_reap(chaos_pids[i], NULL);
  /* orphans of theirs: children of ours now, found in /proc */
  if (nchaos_pids && subreaper_set) ipf__proc_children(chaos_reap, NULL);
  nchaos_pids = 0;
}

static int chaos_exec(const ipf_scenario *sc, const ipf_config *cfg, ipf_result *res) {
  C.root = getpid();
  nchaos_pids = 0;
  C.seed = cfg->seed;
  atomic_store(&C.next_id, 1);
  atomic_store(&C.done, 0);
  C.kind = cfg->mode == IPF_MODE_CHAOS ? 1 : 2;
  /* main runs on a thread of its own so that a hang cannot take the
   * controller with it: the watchdog below gives up on it instead. */
  struct chaos_main *a = malloc(sizeof *a);
  if (!a) return IPF_VERDICT_ERROR;
  a->sc = sc;
  a->kind = C.kind;
  a->seed = cfg->seed;
  pthread_t pt;
  if (pthread_create(&pt, NULL, chaos_main, a)) { free(a); return IPF_VERDICT_ERROR; }
  long ms = cfg->chaos_timeout_ms > 0 ? cfg->chaos_timeout_ms : 5000;
  struct timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += ms / 1000;
  end.tv_nsec += (ms % 1000) * 1000000L;
  if (end.tv_nsec >= 1000000000L) { end.tv_sec++; end.tv_nsec -= 1000000000L; }
  for (;;) {
    if (atomic_load_explicit(&C.done, memory_order_acquire)) break;
    struct timespec now, rel;
    clock_gettime(CLOCK_MONOTONIC, &now);
    rel.tv_sec = end.tv_sec - now.tv_sec;
    rel.tv_nsec = end.tv_nsec - now.tv_nsec;
    if (rel.tv_nsec < 0) { rel.tv_sec--; rel.tv_nsec += 1000000000L; }
    if (rel.tv_sec < 0) break;
    futex_wait(&C.done, 0, &rel);
  }
  if (!atomic_load_explicit(&C.done, memory_order_acquire)) {
    pthread_detach(pt);
    pthread_mutex_lock(&chaos_lock);
    set_verdict(IPF_VERDICT_BUG, "hang", "hang: the run did not end within %ld ms of wall-clock time "
                "(chaos watchdog); threads cannot be inspected in this mode: replay a controlled run", ms);
    pthread_mutex_unlock(&chaos_lock);
  } else {
    pthread_join(pt, NULL);
  }
  chaos_procs_end();
  pthread_mutex_lock(&chaos_lock);
  fill_result(res);
  pthread_mutex_unlock(&chaos_lock);
  return res->verdict;
}

void ipf_result_free(ipf_result *res) {
  free(res->schedule);
  free(res->events);
  free(res->thread_names);
  res->thread_names = NULL;
  res->schedule = NULL;
  res->events = NULL;
  res->nevents = 0;
}

/* ---- condition variable waiters ------------------------------------------------ */

int ipf__cond_block(const void *c, long ms) {
  self->signalled = 0;
  return ipf__block(IPF_WAIT_COND, c, 0, ms);
}

void ipf__cond_wake(const void *c, int all) {
  worker **w = scratch_c;
  int k = 0;
  for (int i = 0; i < R.n; i++) {
    worker *t = R.t[i];
    /* the same address in another process is another (copied) object */
    if (t->state == W_BLOCKED && t->wait_kind == IPF_WAIT_COND && t->wait_obj == c && !t->signalled &&
        t->pid == my_pid)
      w[k++] = t;
  }
  if (k == 0) return;
  if (all) { for (int i = 0; i < k; i++) w[i]->signalled = 1; return; }
  w[k > 1 ? draw(self, (unsigned)k) : 0]->signalled = 1;
}

/* ---- processes ----------------------------------------------------------------
 * DESIGN (DESIGN.md, "Processes"). A run spans processes: ipf_fork is a
 * scheduling point, and the child's thread is a managed thread of the same
 * run, on a worker slot of its own in the shared state (the parent's other
 * threads do not exist in the child, as POSIX says). The token, the futex
 * words, the decision record and virtual time are in the shared mapping, so
 * a handoff to a thread of another process is the same store and futex wake
 * as within one (shared futexes instead of private ones).
 *
 * What a blocked thread waits for is judged by its own process when it is
 * not readable from the shared state (an fd, a semaphore in its memory, a
 * predicate of its code): the picker asks it (a query: go = 2, answered in
 * wait_go by the blocked thread itself, while the asker waits; still one
 * thread runs at a time). The answer is kept until R.xepoch moves: every
 * step that is not a plain memory access may change what another process
 * sees (a write into a pipe, a close, an exit), so it bumps the epoch, and a
 * run of memory accesses asks nobody anything.
 *
 * A process that exits hands the token on only once it is really gone: it
 * marks its threads over and wakes the controller, which waits for the
 * kernel to finish the exit (every fd closed, so a reader's end of file is
 * there or not, deterministically), reads its status from /proc (a zombie
 * keeps it, and only its parent may reap it), and picks the next thread
 * itself. A process killed by a signal never gets to say so: the
 * controller's watchdog tick notices that the token holder's process is dead
 * and takes over the same way. The controller's own picks ask the run's
 * threads like any picker (its process is the root's; the others answer
 * queries). At the end of the run, a process still running is killed and a
 * process never reaped is reaped; both, and a death by a signal, are oracle
 * failures ("process-alive", "zombie", "process-killed").
 *
 * dfs covers processes: its search state is in a shared arena the run's
 * processes inherit (dfs.c). Not covered: race detection and the stall watchdog
 * across processes (a child's plain accesses are checked within the child;
 * a child that spins without a point is found by the step bound, not
 * preempted), shared condition variables mapped at different addresses.
 */

int ipf__multiproc(void) { return R.nprocs > 1; }   /* the current (or last) run's */

pid_t ipf__run_root(void) { return R.active ? R.root_pid : getpid(); }

int ipf__run_procs(pid_t *pids, const char **names, int cap) {
  int n = 0;
  for (int i = 0; i < R.nprocs && n < cap; i++) {
    if (R.procs[i].state == P_REAPED || R.procs[i].state == P_EXITED) continue;
    pids[n] = R.procs[i].pid;
    names[n] = i == 0 ? "parent" : R.procs[i].name;
    n++;
  }
  return n;
}

static const char *display(const worker *w, char *b, size_t len) {
  if (R.nprocs <= 1) return w->name;
  const struct proc *p = &R.procs[w->proc];
  if (w->id == p->first) snprintf(b, len, "%s (pid %d)", w->proc == 0 ? "parent" : p->name, (int)w->pid);
  else snprintf(b, len, "%s (pid %d)", w->name, (int)w->pid);
  return b;
}

static char proc_stat_(pid_t pid, int *code);
/* /proc/PID/stat of a process: its state letter, and its exit code
 * (waitpid's form, field 52) once it is a zombie. 0 when it is gone. */
static char proc_stat(pid_t pid, int *code) {
  int guard = ipf__pt_guard;          /* the kit's own reads, past exec mode's interposers */
  ipf__pt_guard = 1;
  char st = proc_stat_(pid, code);
  ipf__pt_guard = guard;
  return st;
}
static char proc_stat_(pid_t pid, int *code) {
  char buf[1024];
  if (ipf__proc_read(buf, sizeof buf, "/proc/%d/stat", (int)pid) < 0) return 0;
  const char *st = ipf__stat_field(buf, 3);
  if (!st) return 0;
  if (code) {
    const char *c = ipf__stat_field(buf, 52);
    *code = c ? atoi(c) : 0;
  }
  return *st;
}
static int proc_dead(pid_t pid) {
  char st = proc_stat(pid, NULL);
  return st == 0 || st == 'Z' || st == 'X';
}

/* Wait (really) until pid has finished exiting; bounded, for an exit
 * handler that never returns. 0, or -ETIMEDOUT. A pidfd becomes readable
 * at the same moment /proc says Z (exit_notify, after the exiting process's
 * fds were closed), for any process, not only a child of this one: so the
 * controller sleeps until then instead of polling /proc (each poll a
 * nanosleep of 20 us that the timer slack makes 70 or more, and an
 * open/read/close; make bench, "processes"). Polling remains for a kernel
 * without pidfd_open (before 5.3). */
static int wait_dead(pid_t pid, long ms) {
  int guard = ipf__pt_guard;          /* the kit's own calls, past exec mode's interposers */
  ipf__pt_guard = 1;
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pfd >= 0) {
    struct timespec end, t;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += ms / 1000;
    end.tv_nsec += (ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L) { end.tv_sec++; end.tv_nsec -= 1000000000L; }
    int r;
    do {
      clock_gettime(CLOCK_MONOTONIC, &t);
      long left = (end.tv_sec - t.tv_sec) * 1000L + (end.tv_nsec - t.tv_nsec) / 1000000L;
      struct pollfd pf = { pfd, POLLIN, 0 };
      r = poll(&pf, 1, left > 0 ? (int)left : 0);
    } while (r < 0 && errno == EINTR);
    close(pfd);
    ipf__pt_guard = guard;
    if (r > 0) return 0;
    return proc_dead(pid) ? 0 : -ETIMEDOUT;
  }
  ipf__pt_guard = guard;
  for (long us = 0; us < ms * 1000; ) {
    if (proc_dead(pid)) return 0;
    struct timespec ts = { 0, us < 2000 ? 20000 : 500000 };
    nanosleep(&ts, NULL);
    us += ts.tv_nsec / 1000;
  }
  return proc_dead(pid) ? 0 : -ETIMEDOUT;
}

static void set_verdict(int verdict, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Process pi is gone (exited or killed): its threads are over, its status
 * is known, its death by a signal an oracle failure. */
static void proc_gone(int pi) {
  struct proc *p = &R.procs[pi];
  int code = 0;
  char st = proc_stat(p->pid, &code);
  p->state = P_EXITED;
  p->status = st == 'Z' ? code : 0;
  for (int i = 0; i < R.n; i++)
    if (R.t[i]->proc == pi && R.t[i]->state != W_FINISHED) {
      R.t[i]->state = W_FINISHED;
      R.t[i]->last_what = "exit";
    }
  R.xepoch++;
  if (WIFSIGNALED(p->status))
    set_verdict(IPF_VERDICT_BUG, "process-killed", "process-killed: %s (pid %d) was killed by signal %d (%s)",
                p->name, (int)p->pid, WTERMSIG(p->status), strsignal(WTERMSIG(p->status)));
}

static int query(worker *w, uint32_t q) {
  _Atomic uint32_t *reply = self ? &self->go : &R.ctl_reply;
  atomic_store_explicit(reply, 0, memory_order_relaxed);
  w->q_reply = reply;
  atomic_store_explicit(&w->go, q, memory_order_release);
  futex_wake(&w->go);
  for (int k = 0; atomic_load_explicit(reply, memory_order_acquire) == 0; k++) {
    struct timespec ts = { 0, 10000000 };
    futex_wait(reply, 0, &ts);
    /* a process killed while it waited (SIGKILL from a program, the OOM
     * killer) never answers */
    if (atomic_load_explicit(reply, memory_order_acquire) == 0 && proc_dead(w->pid)) {
      atomic_store_explicit(&w->go, 0, memory_order_relaxed);
      if (R.procs[w->proc].state == P_RUNNING) proc_gone(w->proc);
      atomic_store_explicit(reply, 1, memory_order_relaxed);
      return 0;
    }
  }
  return w->q_result;
}

static void describe(const worker *w, char *b, size_t len);
static void answer(worker *w, uint32_t q) {
  if (q == 2) {
    w->q_result = pred_holds(w);
  } else {
    no_queries = 1;
    if (ipf__before_report) ipf__before_report();
    describe(w, w->desc, sizeof w->desc);
    no_queries = 0;
  }
  w->q_epoch = R.xepoch;
  _Atomic uint32_t *r = w->q_reply;
  atomic_store_explicit(&w->go, 0, memory_order_relaxed);
  atomic_store_explicit(r, 1, memory_order_release);
  futex_wake(r);
}

pid_t ipf_fork(const char *name) {
  if (ipf__world() != IPF_WORLD_CONTROLLED) {
    if (ipf__world() != IPF_WORLD_CHAOS) return fork();
    ipf__chaos_delay();
    pthread_mutex_lock(&chaos_lock);
    if (!subreaper_set) { prctl(PR_SET_CHILD_SUBREAPER, 1); subreaper_set = 1; }
    pid_t pid = fork();
    if (pid > 0 && getpid() == C.root && nchaos_pids < CHAOS_PROCS) chaos_pids[nchaos_pids++] = pid;
    pthread_mutex_unlock(&chaos_lock);
    return pid;
  }
  IPF_CALLER_SCOPE();
  worker *me = self;
  ipf__point_op(IPF_PK_OTHER, "fork", NULL, 0, ipf__caller_pc);
  if (R.nprocs >= IPF_MAX_PROCS || R.n >= IPF_MAX_THREADS) {
    char m[160];
    snprintf(m, sizeof m, "process limit: the program forks more than %d processes in one execution, the most "
             "the kit supports (IPF_MAX_PROCS)", IPF_MAX_PROCS - 1);
    abort_run(me, IPF_VERDICT_ERROR, "error", m);
  }
  if (!subreaper_set) {
    /* orphans of the run's processes come back to the root, which reaps
     * them at the end */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    subreaper_set = 1;
  }
  worker *c = new_slot();
  if (!c) abort_run(me, IPF_VERDICT_ERROR, "error", "no worker slot left for a forked process");
  int pi = R.nprocs;
  struct proc *p = &R.procs[pi];
  memset(p, 0, sizeof *p);
  p->parent = me->proc;
  p->state = P_RUNNING;
  p->first = R.n;
  int nth = 0;
  for (int i = 1; i < pi; i++) nth++;
  if (name) snprintf(p->name, sizeof p->name, "%s", name);
  else if (nth == 0) snprintf(p->name, sizeof p->name, "child");
  else snprintf(p->name, sizeof p->name, "child-%d", nth + 1);
  c->id = R.n;
  c->image = MY_IMAGE;
  c->proc = pi;
  c->state = W_RUNNABLE;
  snprintf(c->name, sizeof c->name, "%s", p->name);
  c->wait_kind = IPF_WAIT_NONE;
  c->deadline = -1;
  c->q_epoch = -1;
  c->pending = (ipf__op){ .kind = IPF_PK_SYNC, .obj = c };
  c->prio = R.cfg.pct_depth + 16 + (long)(ipf__mix(&R.rng) >> 34);
  c->blind = -1;
  memcpy(c->home, me->home, sizeof c->home);   /* its copy of this thread's worker_main frame */
  /* The guard spans the flush, the fork and the edges after it: the kit's
   * own work, not a point of the program's. A fork of a big process (an
   * ASan build) burns milliseconds of system time, and the stall watchdog,
   * which counts CPU time, would otherwise signal the thread just after
   * the syscall returned, into the kit's half-done bookkeeping (a static
   * build has no object boundary to tell the kit's code from the
   * program's): an inexact cut at a timing-dependent place. */
  int guard = ipf__pt_guard;
  ipf__pt_guard = 1;
  fflush(NULL);                       /* the child must not write the parent's buffered output again */
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    ipf__pt_guard = guard;
    slot_free(c);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    /* The child: this thread is c now. It waits for the token before it
     * touches anything shared. */
    my_pid = getpid();
    self = c;
    free_workers = NULL;              /* the parent's parked threads are not here */
    /* the root dies (the kit's process), its children with it; deeper
     * ones are not tied to their parent's life (a double fork is legal),
     * the run's end kills them */
    if (p->parent == 0) prctl(PR_SET_PDEATHSIG, SIGKILL);
    wait_go(c);
    IPF_HB_ACQUIRE(c);
    ipf__trace("forked from %s", me->name);
    ipf__pt_guard = guard;
    return 0;
  }
  c->pid = pid;
  p->pid = pid;
  R.t[R.n++] = c;
  R.nprocs++;
  R.xepoch++;
  ipf__trace("fork %s (pid %d)", p->name, (int)pid);
  IPF_HB_RELEASE(c);
  ipf__pt_guard = guard;
  IPF_POINT_SYNC("fork", c);          /* the child may run first */
  return pid;
}

/* The kernel's wait, waitpid's convention. WNOWAIT (waitid's, which
 * exec mode's waitid passes through ipf_waitpid) leaves the child
 * waitable: waitid with the status rebuilt in waitpid's encoding. */
static pid_t kernel_waitpid(pid_t pid, int *status, int options) {
  pid_t r;
  if (!(options & WNOWAIT)) {
    while ((r = waitpid(pid, status, options)) < 0 && errno == EINTR) {}
    return r;
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  idtype_t type = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
  id_t id = pid > 0 ? (id_t)pid : pid < -1 ? (id_t)-pid : 0;
  int rc;
  while ((rc = waitid(type, id, &si, WEXITED | (options & (WNOHANG | WNOWAIT)))) < 0 && errno == EINTR) {}
  if (rc < 0) return -1;
  if (si.si_pid && status)
    *status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8
            : si.si_code == CLD_DUMPED ? (si.si_status & 0x7f) | 0x80 : si.si_status & 0x7f;
  return si.si_pid;
}

pid_t ipf_waitpid(pid_t pid, int *status, int options) {
  if (ipf__world() != IPF_WORLD_CONTROLLED) {
    if (ipf__world() == IPF_WORLD_CHAOS) ipf__chaos_delay();
    return kernel_waitpid(pid, status, options);
  }
  IPF_CALLER_SCOPE();
  worker *me = self;
  ipf__point_op(IPF_PK_OTHER, "waitpid", NULL, 0, ipf__caller_pc);
  long want = pid > 0 ? (long)pid : -1;          /* process groups: any child */
  for (;;) {
    int any = 0, found = -1;
    for (int i = 1; i < R.nprocs; i++) {
      struct proc *q = &R.procs[i];
      if (q->parent != me->proc || (want != -1 && q->pid != (pid_t)want)) continue;
      if (q->state == P_RUNNING || q->state == P_LEFT) any = 1;
      if (q->state == P_EXITED) { found = i; break; }
    }
    if (found >= 0) {
      struct proc *q = &R.procs[found];
      int st;
      pid_t r = kernel_waitpid(q->pid, &st, options & WNOWAIT);
      if (r < 0) return -1;
      if (options & WNOWAIT) {        /* seen, not reaped: it stays waitable */
        if (status) *status = st;
        return r;
      }
      q->state = P_REAPED;
      q->status = st;
      R.xepoch++;
      if (status) *status = st;
      ipf__trace("reaped %s (pid %d)", q->name, (int)q->pid);
      return r;
    }
    if (!any) {
      /* not a process of the run (posix_spawn, system): the kernel's wait,
       * outside the scheduler's view */
      return kernel_waitpid(pid, status, options);
    }
    int left = 0;
    for (int i = 1; i < R.nprocs; i++)
      if (R.procs[i].parent == me->proc && R.procs[i].state == P_LEFT && (want == -1 || R.procs[i].pid == (pid_t)want))
        left = 1;
    if (left) {
      /* a child that exec'd another program left the run: ask the kernel
       * (it is not scheduled, so a blocking wait may take real time); a
       * WNOHANG poll polls it */
      pid_t r = kernel_waitpid(pid, status, options);
      if (r > 0 && (options & WNOWAIT)) return r;
      for (int i = 1; r > 0 && i < R.nprocs; i++) if (R.procs[i].pid == r) R.procs[i].state = P_REAPED;
      if (r > 0) R.xepoch++;
      return r;
    }
    if (options & WNOHANG) return 0;
    static __thread char why[96];
    if (want == -1) snprintf(why, sizeof why, "waitpid(any child): no child has exited yet");
    else {
      const char *nm = "?";
      for (int i = 1; i < R.nprocs; i++) if (R.procs[i].pid == (pid_t)want) nm = R.procs[i].name;
      snprintf(why, sizeof why, "waitpid(%s, pid %ld): it has not exited", nm, want);
    }
    ipf_set_wait_reason(why);
    me->last_what = "waitpid";
    ipf__block(IPF_WAIT_PROC, (const void *)(intptr_t)me->proc, want, -1);
  }
}

void ipf__proc_leave(int how, int status, const char *what) {
  if (ipf__world() != IPF_WORLD_CONTROLLED) return;
  worker *me = self;
  if (me->proc == 0) return;
  struct proc *p = &R.procs[me->proc];
  ipf__trace("%s %s", how == IPF_LEAVE_EXEC ? "exec" : "exit", what ? what : "");
  (void)status;
  p->leaving = how;
  if (how == IPF_LEAVE_EXEC) snprintf(p->what, sizeof p->what, "%s", what ? what : "?");
  for (int i = 0; i < R.n; i++)
    if (R.t[i]->proc == me->proc) { R.t[i]->state = W_FINISHED; R.t[i]->last_what = how == IPF_LEAVE_EXEC ? "exec" : "exit"; }
  R.leaving_proc = me->proc;
  R.xepoch++;
  IPF_HB_RELEASE(me);
  atomic_store_explicit(&S.running, NULL, memory_order_relaxed);
  atomic_store_explicit(&me->go, 0, memory_order_relaxed);
  self = NULL;                        /* what this process does from here is not scheduled */
  atomic_store_explicit(&R.done, 2, memory_order_release);
  futex_wake(&R.done);
}

/* posix_spawn, system and popen never come through ipf_fork (glibc clones
 * the process itself): it runs free of the scheduler, and what it does to
 * the run's objects (the pipe it writes, the file it creates) happens at
 * times the schedule does not record. The run goes on, but the execution
 * may not replay exactly, and its report says so (ipf_result.inexact). */
char *ipf__exec_outside;
void ipf__outside_process(const char *how, const char *what) {
  if (ipf__world() != IPF_WORLD_CONTROLLED || !self) return;
  ipf__trace("%s %s: a process outside the run", how, what ? what : "");
  mark_inexact(IPF_INEXACT_OUTSIDE);
  if (ipf__exec_outside && !ipf__exec_outside[0])
    snprintf(ipf__exec_outside, IPF_EXEC_OUTSIDE_CAP, "%s %s", how, what ? what : "");
}

const char *ipf_inexact_words(int inexact) {
  switch (inexact & (IPF_INEXACT_STALL | IPF_INEXACT_OUTSIDE)) {
  case 0: return "";
  case IPF_INEXACT_STALL:
    return "the stall watchdog preempted a thread with no scheduling point, where the kit does not control the cut";
  case IPF_INEXACT_OUTSIDE:
    return "the program started a process outside the run (posix_spawn, system or popen), which the scheduler "
           "does not control";
  default:
    return "the stall watchdog preempted a thread with no scheduling point, and the program started a process "
           "outside the run (posix_spawn, system or popen): neither is under the scheduler's control";
  }
}

void ipf_exit(int status) {
  if (ipf__world() == IPF_WORLD_CONTROLLED) {
    if (self->proc == 0) {
      abort_run(self, IPF_VERDICT_ERROR, "error", "ipf_exit in the run's root process: a scenario's main "
                "returns instead");
    }
    IPF_CALLER_SCOPE();
    ipf__point_op(IPF_PK_OTHER, "exit", NULL, 0, ipf__caller_pc);
    ipf__proc_leave(IPF_LEAVE_EXIT, status, NULL);
  }
  _exit(status);
}

/* The controller, woken because a process left the run (R.done == 2):
 * wait until it is really gone, then do the pick its last thread could not
 * do, with that thread as the one that stopped. */
static void takeover(void) {
  int pi = R.leaving_proc;
  struct proc *p = &R.procs[pi];
  worker *from = R.t[p->first];
  for (int i = 0; i < R.n; i++) IPF_TSAN_ONLY_ACQUIRE(&R.t[i]->pt);
  if (p->leaving == IPF_LEAVE_EXEC) {
    p->state = P_LEFT;
    R.xepoch++;
  } else {
    if (wait_dead(p->pid, 2000) < 0) {
      kill(p->pid, SIGKILL);
      (void)wait_dead(p->pid, 2000);
      set_verdict(IPF_VERDICT_BUG, "hang", "hang: %s (pid %d) did not finish exiting within 2 s of wall-clock "
                  "time (an exit handler or a final flush blocks?); killed", p->name, (int)p->pid);
    }
    proc_gone(pi);
  }
  atomic_store_explicit(&R.done, 0, memory_order_relaxed);
  if (sigsetjmp(ctl_jmp, 0)) { in_ctl = 0; return; }   /* abort_run: the run is over */
  in_ctl = 1;
  R.steps++;
  worker *next = pick(from);
  in_ctl = 0;
  if (!next) {
    set_verdict_report(IPF_VERDICT_BUG, "deadlock", "deadlock: every unfinished thread is blocked");
    end_run();
    return;
  }
  note_switch(from, next);
  atomic_store_explicit(&S.running, next, memory_order_relaxed);
  atomic_store_explicit(&next->go, 1, memory_order_release);
  futex_wake(&next->go);
}

/* The controller's watchdog tick (watchdog.c): a token holder in another
 * process that died without a word (a signal) is a process that left. */
void ipf__sched_tick(void) {
  if (Rp == &R_boot || !R.active || R.ended || R.nprocs <= 1) return;
  worker *w = atomic_load_explicit(&S.running, memory_order_relaxed);
  if (!w || w->pid == my_pid || !proc_dead(w->pid)) return;
  if (atomic_load_explicit(&S.running, memory_order_relaxed) != w) return;
  R.leaving_proc = w->proc;
  R.procs[w->proc].leaving = IPF_LEAVE_EXIT;
  for (int i = 0; i < R.n; i++)
    if (R.t[i]->proc == w->proc) R.t[i]->state = W_FINISHED;
  atomic_store_explicit(&S.running, NULL, memory_order_relaxed);
  atomic_store_explicit(&R.done, 2, memory_order_release);
}

/* The run is over: no process of it but the root may outlive it. ok_end:
 * it ended well so far, so a process still running or never reaped is the
 * run's failure; after a deadlock or a hang they are its consequence. */
static void procs_end(int ok_end) {
  for (int i = 1; i < R.nprocs; i++) {
    struct proc *p = &R.procs[i];
    if (p->state == P_RUNNING || p->state == P_LEFT) {
      if (ok_end)
        set_verdict(IPF_VERDICT_BUG, "process-alive", "process-alive: %s (pid %d) was still running when the run "
                    "ended%s%s", p->name, (int)p->pid, p->state == P_LEFT ? "; it had exec'd " : "",
                    p->state == P_LEFT ? p->what : "");
      kill(p->pid, SIGKILL);
    } else if (p->state == P_EXITED && ok_end) {
      set_verdict(IPF_VERDICT_BUG, "zombie", "zombie: %s (pid %d) exited (%s %d) and was never reaped",
                  p->name, (int)p->pid, WIFSIGNALED(p->status) ? "signal" : "status",
                  WIFSIGNALED(p->status) ? WTERMSIG(p->status) : WEXITSTATUS(p->status));
    }
  }
  for (int i = 1; i < R.nprocs; i++) {
    struct proc *p = &R.procs[i];
    if (p->state == P_REAPED) continue;
    (void)wait_dead(p->pid, 2000);
    /* ours, or an orphan that came back to this subreaper */
    while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {}
    p->state = P_REAPED;
  }
  if (R.nprocs > 1) {
    /* orphans of the run's processes this root never knew (a daemon's
     * double fork), reparented here */
    while (waitpid(-1, NULL, WNOHANG | __WALL) > 0) {}
  }
}

int ipf__procs_kill(char *kind, size_t klen, char *msg, size_t mlen) {
  if (Rp == &R_boot || my_pid != R.root_pid || !R.active) return IPF_VERDICT_OK;
  /* the program itself ends the execution: what the run found so far (a
   * child killed by a signal), or the children it leaves behind */
  procs_end(R.verdict == IPF_VERDICT_OK);
  R.nprocs = 1;
  if (R.verdict != IPF_VERDICT_OK) {
    snprintf(kind, klen, "%s", R.kind);
    snprintf(msg, mlen, "%s", R.msg);
  }
  return R.verdict;
}

/* ---- peer images (ipf_exec_peer) ---------------------------------------------
 * A child of the run execs this same binary to run a registered role. The
 * run's state is a memfd mapping: the exec'ing thread keeps the token, hands
 * a copy of the fd (without FD_CLOEXEC) and the mapping's address to the
 * new image in its environment, and the new image maps it at that address
 * (MAP_FIXED_NOREPLACE: a fresh image's address space is nearly empty) and
 * carries on as the same managed thread. What it must not read there is
 * the old image's pointers: the scenario, the fault plan (re-parsed from
 * its text), names, the mirror and the switch hook (guest). */
int (*ipf__peer_find(const char *role))(int, char **);
const char *ipf__fault_plan_text_now(void);
int ipf__fault_adopt(const char *plan_text);
extern char **environ;

int ipf_exec_peer(const char *role, char *const argv[]) {
  int (*fn)(int, char **) = ipf__peer_find(role);
  if (!fn) return -ENOENT;
  char *const none[] = { (char *)role, NULL };
  if (!argv || !argv[0]) argv = none;
  int w = ipf__world();
  if (w != IPF_WORLD_CONTROLLED) {
    if (w == IPF_WORLD_CHAOS) ipf__chaos_delay();
    /* not in a run: the role as a plain program of this binary */
    setenv("IPCFAULT_PEER_ROLE", role, 1);
    unsetenv("IPCFAULT_PEER");
    execv("/proc/self/exe", argv);
    return -errno;
  }
  IPF_CALLER_SCOPE();
  worker *me = self;
  if (me->proc == 0) return -EINVAL;
  ipf__point_op(IPF_PK_OTHER, "exec", NULL, 0, ipf__caller_pc);
  int fd = fcntl(state_fd, F_DUPFD, 3);
  if (fd < 0) return -errno;
  char env[128];
  snprintf(env, sizeof env, "%d:%p:%zu:%d:%u", fd, (void *)state_base, state_size, me->id, R.bugs);
  setenv("IPCFAULT_PEER", env, 1);
  setenv("IPCFAULT_PEER_ROLE", role, 1);
  /* under dfs the new image takes its decisions on the search's stack too
   * (dfs.c's shared arena, mapped at the same address) */
  void *dbase;
  size_t dsize;
  int dfd = R.cfg.strategy == IPF_STRAT_DFS ? ipf__dfs_arena_now(&dbase, &dsize) : -1;
  if (dfd >= 0 && (dfd = fcntl(dfd, F_DUPFD, 3)) >= 0) {
    char denv[96];
    snprintf(denv, sizeof denv, "%d:%p:%zu", dfd, dbase, dsize);
    setenv("IPCFAULT_PEER_DFS", denv, 1);
  } else {
    unsetenv("IPCFAULT_PEER_DFS");
  }
  const char *pt = ipf__fault_plan_text_now();
  if (pt) setenv("IPCFAULT_PEER_PLAN", pt, 1);
  else unsetenv("IPCFAULT_PEER_PLAN");
  struct proc *p = &R.procs[me->proc];
  snprintf(p->what, sizeof p->what, "%s", role);
  /* the process's other threads end with the old image */
  for (int i = 0; i < R.n; i++)
    if (R.t[i] != me && R.t[i]->proc == me->proc) R.t[i]->state = W_FINISHED;
  ipf__trace("exec peer %s", role);
  fflush(NULL);
  execv("/proc/self/exe", argv);
  int e = errno;
  close(fd);
  if (dfd >= 0) close(dfd);
  unsetenv("IPCFAULT_PEER");
  unsetenv("IPCFAULT_PEER_DFS");
  return -e;
}

/* A peer image takes over before the program's main: from this
 * constructor, which runs before the default-priority ones (the role finds
 * the kit's own state initialised by ipf__peer_main, not by them), when
 * the role is in a family's table or registered by then; otherwise from
 * ipf_main (the command), for a role a program registers later. */
void ipf__io_init(void);
int ipf__peer_main(int argc, char **argv);
__attribute__((constructor(65535))) static void peer_hook(int argc, char **argv) {
  const char *role = getenv("IPCFAULT_PEER_ROLE");
  if (role && ipf__peer_find(role)) exit(ipf__peer_main(argc, argv));
}

/* In the new image, before the command line is looked at (ipf_main). */
int ipf__peer_main(int argc, char **argv) {
  ipf__io_init();
  const char *role = getenv("IPCFAULT_PEER_ROLE");
  int (*fn)(int, char **) = role ? ipf__peer_find(role) : NULL;
  if (!fn) {
    fprintf(stderr, "ipcfault: no peer role '%s' in this program\n", role ? role : "");
    return 2;
  }
  const char *e = getenv("IPCFAULT_PEER");
  if (!e) return fn(argc, argv);      /* a plain run of the role */
  int fd = -1, slot = -1;
  void *base = NULL;
  size_t size = 0;
  unsigned bugs = 0;
  if (sscanf(e, "%d:%p:%zu:%d:%u", &fd, &base, &size, &slot, &bugs) != 5 || size != state_total()) {
    fprintf(stderr, "ipcfault: bad IPCFAULT_PEER '%s' (another build of the kit?)\n", e);
    _exit(125);
  }
  char *m = mmap(base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, fd, 0);
  if (m == MAP_FAILED || m != base) {
    fprintf(stderr, "ipcfault: the peer image cannot map the run's state at %p: %s\n", base, strerror(errno));
    _exit(125);
  }
  close(fd);
  unsetenv("IPCFAULT_PEER");
  const char *de = getenv("IPCFAULT_PEER_DFS");
  if (de) {
    int dfd = -1;
    void *dbase = NULL;
    size_t dsize = 0;
    if (sscanf(de, "%d:%p:%zu", &dfd, &dbase, &dsize) != 3 || ipf__dfs_attach(dfd, dbase, dsize, 1) < 0) {
      fprintf(stderr, "ipcfault: the peer image cannot map the dfs search's state ('%s'): %s\n", de, strerror(errno));
      _exit(125);
    }
    fcntl(dfd, F_SETFD, FD_CLOEXEC);    /* kept (a peer it execs in turn is passed a dup), not leaked */
    unsetenv("IPCFAULT_PEER_DFS");
  }
  state_base = m;
  state_size = size;
  state_views(m, 0);
  state_pid = my_pid = getpid();
  guest = 1;
  ipf__bugs = bugs;
  worker *w = R.t[slot];
  w->pt = pthread_self();
  w->image = MY_IMAGE;
  self = w;
  ipf__io_exec_begin();               /* the shared FIFO registry and directory table */
  const char *plan = getenv("IPCFAULT_PEER_PLAN");
  if (ipf__fault_adopt(plan) < 0) {
    fprintf(stderr, "ipcfault: the peer image cannot parse the run's fault plan\n");
    _exit(125);
  }
  ipf__trace("peer %s started", role);
  int rc = fn(argc, argv);
  ipf_exit(rc & 0xff);
}
