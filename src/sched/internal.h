/* Scheduler internals shared by src/sched, src/io and src/fault. Not installed. */
#ifndef IPCFAULT_SCHED_INTERNAL_H
#define IPCFAULT_SCHED_INTERNAL_H

#include <stdint.h>
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

/* Threads of one execution at most. The scheduler's tables grow as needed;
 * this bound remains for the side tables indexed by thread id (src/io, the
 * mq mechanism). Exceeding it ends the execution with a tool error. */
#define IPF_MAX_THREADS 4096

/* What a blocked thread waits for; the scheduler evaluates the predicate. */
enum ipf__wait {
  IPF_WAIT_NONE, IPF_WAIT_MUTEX, IPF_WAIT_COND, IPF_WAIT_SEM, IPF_WAIT_JOIN,
  IPF_WAIT_SLEEP, IPF_WAIT_FD, IPF_WAIT_PRED,
  IPF_WAIT_PROC                 /* waitpid: obj = the waiter's process index, arg = the pid (-1: any child) */
};

/* Which of the three worlds the calling thread is in. */
enum ipf__world { IPF_WORLD_PLAIN, IPF_WORLD_CONTROLLED, IPF_WORLD_CHAOS };
int ipf__world(void);

/* Controlled mode: block the current thread until the predicate holds (or
 * deadline_ms of virtual time passes when deadline_ms >= 0). Returns 0, or
 * -ETIMEDOUT. For IPF_WAIT_FD, obj is (intptr_t)fd and arg the poll events. */
int ipf__block(int kind, const void *obj, long arg, long deadline_ms);
/* Condition waits: block until signalled (or ms of virtual time, ms >= 0);
 * wake one waiter (chosen by the choice stream) or all of them. */
int ipf__cond_block(const void *c, long ms);
void ipf__cond_wake(const void *c, int all);
/* For IPF_WAIT_PRED: a predicate the scheduler calls with obj. */
void ipf__set_pred(int (*pred)(const void *obj));
/* A plain scheduling point (preemption possible). `what` names the operation
 * for hang reports ("ipf_mutex_lock"), obj its object. */
void ipf__point(const char *what, const void *obj);
/* The point before a read or write on fd (fd < 0: not modelled): dfs sees
 * the object behind it (sched.c, fd_key). */
void ipf__point_fd(const char *what, int fd);
/* The same for an operation on sync object obj (mutex, cond, sem, join,
 * rwlock, barrier): dependent only on operations on obj (point.h). Its pc
 * is the program's call site when known (ipf__caller_pc), never the kit's. */
#define IPF_POINT_SYNC(what, obj) \
  ipf__point_op(IPF_PK_SYNC, (what), (obj), 0, ipf__caller_pc)
/* Called by the controller before it writes a thread report (exec mode:
 * the pthread emulation names its objects then, not on the hot path). */
extern void (*ipf__before_report)(void);
/* Record a trace line for the current thread (only when tracing). */
void ipf__trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The running execution's threads and recorded events (cfg.trace), as they
 * are now, into res (nthreads, thread_names, events not copied: valid until
 * the next execution): for exec mode, where the program may end the
 * execution itself (exit, a fatal signal) before ipf_exec returns. */
void ipf__trace_now(ipf_result *res);
int ipf__tracing(void);
/* Name of an address for reports: the same as ipf__name_addr (names.h). */
const char *ipf__addr_name(const void *addr, char *buf, unsigned long len);
/* Chaos mode: a seeded random delay at a scheduling point. */
void ipf__chaos_delay(void);
/* The current run's scenario (NULL outside a run). */
const ipf_scenario *ipf__scenario(void);
int ipf__tid_of_owner(int owner_field);
const char *ipf__thread_name_by_id(int id);
/* exec mode (src/sched/pthread.c): worker stack size, and the pthread a
 * controlled thread runs on. */
extern size_t ipf__worker_stack;
pthread_t ipf__thread_pthread(const ipf_thread_t *t);
/* pthread_detach: main's return waits for the thread instead of calling it
 * never joined (controlled threads). */
void ipf__thread_detached(const ipf_thread_t *t);
/* The number of the current (or last) controlled execution of this
 * process, counting from 1: what the pthread emulation's side table is
 * valid for (executions follow one another in a scenario binary). */
