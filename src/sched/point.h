/* Scheduling points, their kinds, and happens-before edges: the one
 * vocabulary shared by the scheduler (src/sched), the memory runtime
 * (src/rt: `__tsan_*` hooks, race detection), the stall watchdog, and the
 * strategies that need to know what a step touches (PCT change points, DFS
 * with partial-order reduction). Not installed.
 *
 * DESIGN. A scheduling point is announced *before* the operation it guards,
 * with what that operation will do (kind), to which object (obj, and size
 * for memory), and from where (pc: the caller's return address, 0 when not
 * known). The scheduler stores the announced operation in the thread's slot
 * as its *pending* operation and only then decides who runs: so at every
 * decision the pending operation of every thread is known, which is what
 * DPOR's dependence relation and the reports ("t2 blocked in
 * pthread_mutex_lock(lock_a) at transfer (bank.c:31)") both need.
 *
 * Dependence (for DPOR): two pending operations are dependent when they
 * touch the same obj and at least one of them is not a pure read
 * (IPF_PK_READ, IPF_PK_ATOMIC_LOAD); every SYNC operation on the same obj is
 * dependent on every other; IPF_PK_OTHER is dependent on everything (the
 * safe default for points whose effect the kit does not model: opening,
 * closing and creating fds, sleeps, forks). A transfer on an fd is
 * IPF_PK_FD under dfs, its obj the object behind the fd (sched.c, fd_key:
 * a pipe's or FIFO's inode, one key for all sockets), so transfers on two
 * pipes commute and two on one pipe do not.
 *
 * Happens-before: the emulated primitives call ipf__hb_release(sync) where
 * a real primitive publishes (unlock, post, signal-before-wake, create,
 * exit) and ipf__hb_acquire(sync) where it observes (lock, wait return,
 * join, thread start). In TSan builds these are TSan's annotations; under
 * `ipcfault cc` instrumentation with race detection on they also update the
 * vector clocks in src/rt. The handoff itself (switch_to) never calls them
 * on behalf of the program: it is not an edge the program has.
 */
#ifndef IPCFAULT_SCHED_POINT_H
#define IPCFAULT_SCHED_POINT_H

#include <stddef.h>
#include <stdint.h>

enum ipf__pk {
  IPF_PK_OTHER = 0,     /* effect not modelled: dependent on everything */
  IPF_PK_SYNC,          /* an operation on sync object obj (mutex, cond, sem, join, queue) */
  IPF_PK_READ,          /* instrumented plain load of size bytes at obj */
  IPF_PK_WRITE,         /* instrumented plain store */
  IPF_PK_ATOMIC_LOAD,   /* C11 atomic load (or ipf_load) */
  IPF_PK_ATOMIC_STORE,  /* C11 atomic store (or ipf_store) */
  IPF_PK_ATOMIC_RMW,    /* exchange, fetch_op, compare_exchange */
  IPF_PK_FD,            /* a transfer on an fd (obj: the object behind it, sched.c fd_key) */
  IPF_PK_YIELD,         /* sched_yield / ipf_yield / spin: "I wait for someone else" */
  IPF_PK_COUNT
};

/* The operation a thread announces at a point. */
typedef struct ipf__op {
  int kind;             /* enum ipf__pk */
  const void *obj;      /* the object or address touched (NULL: none) */
  unsigned size;        /* bytes, for memory kinds */
  uintptr_t pc;         /* where in the program (0: not known) */
} ipf__op;

/* A scheduling point for the calling managed thread: record op as its
 * pending operation (what names it for reports: "pthread_mutex_lock",
 * "atomic load"), then take one scheduling decision. Controlled world only. */
void ipf__point_op(int kind, const char *what, const void *obj, unsigned size, uintptr_t pc);

/* The program's call site of the call the kit is emulating right now on
 * this thread (a return address), 0 when not known: set by exec mode's
 * interposers and by the blocking calls of the public API for the duration
 * of the call. Kit-internal points (ipf__point) record it as their pc, so a
 * report names the program's place, not the kit's. */
