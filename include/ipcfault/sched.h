/* ipcfault/sched.h — what code under test calls.
 *
 * DESIGN: every function here is a scheduling point. Inside a controlled run
 * (ipf_exec with mode IPF_MODE_CONTROLLED) exactly one managed thread runs at a
 * time and the scheduler decides, at each point, which thread runs next; the
 * sync objects are emulated by the scheduler so that a blocked thread is never
 * parked inside the kernel where the scheduler cannot see it. In chaos mode the
 * same calls are the plain pthread operations plus seeded random delays. Outside
 * any run they are the plain pthread/C11 operations, so a mechanism written
 * against this header is an ordinary program when no test is running.
 *
 * Errors: 0 on success or a negative errno, as libuv does.
 */
#ifndef IPCFAULT_SCHED_H
#define IPCFAULT_SCHED_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- threads ---------------------------------------------------------- */

/* A thread handle. Value type; valid from create until join. */
typedef struct ipf_thread {
  pthread_t pt;     /* the real thread outside a controlled run */
  void *slot;       /* scheduler slot inside a controlled run */
  int id;           /* thread id inside the run (0 = the scenario's main) */
} ipf_thread_t;

typedef void (*ipf_thread_fn)(void *arg);

/* Start fn(arg) on a new thread named `name` (copied; shown in reports and
 * traces). Returns 0 or -EAGAIN when the run's thread table is full. */
int ipf_thread_create(ipf_thread_t *t, const char *name, ipf_thread_fn fn, void *arg);
/* Wait for t to finish. Returns 0, or -EINVAL for a handle never created. */
int ipf_thread_join(ipf_thread_t *t);
/* The current thread's id in the run (0 outside a run) and name. */
int ipf_thread_self(void);
const char *ipf_thread_name(void);

/* ---- mutex, condition variable, semaphore ------------------------------ */

/* Statically initialisable with IPF_MUTEX_INITIALIZER, like pthread's. The
 * fields are the scheduler's; treat them as opaque. */
typedef struct ipf_mutex {
  pthread_mutex_t pm;
  int owner;              /* controlled: thread id + 1, 0 when free */
  const char *name;       /* shown in deadlock reports; may be NULL */
} ipf_mutex_t;
#define IPF_MUTEX_INITIALIZER { PTHREAD_MUTEX_INITIALIZER, 0, 0 }

typedef struct ipf_cond {
  pthread_cond_t pc;
  const char *name;
} ipf_cond_t;
#define IPF_COND_INITIALIZER { PTHREAD_COND_INITIALIZER, 0 }

typedef struct ipf_sem {
  pthread_mutex_t pm;     /* chaos/plain: a mutex+cond semaphore, so that */
  pthread_cond_t pc;      /* timed waits and names work the same everywhere */
  long value;
  const char *name;
} ipf_sem_t;

int ipf_mutex_init(ipf_mutex_t *m, const char *name);
int ipf_mutex_destroy(ipf_mutex_t *m);
int ipf_mutex_lock(ipf_mutex_t *m);
int ipf_mutex_trylock(ipf_mutex_t *m);      /* 0 or -EBUSY */
int ipf_mutex_unlock(ipf_mutex_t *m);       /* -EPERM when not the owner */

int ipf_cond_init(ipf_cond_t *c, const char *name);
int ipf_cond_destroy(ipf_cond_t *c);
/* May wake spuriously (the `spurious` fault makes it do so on purpose):
 * always wait in a loop on your predicate. */
int ipf_cond_wait(ipf_cond_t *c, ipf_mutex_t *m);
/* Relative timeout in milliseconds; returns 0 or -ETIMEDOUT. In a controlled
 * run time is virtual: it times out only when nothing else can run. */
int ipf_cond_timedwait(ipf_cond_t *c, ipf_mutex_t *m, long ms);
int ipf_cond_signal(ipf_cond_t *c);
int ipf_cond_broadcast(ipf_cond_t *c);

int ipf_sem_init(ipf_sem_t *s, long value, const char *name);
int ipf_sem_destroy(ipf_sem_t *s);
int ipf_sem_wait(ipf_sem_t *s);
int ipf_sem_trywait(ipf_sem_t *s);          /* 0 or -EAGAIN */
int ipf_sem_timedwait(ipf_sem_t *s, long ms);  /* 0 or -ETIMEDOUT */
int ipf_sem_post(ipf_sem_t *s);

/* ---- processes (DESIGN.md, "Processes") -------------------------------- */