extern unsigned long ipf__exec_gen;

/* ---- processes (sched.c, "Processes") ---------------------------------------
 * The calling thread's process leaves the run: IPF_LEAVE_EXIT (it is about
 * to exit: exit handlers and _exit follow) or IPF_LEAVE_EXEC (execve of
 * `what` follows). Every thread of the process is over for the scheduler;
 * the caller is unmanaged when this returns, and the controller hands the
 * token on once the process is gone (exit) or at once (exec). Nothing
 * outside a controlled run, and nothing in the run's root process (its
 * exit ends the execution, exec mode's business). */
enum { IPF_LEAVE_EXIT = 1, IPF_LEAVE_EXEC = 2 };
void ipf__proc_leave(int how, int status, const char *what);
/* The calling thread starts a process outside the run: `how` the call
 * (posix_spawn, system, popen), `what` the program or command. Marks the
 * execution IPF_INEXACT_OUTSIDE and says so in the trace. */
void ipf__outside_process(const char *how, const char *what);
/* Kill and reap every process of the current run but the root (exec mode,
 * when the root process itself ends the execution, with exit()): returns
 * the run's verdict so far, with the process oracles applied (a child still
 * running or never reaped), its kind and message copied out when a bug. */
int ipf__procs_kill(char *kind, size_t klen, char *msg, size_t mlen);
/* A zeroed MAP_SHARED | MAP_NORESERVE mapping, or NULL. */
void *ipf__shared_map(size_t bytes);
/* Another layer's state that every process of a run shares, peer images
 * included: carved once from this process's run state (mapped by ipf_exec
 * before anything else), by key; *created when it was made by this call.
 * NULL before this process's first controlled execution. */
enum { IPF_SHK_FAULT, IPF_SHK_FIFO, IPF_SHK_TMP };
void *ipf__shared_get(int key, size_t bytes, int *created);
/* Whether the current (or last) controlled run has more than one process. */
int ipf__multiproc(void);
/* /proc (src/sched/procfs.c). ipf__proc_read: the small file at the
 * printf-style path ("/proc/%d/stat", pid) into buf, NUL-terminated; its
 * length, or -1 when it cannot be read or is empty. ipf__stat_field: where
 * field `field` (numbered as in proc(5): 3 state, 4 ppid, 52 exit_code)
 * starts in a /proc/PID/stat line, or NULL (a line cut short).
 * ipf__proc_children: fn(pid, arg) for each process whose parent is this
 * one now (orphans reparented to a subreaper included), as /proc lists
 * them; fn may kill and reap its pid. */