extern __thread uintptr_t ipf__caller_pc __attribute__((tls_model("initial-exec")));

/* Are two pending operations dependent (see DESIGN above)? */
static inline int ipf__op_dependent(const ipf__op *a, const ipf__op *b) {
  if (a->kind == IPF_PK_OTHER || b->kind == IPF_PK_OTHER) return 1;
  if (a->kind == IPF_PK_YIELD || b->kind == IPF_PK_YIELD) return 0;
  if (!a->obj || !b->obj) return 0;
  int amem = a->kind >= IPF_PK_READ && a->kind <= IPF_PK_ATOMIC_RMW;
  int bmem = b->kind >= IPF_PK_READ && b->kind <= IPF_PK_ATOMIC_RMW;
  if (amem != bmem) return 0;
  if (amem) {
    uintptr_t a0 = (uintptr_t)a->obj, b0 = (uintptr_t)b->obj;
    unsigned as = a->size ? a->size : 1, bs = b->size ? b->size : 1;
    if (a0 + as <= b0 || b0 + bs <= a0) return 0;
    int aread = a->kind == IPF_PK_READ || a->kind == IPF_PK_ATOMIC_LOAD;
    int bread = b->kind == IPF_PK_READ || b->kind == IPF_PK_ATOMIC_LOAD;
    return !(aread && bread);
  }
  return a->obj == b->obj;
}

/* Happens-before edges of the emulated primitives (see DESIGN above). */
void ipf__hb_acquire(const void *sync);
void ipf__hb_release(const void *sync);

/* The memory runtime's hooks into the edges, set by src/rt when race
 * detection is on for a run (NULL otherwise: the edges then cost one
 * predictable branch). Called with the managed thread's id. */
extern void (*ipf__hb_hook_acquire)(int tid, const void *sync);
extern void (*ipf__hb_hook_release)(int tid, const void *sync);

/* ---- the memory runtime's view of the scheduler (src/rt) ------------------
 * Added for issue 10; backward compatible (nothing above changed).
 *
 * src/rt may live in another image than the scheduler: a program built with
 * `ipcfault cc` carries the rt, and under `ipcfault exec` the scheduler is in
 * the preload library, whose symbols are hidden. So the rt reaches the
 * scheduler through this one table, returned by ipf__rt_sched() — the one
 * kit function the preload exports besides the interposers. The rt calls it
 * directly when both are linked into one binary (weak reference) and finds
 * it with dlsym(RTLD_DEFAULT) otherwise; a program run alone finds nothing
 * and its hooks stay a load and a branch. */
struct ipf__rt_sched {
  unsigned version;                     /* IPF_RT_SCHED_VERSION */
  /* nonzero while a controlled run is in progress: that run's number, new
   * for every execution (the rt's per-execution state is tagged with it) */
  const volatile unsigned *live;
  int (*tid)(void);                     /* the calling managed thread's id, -1: not managed */
  void (*point_op)(int kind, const char *what, const void *obj, unsigned size, uintptr_t pc);
  /* end the execution with this verdict (as the step bound's hang does):
   * does not return */
  void (*report)(int verdict, const char *kind, const char *msg);
  const char *(*name_pc)(uintptr_t pc, char *buf, size_t len);
  const char *(*name_addr)(const void *addr, char *buf, size_t len);
  const char *(*thread_name)(int tid);
  void (**hook_acquire)(int tid, const void *sync);
  void (**hook_release)(int tid, const void *sync);
};
#define IPF_RT_SCHED_VERSION 1u
const struct ipf__rt_sched *ipf__rt_sched(void) __attribute__((visibility("default")));

/* The run number ipf__rt_sched()->live points at (sched.c). */
extern volatile unsigned ipf__rt_live;
/* End the calling managed thread's execution with a verdict found outside
 * the scheduler (src/rt: data-race). Controlled world only; no return. */
__attribute__((noreturn)) void ipf__report(int verdict, const char *kind, const char *msg);

#endif