/* fork(2) as a scheduling point. In a controlled run the child's thread is a
 * managed thread of the same run: one thread of all the run's processes runs
 * at a time, under the same strategy and choice stream, so the interleaving of
 * parent and child replays from the schedule string. `name` names the child
 * process in reports ("child", "reader"; NULL: "child", "child-2", ...; not
 * copied). The child ends with ipf_exit (returning from the scenario body is
 * ipf_exit(0)); a child still running, never reaped, or killed by a signal
 * when the run ends is an oracle failure. Outside a controlled run: fork().
 * Returns as fork does: the child's pid, 0 in the child, -1 with errno. */
pid_t ipf_fork(const char *name);
/* waitpid(2) as a scheduling point: in a controlled run it blocks on the
 * scheduler until the child has ended, so a parent that waits for a child
 * that waits for it is a deadlock the scheduler sees and names. Returns as
 * waitpid does (EINTR never). */
pid_t ipf_waitpid(pid_t pid, int *status, int options);
/* End the calling process with status, as _exit(2) does (no atexit
 * handlers, no stdio flush). */
__attribute__((noreturn)) void ipf_exit(int status);

/* Exec a peer program: the calling process (a child of the run) replaces
 * its image with a fresh one of this same binary that runs `role` (see
 * ipf_register_peer) with argv, as execv(2) would: nothing of the parent's
 * memory survives, only what the kernel keeps (fds without FD_CLOEXEC, the
 * pid). In a controlled run the new image stays in the run: same thread,
 * same choice stream, the same fault plan, so the interleaving of separately
 * exec'd programs replays like any other. The peer's main's return value is
 * its exit status. Returns only on failure: -errno (-ENOENT: no such role;
 * -EINVAL: the run's root process, which cannot exec away). */
int ipf_exec_peer(const char *role, char *const argv[]);
/* Register a peer role (typically from a constructor of the file that
 * defines the scenario). 0, -EEXIST or -ENOSPC. */
int ipf_register_peer(const char *role, int (*main)(int argc, char **argv));

/* ---- yield, sleep, shared words ----------------------------------------- */

/* A scheduling point that also says "I am waiting for someone else": a thread
 * that yields is deprioritised until another thread makes progress, so a
 * correct spin-wait is never reported as a hang. */
void ipf_yield(void);
/* Sleep ms milliseconds; virtual time in a controlled run. */
void ipf_sleep(long ms);
/* Virtual milliseconds since the run started (real ones outside a run). */
long ipf_now_ms(void);

/* Shared words. ipf_load/ipf_store are scheduling points followed by a C11
 * atomic access (acquire / release by default), so the scheduler can preempt
 * exactly between a read and the write that depends on it. They work on any
 * integer or pointer lvalue. The access itself is compiled in the caller, so a
 * ThreadSanitizer build sees it as the atomic access it is. */
enum ipf_op { IPF_OP_LOAD = 1, IPF_OP_STORE = 2 };
void ipf__point_access(int op, const volatile void *addr);
void ipf__trace_value(int op, const volatile void *addr, long long value);

#define ipf_load_explicit(p, mo) __extension__({                          \
    ipf__point_access(IPF_OP_LOAD, (p));                                 \
    __typeof__(*(p)) ipf_v_ = __atomic_load_n((p), (mo));                 \
    ipf__trace_value(IPF_OP_LOAD, (p), (long long)(intptr_t)ipf_v_);      \
    ipf_v_; })
#define ipf_store_explicit(p, v, mo) __extension__({                      \
    __typeof__(*(p)) ipf_w_ = (v);                                       \
    ipf__point_access(IPF_OP_STORE, (p));                                \
    __atomic_store_n((p), ipf_w_, (mo));                                  \
    ipf__trace_value(IPF_OP_STORE, (p), (long long)(intptr_t)ipf_w_);     \
    (void)0; })
#define ipf_load(p)     ipf_load_explicit((p), __ATOMIC_ACQUIRE)
#define ipf_store(p, v) ipf_store_explicit((p), (v), __ATOMIC_RELEASE)

/* Give a memory range a name for traces and reports: "slot[2]" instead of an
 * address. elem is the element size (0 for a single object). The name is not
 * copied. Cleared at the start of every execution. */
void ipf_name(const volatile void *addr, unsigned long size, unsigned long elem, const char *name);

/* Add a line to the trace of the current thread ("took 3 from slot[2]").
 * Costs nothing unless the run is traced. */
void ipf_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Describe what the current thread is about to wait for, in words, for the
 * deadlock and hang reports of mechanisms built on these primitives
 * ("ipf_queue_get: queue empty"). The string is not copied; NULL clears. */
void ipf_set_wait_reason(const char *why);

/* Draw a decision in [0, n) from the run's choice stream (replayed exactly).
 * Outside a run: 0. For mechanisms and fault sites, not for user logic. */
unsigned ipf_choose(unsigned n);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_SCHED_H */