#include <sys/types.h>
ssize_t ipf__proc_read(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *ipf__stat_field(const char *stat, int field);
void ipf__proc_children(void (*fn)(pid_t pid, void *arg), void *arg);

/* ---- the stall watchdog (src/sched/watchdog.c) ------------------------------
 * The controller waits for the run's end with ipf__wd_wait, which wakes
 * every period (ms; 0 = no watchdog) and signals a running thread that took
 * no scheduling point for a whole period. Returns 1 when the exec-mode wall
 * bound (ipf__wd_wall_ms, 0 = none) passed first. */
#include <pthread.h>
#include <signal.h>
int ipf__wd_wait(_Atomic uint32_t *done, long period_ms);
long ipf__wd_period(const ipf_config *cfg);
void ipf__wd_thread_start(void);
void ipf__wd_prepare(void);
void ipf__wd_mark_inexact(int why);   /* IPF_INEXACT_* */
int ipf__stall_sig(void);
int ipf__real_sigaction(int sig, const struct sigaction *sa, struct sigaction *old);
extern long ipf__wd_wall_ms;
extern int ipf__wd_wall_hit;        /* ipf__wd_wait returned 1 */
extern volatile int *ipf__wd_inexact_out;
extern __thread int ipf__pt_guard __attribute__((tls_model("initial-exec")));
/* The scheduler's side (sched.c). probe: the running thread (an identity,
 * 0 = none) and the run's step count, read racily by the controller.
 * stall_at: on the signalled thread, in the handler; seen is the step count
 * the controller saw. how: PREEMPT (park here, run another), DEFER (only
 * note the PC: the thread is in libc or in the kit), SAMPLE (note the PC
 * for a --timeout report). */
enum { IPF_STALL_PREEMPT, IPF_STALL_DEFER, IPF_STALL_SAMPLE };
uintptr_t ipf__sched_probe(pthread_t *pt, long *steps);
void ipf__stall_at(long seen, uintptr_t pc, uint64_t regs, int how);
/* Each watchdog tick: a process of the run that died holding the token. */
void ipf__sched_tick(void);

/* Close the fds that abandoned threads of the execution just ended still
 * hold (src/io/io.c). */
void ipf__io_reap(void);
/* The execution is over (every mode): ipf__io_reap when some threads were
 * abandoned, and remove the private directories its threads made and did
 * not remove (src/io/io.c). */
void ipf__io_exec_end(int abandoned);
/* Before a controlled execution: the io layer's state that the run's
 * processes share (FIFO registry, private directories) is in a shared
 * mapping of this process's (src/io/io.c). */
void ipf__io_exec_begin(void);
/* The pid of the current run's root process (getpid() outside a run). */
pid_t ipf__run_root(void);
/* The run's processes, for reports: up to cap pids and names; the count. */
int ipf__run_procs(pid_t *pids, const char **names, int cap);
/* Words for a report on a thread of this process blocked on fd for ev
 * (src/io/io.c): what the fd is, how full, who holds its other end. */
const char *ipf__io_explain(int fd, short ev);
/* A managed thread unwound from an abandoned execution (sched.c reclaim)
 * forgets its thread-local state: task catch frames (task.c), the fault
 * layer's re-entry guard (fault.c). */
void ipf__catch_reset(void);
/* Memory of the current controlled execution that its threads would free
 * (sched.c): adopt when allocated, disown when freed; what is still adopted
 * when the execution ends with abandoned threads is released for them.
 * Outside controlled runs both do nothing. */
void ipf__exec_adopt(void *obj, void (*release)(void *));
void ipf__exec_disown(void *obj);
void ipf__fault_thread_reset(void);

/* Happens-before edges the emulated primitives really provide (point.h):
 * TSan annotations in TSan builds, vector clocks under race detection. The
 * handoff itself adds none (see sched.c). IPF_TSAN_ONLY_* are the
 * scheduler's own edges to the controller, never the program's. */
#include "point.h"
#define IPF_HB_ACQUIRE(a) ipf__hb_acquire((const void *)(a))
#define IPF_HB_RELEASE(a) ipf__hb_release((const void *)(a))
#ifdef IPF_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define IPF_TSAN_ONLY_ACQUIRE(a) __tsan_acquire((void *)(a))
#define IPF_TSAN_ONLY_RELEASE(a) __tsan_release((void *)(a))
/* The kit's own probes of a program's objects (fstat of a pipe's other end
 * to word a report) are no accesses of the program's: TSan's interceptors
 * would count them as reads of the fd, racing with a close in a thread the
 * program never synchronised with. */
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define IPF_TSAN_IGNORE_BEGIN() __tsan_ignore_thread_begin()
#define IPF_TSAN_IGNORE_END() __tsan_ignore_thread_end()
#else
#define IPF_TSAN_ONLY_ACQUIRE(a) ((void)(a))
#define IPF_TSAN_ONLY_RELEASE(a) ((void)(a))
#define IPF_TSAN_IGNORE_BEGIN() ((void)0)
#define IPF_TSAN_IGNORE_END() ((void)0)
#endif

/* The public API's blocking calls name the program's call site for reports
 * (point.h: ipf__caller_pc) for the rest of the enclosing block, unless an
 * outer layer (exec mode's interposers) already did. */
static inline uintptr_t ipf__caller_enter(uintptr_t pc) {
  uintptr_t old = ipf__caller_pc;
  if (!old) ipf__caller_pc = pc;
  return old;
}
static inline void ipf__caller_leave(uintptr_t *old) { ipf__caller_pc = *old; }
#define IPF_CALLER_SCOPE()                                                    \
  uintptr_t ipf__caller_saved_ __attribute__((cleanup(ipf__caller_leave), unused)) = \
      ipf__caller_enter((uintptr_t)__builtin_return_address(0))

/* splitmix64: the kit's one PRNG (seeding and streams). */
static inline uint64_t ipf__mix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

#endif
