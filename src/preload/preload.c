/* libipcfault_preload.so: an unmodified, dynamically linked pthread program
 * under the controlled scheduler (`ipcfault exec`).
 *
 * DESIGN. Every function here has the name and signature of a libc function
 * and is found first by the dynamic linker (LD_PRELOAD). Each one decides
 * between two paths:
 *  - emulate: the caller is a managed thread of a running execution and not
 *    already inside the kit. Then the call is a scheduling point of the
 *    controlled scheduler (src/sched/pthread.c, src/io), with ipf__pt_guard
 *    set while the kit works, so that the kit's own calls of these same
 *    functions (pthread_create of a worker, read(2) under ipf_read, libfiu's
 *    locks) reach libc instead of coming back here;
 *  - pass through: anything else — the forkserver, the controller, code
 *    before main, a program run with the library but not by ipcfault — goes
 *    to the next definition (libc), found once with dlsym(RTLD_NEXT). The
 *    condition-variable functions are looked up by version (GLIBC_2.3.2):
 *    an unversioned dlsym returns the pre-2.3.2 compatibility ABI.
 * The library is built with hidden visibility: only these functions are
 * exported, so the kit inside it cannot collide with the program's symbols.
 * The entry into the kit is __libc_start_main, which hands the program's
 * main to the forkserver (src/sched/exec_main.c).
 *
 * Linked variant (IPF_INTERPOSE_LINKED, libipcfault_interpose.a, which
 * ipcfault_main pulls in): the same thread and synchronisation interposers
 * linked into a scenario binary, so that a user's pthread library called
 * from an IPF_SCENARIO is under the scheduler with no shim and no change to
 * its source (link-time interposition: the executable's definitions come
 * before libc's, for its own objects and for the shared libraries it
 * loads). There, any managed thread of a controlled execution emulates
 * (no forkserver), the kit's own calls never arrive here (they are renamed
 * to libc's, src/sched/real.h), and the I/O calls and __libc_start_main
 * stay libc's: the kit's io wrappers are the scenario's I/O interface.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../sched/exec.h"
#include "../sched/internal.h"
#include "../sched/names.h"
#include "ipcfault/io.h"

#define API __attribute__((visibility("default")))

/* emulate this call? */
#ifdef IPF_INTERPOSE_LINKED
#define EMU() (!ipf__pt_guard && ipf__world() == IPF_WORLD_CONTROLLED)
#else
#define EMU() (__builtin_expect(ipf__exec_active, 1) && !ipf__pt_guard && ipf__world() == IPF_WORLD_CONTROLLED)
#endif

/* The kit's own calls look for libc past these (src/sched/real.c). */
const int ipf__interposed = 1;
#define PC() __builtin_return_address(0)
/* Into the kit and out: the guard routes the kit's own calls to libc, and
 * the caller pc (point.h) lets reports name the program's call site. Both
 * are expanded in the interposer itself, so PC() is the program's. */
#define ENTER() (ipf__caller_pc = (uintptr_t)PC(), ipf__pt_guard = 1)
#define LEAVE() (ipf__pt_guard = 0, ipf__caller_pc = 0)

/* The next definition of name (libc's), looked up on first use. */
/* Each next definition is looked up once, eagerly, by a constructor: a
 * lazy first dlsym can come at a moment when it must not allocate, e.g.
 * LeakSanitizer's exit-time check calls sched_yield with the allocator
 * locked, and dlsym's error-string handling frees memory (seen: the
 * command hung at exit under ASan). A name not found yet (operator new in
 * a program without libstdc++) is tried again at its first call. */
#define REAL(ret, name, params)                                               \
  static ret(*real_##name) params;                                            \
  static inline ret(*get_##name(void)) params {                               \
    if (!real_##name) real_##name = (ret(*) params)dlsym(RTLD_NEXT, #name);    \
    return real_##name;                                                       \
  }                                                                           \
  __attribute__((constructor)) static void resolve_##name(void) { (void)get_##name(); }
#define REALV(ret, name, params, ver)                                         \
  static ret(*real_##name) params;                                            \
  static inline ret(*get_##name(void)) params {                               \
    if (!real_##name) real_##name = (ret(*) params)dlvsym(RTLD_NEXT, #name, ver); \
    if (!real_##name) real_##name = (ret(*) params)dlsym(RTLD_NEXT, #name);  \
    return real_##name;                                                       \
  }                                                                           \
  __attribute__((constructor)) static void resolve_##name(void) { (void)get_##name(); }

/* ---- entry: main ------------------------------------------------------------ */
#ifndef IPF_INTERPOSE_LINKED

typedef int (*start_main_fn)(ipf_main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
static ipf_main_fn program_main;

static int main_hook(int argc, char **argv, char **envp) {
  return ipf__exec_main(program_main, argc, argv, envp);
}

API int __libc_start_main(ipf_main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                          void (*rtld_fini)(void), void *stack_end) {
  start_main_fn real = (start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
  program_main = main;
  return real(main_hook, argc, argv, init, fini, rtld_fini, stack_end);
}
#endif

/* ---- threads ---------------------------------------------------------------- */

REAL(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
API int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
  if (!EMU()) return get_pthread_create()(t, a, fn, arg);
  ENTER();
  int rc = ipf__pt_create(t, a, fn, arg);
  LEAVE();
  return rc;
}

REAL(int, pthread_join, (pthread_t, void **))
API int pthread_join(pthread_t t, void **ret) {
  if (!EMU()) return get_pthread_join()(t, ret);
  ENTER();
  int rc = ipf__pt_join(t, ret);
  LEAVE();
  return rc;
}

REAL(int, pthread_detach, (pthread_t))
API int pthread_detach(pthread_t t) {
  if (!EMU()) return get_pthread_detach()(t);
  ENTER();
  int rc = ipf__pt_detach(t);
  LEAVE();
  return rc;
}

REAL(void, pthread_exit, (void *))
API void pthread_exit(void *ret) {
  if (EMU()) { ENTER(); ipf__pt_exit(ret); }
  get_pthread_exit()(ret);
  __builtin_unreachable();
}

REAL(int, pthread_once, (pthread_once_t *, void (*)(void)))
API int pthread_once(pthread_once_t *o, void (*fn)(void)) {
  if (!EMU()) return get_pthread_once()(o, fn);
  ENTER();
  int rc = ipf__pt_once(o, fn);
  LEAVE();
  return rc;
}

/* ---- mutexes ------------------------------------------------------------------- */

REAL(int, pthread_mutex_init, (pthread_mutex_t *, const pthread_mutexattr_t *))
API int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) {
  int rc = get_pthread_mutex_init()(m, a);     /* the program's memory, as it expects */
  if (rc || !EMU()) return rc;
  ENTER();
  rc = ipf__pt_mutex_init(m, a);
  LEAVE();
  return rc;
}

REAL(int, pthread_mutex_destroy, (pthread_mutex_t *))
API int pthread_mutex_destroy(pthread_mutex_t *m) {
  if (!EMU()) return get_pthread_mutex_destroy()(m);
  ENTER();
  int rc = ipf__pt_mutex_destroy(m);
  LEAVE();
  return rc;
}

/* pass through, or emulate with the guard set */
#define WRAP(real_call, emu_call)                                             \
  do {                                                                        \
    if (!EMU()) return real_call;                                             \
    ENTER();                                                                  \
    int rc_ = emu_call;                                                       \
    LEAVE();                                                                  \
    return rc_;                                                               \
  } while (0)

REAL(int, pthread_mutex_lock, (pthread_mutex_t *))
API int pthread_mutex_lock(pthread_mutex_t *m) {
  WRAP(get_pthread_mutex_lock()(m), ipf__pt_mutex_lock(m, NULL, 0, PC()));
}
REAL(int, pthread_mutex_trylock, (pthread_mutex_t *))
API int pthread_mutex_trylock(pthread_mutex_t *m) {
  WRAP(get_pthread_mutex_trylock()(m), ipf__pt_mutex_lock(m, NULL, 1, PC()));
}
REAL(int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *))
API int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts) {
  WRAP(get_pthread_mutex_timedlock()(m, ts), ipf__pt_mutex_lock(m, ts, 0, PC()));
}
REAL(int, pthread_mutex_unlock, (pthread_mutex_t *))
API int pthread_mutex_unlock(pthread_mutex_t *m) {
  WRAP(get_pthread_mutex_unlock()(m), ipf__pt_mutex_unlock(m));
}

/* ---- spinlocks --------------------------------------------------------------- */

REAL(int, pthread_spin_init, (pthread_spinlock_t *, int))
API int pthread_spin_init(pthread_spinlock_t *s, int pshared) {
  int rc = get_pthread_spin_init()(s, pshared);
  if (rc || !EMU()) return rc;
  ENTER();
  rc = ipf__pt_spin_init(s);
  LEAVE();
  return rc;
}
REAL(int, pthread_spin_lock, (pthread_spinlock_t *))
API int pthread_spin_lock(pthread_spinlock_t *s) {
  WRAP(get_pthread_spin_lock()(s), ipf__pt_spin_lock(s, 0, PC()));
}
REAL(int, pthread_spin_trylock, (pthread_spinlock_t *))
API int pthread_spin_trylock(pthread_spinlock_t *s) {
  WRAP(get_pthread_spin_trylock()(s), ipf__pt_spin_lock(s, 1, PC()));
}
REAL(int, pthread_spin_unlock, (pthread_spinlock_t *))
API int pthread_spin_unlock(pthread_spinlock_t *s) {
  WRAP(get_pthread_spin_unlock()(s), ipf__pt_spin_unlock(s));
}

/* ---- condition variables --------------------------------------------------------- */

REALV(int, pthread_cond_init, (pthread_cond_t *, const pthread_condattr_t *), "GLIBC_2.3.2")
API int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a) {
  int rc = get_pthread_cond_init()(c, a);
  if (rc || !EMU()) return rc;
  ENTER();
  rc = ipf__pt_cond_init(c, a);
  LEAVE();
  return rc;
}
REALV(int, pthread_cond_destroy, (pthread_cond_t *), "GLIBC_2.3.2")
API int pthread_cond_destroy(pthread_cond_t *c) {
  WRAP(get_pthread_cond_destroy()(c), ipf__pt_cond_destroy(c));
}
REALV(int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *), "GLIBC_2.3.2")
API int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  WRAP(get_pthread_cond_wait()(c, m), ipf__pt_cond_wait(c, m, NULL, PC()));
}
REALV(int, pthread_cond_timedwait, (pthread_cond_t *, pthread_mutex_t *, const struct timespec *), "GLIBC_2.3.2")
API int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts) {
  WRAP(get_pthread_cond_timedwait()(c, m, ts), ipf__pt_cond_wait(c, m, ts, PC()));
}
REALV(int, pthread_cond_signal, (pthread_cond_t *), "GLIBC_2.3.2")
API int pthread_cond_signal(pthread_cond_t *c) {
  WRAP(get_pthread_cond_signal()(c), ipf__pt_cond_wake(c, 0));
}
REALV(int, pthread_cond_broadcast, (pthread_cond_t *), "GLIBC_2.3.2")
API int pthread_cond_broadcast(pthread_cond_t *c) {
  WRAP(get_pthread_cond_broadcast()(c), ipf__pt_cond_wake(c, 1));
}

/* ---- rwlocks ----------------------------------------------------------------------- */

REAL(int, pthread_rwlock_init, (pthread_rwlock_t *, const pthread_rwlockattr_t *))
API int pthread_rwlock_init(pthread_rwlock_t *r, const pthread_rwlockattr_t *a) {
  int rc = get_pthread_rwlock_init()(r, a);
  if (rc || !EMU()) return rc;
  ENTER();
  rc = ipf__pt_rwlock_init(r);
  LEAVE();
  return rc;
}
REAL(int, pthread_rwlock_destroy, (pthread_rwlock_t *))
API int pthread_rwlock_destroy(pthread_rwlock_t *r) {
  WRAP(get_pthread_rwlock_destroy()(r), ipf__pt_rwlock_destroy(r));
}
REAL(int, pthread_rwlock_rdlock, (pthread_rwlock_t *))
API int pthread_rwlock_rdlock(pthread_rwlock_t *r) {
  WRAP(get_pthread_rwlock_rdlock()(r), ipf__pt_rwlock_lock(r, 0, NULL, 0, PC()));
}
REAL(int, pthread_rwlock_wrlock, (pthread_rwlock_t *))
API int pthread_rwlock_wrlock(pthread_rwlock_t *r) {
  WRAP(get_pthread_rwlock_wrlock()(r), ipf__pt_rwlock_lock(r, 1, NULL, 0, PC()));
}
REAL(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *))
API int pthread_rwlock_tryrdlock(pthread_rwlock_t *r) {
  WRAP(get_pthread_rwlock_tryrdlock()(r), ipf__pt_rwlock_lock(r, 0, NULL, 1, PC()));
}
REAL(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *))
API int pthread_rwlock_trywrlock(pthread_rwlock_t *r) {
  WRAP(get_pthread_rwlock_trywrlock()(r), ipf__pt_rwlock_lock(r, 1, NULL, 1, PC()));
}
REAL(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const struct timespec *))
API int pthread_rwlock_timedrdlock(pthread_rwlock_t *r, const struct timespec *ts) {
  WRAP(get_pthread_rwlock_timedrdlock()(r, ts), ipf__pt_rwlock_lock(r, 0, ts, 0, PC()));
}
REAL(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const struct timespec *))
API int pthread_rwlock_timedwrlock(pthread_rwlock_t *r, const struct timespec *ts) {
  WRAP(get_pthread_rwlock_timedwrlock()(r, ts), ipf__pt_rwlock_lock(r, 1, ts, 0, PC()));
}
REAL(int, pthread_rwlock_unlock, (pthread_rwlock_t *))
API int pthread_rwlock_unlock(pthread_rwlock_t *r) {
  WRAP(get_pthread_rwlock_unlock()(r), ipf__pt_rwlock_unlock(r));
}

/* ---- barriers ----------------------------------------------------------------------- */

REAL(int, pthread_barrier_init, (pthread_barrier_t *, const pthread_barrierattr_t *, unsigned))
API int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n) {
  int rc = get_pthread_barrier_init()(b, a, n);
  if (rc || !EMU()) return rc;
  ENTER();
  rc = ipf__pt_barrier_init(b, n);
  LEAVE();
  return rc;
}
REAL(int, pthread_barrier_destroy, (pthread_barrier_t *))
API int pthread_barrier_destroy(pthread_barrier_t *b) {
  WRAP(get_pthread_barrier_destroy()(b), ipf__pt_barrier_destroy(b));
}
REAL(int, pthread_barrier_wait, (pthread_barrier_t *))
API int pthread_barrier_wait(pthread_barrier_t *b) {
  WRAP(get_pthread_barrier_wait()(b), ipf__pt_barrier_wait(b));
}

/* ---- semaphores: 0, or -1 and errno -------------------------------------------------- */

#define SEMWRAP(real_call, emu_call)                                          \
  do {                                                                        \
    if (!EMU()) return real_call;                                             \
    ENTER();                                                                  \
    int rc_ = emu_call;                                                       \
    LEAVE();                                                                  \
    if (rc_ < 0) { errno = -rc_; return -1; }                                 \
    return 0;                                                                 \
  } while (0)

REAL(int, sem_init, (sem_t *, int, unsigned))
API int sem_init(sem_t *s, int pshared, unsigned v) {
  int rc = get_sem_init()(s, pshared, v);
  if (rc || !EMU()) return rc;
  ENTER();
  ipf__pt_sem_init(s, v);
  LEAVE();
  return 0;
}
REAL(int, sem_destroy, (sem_t *))
API int sem_destroy(sem_t *s) { SEMWRAP(get_sem_destroy()(s), ipf__pt_sem_destroy(s)); }
REAL(int, sem_wait, (sem_t *))
API int sem_wait(sem_t *s) { SEMWRAP(get_sem_wait()(s), ipf__pt_sem_wait(s, NULL, 0)); }
REAL(int, sem_trywait, (sem_t *))
API int sem_trywait(sem_t *s) { SEMWRAP(get_sem_trywait()(s), ipf__pt_sem_wait(s, NULL, 1)); }
REAL(int, sem_timedwait, (sem_t *, const struct timespec *))
API int sem_timedwait(sem_t *s, const struct timespec *ts) {
  SEMWRAP(get_sem_timedwait()(s, ts), ipf__pt_sem_wait(s, ts, 0));
}
REAL(int, sem_post, (sem_t *))
API int sem_post(sem_t *s) { SEMWRAP(get_sem_post()(s), ipf__pt_sem_post(s)); }
REAL(int, sem_getvalue, (sem_t *, int *))
API int sem_getvalue(sem_t *s, int *v) { SEMWRAP(get_sem_getvalue()(s, v), ipf__pt_sem_getvalue(s, v)); }

/* ---- yield and sleep: virtual time ----------------------------------------------------- */

REAL(int, sched_yield, (void))
API int sched_yield(void) {
  if (!EMU()) return get_sched_yield()();
  ENTER();
  ipf__pt_yield();
  LEAVE();
  return 0;
}

static void vsleep(long long ns, void *pc) {
  ipf__caller_pc = (uintptr_t)pc;
  ipf__pt_guard = 1;
  ipf__pt_sleep_ns(ns);
  LEAVE();
}
REAL(unsigned, sleep, (unsigned))
API unsigned sleep(unsigned s) {
  if (!EMU()) return get_sleep()(s);
  vsleep((long long)s * 1000000000LL, PC());
  return 0;
}
REAL(int, usleep, (useconds_t))
API int usleep(useconds_t us) {
  if (!EMU()) return get_usleep()(us);
  vsleep((long long)us * 1000, PC());
  return 0;
}
REAL(int, nanosleep, (const struct timespec *, struct timespec *))
API int nanosleep(const struct timespec *req, struct timespec *rem) {
  if (!EMU()) return get_nanosleep()(req, rem);
  if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L) { errno = EINVAL; return -1; }
  vsleep((long long)req->tv_sec * 1000000000LL + req->tv_nsec, PC());
  if (rem) rem->tv_sec = rem->tv_nsec = 0;
  return 0;
}
REAL(int, clock_nanosleep, (clockid_t, int, const struct timespec *, struct timespec *))
API int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
  if (!EMU()) return get_clock_nanosleep()(clk, flags, req, rem);
  long long ns = (long long)req->tv_sec * 1000000000LL + req->tv_nsec;
  if (flags & TIMER_ABSTIME) {
    struct timespec now;
    clock_gettime(clk, &now);
    ns -= (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
  }
  vsleep(ns, PC());
  if (rem) rem->tv_sec = rem->tv_nsec = 0;
  return 0;
}

#ifndef IPF_INTERPOSE_LINKED
/* ---- I/O: the fault layer's wrappers (scheduling points, fault sites, and
 * waits the scheduler sees instead of sleeps in the kernel) ------------------------------ */

#define IOWRAP(type, real_call, emu_call)                                     \
  do {                                                                        \
    if (!EMU()) return real_call;                                             \
    ENTER();                                                                  \
    type rc_ = emu_call;                                                      \
    LEAVE();                                                                  \
    if (rc_ < 0) { errno = (int)-rc_; return -1; }                            \
    return rc_;                                                               \
  } while (0)

REAL(ssize_t, read, (int, void *, size_t))
API ssize_t read(int fd, void *b, size_t n) { IOWRAP(ssize_t, get_read()(fd, b, n), ipf_read(fd, b, n)); }
REAL(ssize_t, write, (int, const void *, size_t))
API ssize_t write(int fd, const void *b, size_t n) { IOWRAP(ssize_t, get_write()(fd, b, n), ipf_write(fd, b, n)); }
REAL(ssize_t, readv, (int, const struct iovec *, int))
API ssize_t readv(int fd, const struct iovec *v, int n) { IOWRAP(ssize_t, get_readv()(fd, v, n), ipf_readv(fd, v, n)); }
REAL(ssize_t, writev, (int, const struct iovec *, int))
API ssize_t writev(int fd, const struct iovec *v, int n) { IOWRAP(ssize_t, get_writev()(fd, v, n), ipf_writev(fd, v, n)); }
REAL(ssize_t, recv, (int, void *, size_t, int))
API ssize_t recv(int fd, void *b, size_t n, int f) { IOWRAP(ssize_t, get_recv()(fd, b, n, f), ipf_recv(fd, b, n, f)); }
REAL(ssize_t, send, (int, const void *, size_t, int))
API ssize_t send(int fd, const void *b, size_t n, int f) { IOWRAP(ssize_t, get_send()(fd, b, n, f), ipf_send(fd, b, n, f)); }
REAL(int, accept, (int, struct sockaddr *, socklen_t *))
API int accept(int fd, struct sockaddr *a, socklen_t *l) { IOWRAP(int, get_accept()(fd, a, l), ipf_accept(fd, a, l)); }
REAL(int, connect, (int, const struct sockaddr *, socklen_t))
API int connect(int fd, const struct sockaddr *a, socklen_t l) { IOWRAP(int, get_connect()(fd, a, l), ipf_connect(fd, a, l)); }
REAL(int, close, (int))
API int close(int fd) { IOWRAP(int, get_close()(fd), ipf_close(fd)); }
REAL(int, pipe, (int[2]))
API int pipe(int fds[2]) { IOWRAP(int, get_pipe()(fds), ipf_pipe(fds)); }
#endif

#ifndef IPF_INTERPOSE_LINKED
/* ---- processes (issue 13): the program's own fork, wait, exit and exec -----------------
 * A managed thread's fork() is ipf_fork: the child is a process of the run,
 * its thread a managed thread under the same controller and choice stream
 * (vfork too, and outside a run it is fork: POSIX allows that, a vfork
 * child sharing the parent's memory could not take part in the run, and
 * one returning from this wrapper would clobber the parent's frame). waitpid, wait, wait3,
 * wait4 (the rusage is zeroed: the kit does not account a child's CPU
 * time) and waitid (P_PID, P_ALL, P_PGID with WEXITED, WNOHANG, WNOWAIT)
 * wait on the scheduler through ipf_waitpid, so a parent
 * that waits for a child that waits for it is a deadlock the scheduler sees.
 * _exit and _Exit are ipf_exit (in the run's first process they end the
 * execution as its exit() would: exec_main.c). exit() first leaves the run
 * (ipf__proc_leave): the process's atexit handlers and stdio flush then run
 * outside the scheduler, as the program's last words, and the process's
 * death hands the run on. The exec family leaves the run too, naming the
 * binary: another program is not part of the run (an exec bound to fail,
 * no such file or not executable, stays in it: the program's error path is
 * still the run's). posix_spawn, system and popen never reach fork() here
 * (glibc spawns with clone): their processes run outside the run from the
 * start, and a wait for one of them is the real, blocking waitpid, during
 * which the caller keeps the run's token (nothing else of the run runs
 * until that process ends). Which children are the run's is kept per
 * process (the pids ipf_fork returned, dropped when reaped); a wait for
 * any child waits on the scheduler while the process has a child of the
 * run. kill() is not interposed: a signal to a process of the run is the
 * kernel's, and its effect the run's oracles judge. */

/* The helpers below run on behalf of an interposer: the program's call
 * site is the interposer's return address, passed in (a helper that is
 * not inlined would name the interposer itself). */
#define ENTER_AT(pc) (ipf__caller_pc = (uintptr_t)(pc), ipf__pt_guard = 1)

/* The run's children of this process (one managed thread runs at a time:
 * no lock). Grown with the next allocator (callers hold the guard). */
static pid_t *kids;
static int nkids, capkids;

static int kid_index(pid_t p) {
  for (int i = 0; i < nkids; i++)
    if (kids[i] == p) return i;
  return -1;
}
static void kid_add(pid_t p) {
  if (nkids == capkids) {
    int cap = capkids ? 2 * capkids : 16;
    pid_t *k = realloc(kids, (size_t)cap * sizeof *k);
    if (!k) return;                 /* forgotten: its waits are then the kernel's */
    kids = k;
    capkids = cap;
  }
  kids[nkids++] = p;
}
static void kid_reaped(pid_t p, int status) {
  int i = kid_index(p);
  if (i >= 0 && (WIFEXITED(status) || WIFSIGNALED(status))) kids[i] = kids[--nkids];
}
/* Does a wait for pid (waitpid's convention) wait for a process of the run? */
static int run_target(pid_t pid) { return pid > 0 ? kid_index(pid) >= 0 : nkids > 0; }

static pid_t proc_fork(void *pc) {
  ENTER_AT(pc);
  pid_t p = ipf_fork(NULL);
  int e = errno;
  if (p == 0) nkids = 0;            /* the parent's children are not the child's */
  else if (p > 0) kid_add(p);
  LEAVE();
  errno = e;
  return p;
}

REAL(pid_t, fork, (void))
API pid_t fork(void) {
  if (!EMU()) return get_fork()();
  return proc_fork(PC());
}
API pid_t vfork(void) {
  if (!EMU()) return get_fork()();
  return proc_fork(PC());
}

/* waitpid's convention, for a target known to be the run's */
static pid_t run_wait(pid_t pid, int *status, int options, void *pc) {
  int st = 0;
  ENTER_AT(pc);
  pid_t r = ipf_waitpid(pid, &st, options);
  int e = errno;
  if (r > 0 && !(options & WNOWAIT)) kid_reaped(r, st);
  LEAVE();
  if (r > 0 && status) *status = st;
  errno = e;
  return r;
}

REAL(pid_t, waitpid, (pid_t, int *, int))
API pid_t waitpid(pid_t pid, int *status, int options) {
  if (!EMU() || !run_target(pid)) return get_waitpid()(pid, status, options);
  return run_wait(pid, status, options, PC());
}
REAL(pid_t, wait, (int *))
API pid_t wait(int *status) {
  if (!EMU() || !run_target(-1)) return get_wait()(status);
  return run_wait(-1, status, 0, PC());
}
REAL(pid_t, wait4, (pid_t, int *, int, struct rusage *))
API pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru) {
  if (!EMU() || !run_target(pid)) return get_wait4()(pid, status, options, ru);
  pid_t r = run_wait(pid, status, options, PC());
  if (r >= 0 && ru) memset(ru, 0, sizeof *ru);
  return r;
}
REAL(pid_t, wait3, (int *, int, struct rusage *))
API pid_t wait3(int *status, int options, struct rusage *ru) {
  if (!EMU() || !run_target(-1)) return get_wait3()(status, options, ru);
  pid_t r = run_wait(-1, status, options, PC());
  if (r >= 0 && ru) memset(ru, 0, sizeof *ru);
  return r;
}

REAL(int, waitid, (idtype_t, id_t, siginfo_t *, int))
API int waitid(idtype_t type, id_t id, siginfo_t *info, int options) {
  pid_t pid;
  switch (type) {
    case P_PID: pid = (pid_t)id; break;
    case P_ALL: pid = -1; break;
    case P_PGID: pid = id ? -(pid_t)id : 0; break;
    default: pid = 0; options = 0; break;        /* P_PIDFD: the kernel's */
  }
  /* stop and continue events only (no WEXITED): the kernel's */
  if (!EMU() || !(options & WEXITED) || !run_target(pid)) return get_waitid()(type, id, info, options);
  /* WNOWAIT too: the child is seen and stays waitable (ipf_waitpid) */
  int st = 0;
  pid_t r = run_wait(pid, &st, options & (WNOHANG | WNOWAIT | WSTOPPED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD),
                     PC());
  if (r < 0) return -1;
  if (info) {
    memset(info, 0, sizeof *info);
    if (r > 0) {
      info->si_signo = SIGCHLD;
      info->si_pid = r;
      info->si_uid = getuid();
      if (WIFEXITED(st)) { info->si_code = CLD_EXITED; info->si_status = WEXITSTATUS(st); }
      else if (WIFSIGNALED(st)) { info->si_code = WCOREDUMP(st) ? CLD_DUMPED : CLD_KILLED; info->si_status = WTERMSIG(st); }
      else if (WIFSTOPPED(st)) { info->si_code = CLD_STOPPED; info->si_status = WSTOPSIG(st); }
      else { info->si_code = CLD_CONTINUED; info->si_status = SIGCONT; }
    }
  }
  return 0;
}

/* ---- leaving: exit and exec ---- */

/* In the run's root process (the program's first) _exit ends the
 * execution: the run's other processes are killed and reaped and the
 * process oracles judged, as exit()'s handlers do (exec_main.c), then the
 * kernel's _exit. */
static void exit_now(int status, void *pc) {
  ENTER_AT(pc);
  if (getpid() != ipf__run_root()) ipf_exit(status);
  ipf__exec_program_exit();
  LEAVE();
}
REAL(void, _exit, (int))
API void _exit(int status) {
  if (EMU()) exit_now(status, PC());
  get__exit()(status);
  __builtin_unreachable();
}
REAL(void, _Exit, (int))
API void _Exit(int status) {
  if (EMU()) exit_now(status, PC());
  get__Exit()(status);
  __builtin_unreachable();
}
REAL(void, exit, (int))
API void exit(int status) {
  if (EMU()) {
    ENTER();
    ipf__proc_leave(IPF_LEAVE_EXIT, status, NULL);
    LEAVE();
  }
  get_exit()(status);
  __builtin_unreachable();
}

/* The calling process is about to become another program: it leaves the
 * run, unless the exec is bound to fail (no such file, not executable):
 * then the program goes on, typically to report the error and _exit, and
 * that is still the run's to schedule. path: as given; search: look it up
 * in $PATH as execvp does when it has no '/'. An exec that fails past this
 * check (ENOEXEC, E2BIG, ETXTBSY) has left the run all the same. */
static int runnable(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}
static void leave_for(const char *path, int search, void *pc) {
  if (!EMU() || !path || !*path) return;
  char buf[4096];
  const char *found = NULL;
  if (!search || strchr(path, '/')) {
    if (runnable(path)) found = path;
  } else {
    const char *dirs = getenv("PATH");
    if (!dirs) dirs = "/bin:/usr/bin";          /* glibc's default (confstr _CS_PATH) */
    for (const char *d = dirs; !found; d++) {
      const char *e = strchrnul(d, ':');
      int n = snprintf(buf, sizeof buf, "%.*s%s%s", (int)(e - d), d, e == d ? "" : "/", path);
      if (n > 0 && (size_t)n < sizeof buf && runnable(buf)) found = buf;
      if (!*e) break;
      d = e;
    }
  }
  if (!found) return;
  ENTER_AT(pc);
  ipf__proc_leave(IPF_LEAVE_EXEC, 0, found);
  LEAVE();
}

REAL(int, execve, (const char *, char *const[], char *const[]))
API int execve(const char *path, char *const argv[], char *const envp[]) {
  leave_for(path, 0, PC());
  return get_execve()(path, argv, envp);
}
REAL(int, execv, (const char *, char *const[]))
API int execv(const char *path, char *const argv[]) {
  leave_for(path, 0, PC());
  return get_execv()(path, argv);
}
REAL(int, execvp, (const char *, char *const[]))
API int execvp(const char *file, char *const argv[]) {
  leave_for(file, 1, PC());
  return get_execvp()(file, argv);
}
REAL(int, execvpe, (const char *, char *const[], char *const[]))
API int execvpe(const char *file, char *const argv[], char *const envp[]) {
  leave_for(file, 1, PC());
  return get_execvpe()(file, argv, envp);
}
REAL(int, fexecve, (int, char *const[], char *const[]))
API int fexecve(int fd, char *const argv[], char *const envp[]) {
  if (EMU() && fcntl(fd, F_GETFD) >= 0) {
    /* named by what the fd is (the kernel's name for it) */
    char link[64], path[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) snprintf(path, sizeof path, "fd %d", fd);
    else path[n] = 0;
    ENTER();
    ipf__proc_leave(IPF_LEAVE_EXEC, 0, path);
    LEAVE();
  }
  return get_fexecve()(fd, argv, envp);
}

/* execl, execlp, execle: the argument list as an array (as glibc does),
 * for the array form's next definition. */
#define ARGV_OF(arg0, argv, ap_end)                                           \
  size_t argc_ = 1;                                                           \
  va_list ap_;                                                                \
  va_start(ap_, arg0);                                                        \
  while (va_arg(ap_, const char *)) argc_++;                                  \
  va_end(ap_);                                                                \
  const char *argv[argc_ + 1];                                                \
  argv[0] = arg0;                                                             \
  va_start(ap_, arg0);                                                        \
  for (size_t i_ = 1; i_ <= argc_; i_++) argv[i_] = va_arg(ap_, const char *); \
  ap_end;                                                                     \
  va_end(ap_)

API int execl(const char *path, const char *arg, ...) {
  ARGV_OF(arg, argv, (void)0);
  leave_for(path, 0, PC());
  return get_execv()(path, (char *const *)argv);
}
API int execlp(const char *file, const char *arg, ...) {
  ARGV_OF(arg, argv, (void)0);
  leave_for(file, 1, PC());
  return get_execvp()(file, (char *const *)argv);
}
API int execle(const char *path, const char *arg, ...) {
  char *const *envp;
  ARGV_OF(arg, argv, envp = va_arg(ap_, char *const *));
  leave_for(path, 0, PC());
  return get_execve()(path, (char *const *)argv, envp);
}

/* posix_spawn, system, popen: the process they start is outside the run
 * (the section's DESIGN); the execution is marked so (ipf__outside_process)
 * and the spawn itself is libc's. */
static void outside(const char *how, const char *what, void *pc) {
  if (!EMU()) return;
  ENTER_AT(pc);
  ipf__outside_process(how, what);
  LEAVE();
}
REAL(int, posix_spawn, (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                        char *const[], char *const[]))
API int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                    const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  outside("posix_spawn", path, PC());
  return get_posix_spawn()(pid, path, fa, attr, argv, envp);
}
REAL(int, posix_spawnp, (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                         char *const[], char *const[]))
API int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                     const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  outside("posix_spawnp", file, PC());
  return get_posix_spawnp()(pid, file, fa, attr, argv, envp);
}
REAL(int, system, (const char *))
API int system(const char *command) {
  if (command) outside("system", command, PC());     /* system(NULL) only asks whether a shell exists */
  return get_system()(command);
}
REAL(FILE *, popen, (const char *, const char *))
API FILE *popen(const char *command, const char *type) {
  outside("popen", command, PC());
  return get_popen()(command, type);
}

#endif

#ifndef IPF_INTERPOSE_LINKED
/* ---- heap: allocation sites for reports (src/rt/heap.c) ----------------------------------
 * Exec mode only (the linked variant leaves malloc alone: a scenario binary
 * names its objects with ipf_name and the names it gives them). The program's own malloc, calloc, realloc and free during a controlled
 * execution note each live block with its caller, so that a report can say
 * "heap object of 48 bytes allocated at make_queue (q.c:12)". Everything
 * else — the kit's allocations (guard set), the forkserver, the controller,
 * code before main — goes straight to the next allocator at the cost of one
 * branch on ipf__exec_active. The next allocator is found with
 * dlsym(RTLD_NEXT), not __libc_malloc, so that a program's own allocator
 * (jemalloc, tcmalloc, an ASan runtime) keeps all its blocks; dlsym may
 * allocate while it resolves, which a small static buffer serves. C++'s
 * operator new is interposed too, only to name its caller instead of the
 * malloc call inside libstdc++. Blocks from memalign and friends are not
 * noted (their sites go unnamed). */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static _Alignas(16) char boot[8192];
static size_t boot_used;
static int resolving;

static void *boot_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n > sizeof boot - boot_used) return NULL;
  void *p = boot + boot_used;
  boot_used += n;
  return p;
}
static int is_boot(const void *p) { return (const char *)p >= boot && (const char *)p < boot + sizeof boot; }

static int resolve_alloc(void) {
  if (real_free) return 1;
  if (resolving) return 0;          /* dlsym allocating: the static buffer serves it */
  resolving = 1;
  real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
  real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
  real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
  void (*f)(void *) = (void (*)(void *))dlsym(RTLD_NEXT, "free");
  resolving = 0;
  if (!real_malloc || !real_calloc || !real_realloc || !f) {
    static const char msg[] = "ipcfault preload: cannot find the next malloc\n";
    (void)!write(2, msg, sizeof msg - 1);
    abort();
  }
  real_free = f;                    /* last: the others are set once this is */
  return 1;
}

API void *malloc(size_t n) {
  if (__builtin_expect(!real_free, 0) && !resolve_alloc()) return boot_alloc(n);
  if (!EMU()) return real_malloc(n);
  ipf__pt_guard = 1;
  void *p = real_malloc(n);
  ipf__heap_alloc(p, n, (uintptr_t)PC());
  ipf__pt_guard = 0;
  return p;
}

API void *calloc(size_t k, size_t n) {
  if (__builtin_expect(!real_free, 0) && !resolve_alloc()) {
    if (n && k > (size_t)-1 / n) return NULL;
    return boot_alloc(k * n);       /* static memory: zero already */
  }
  if (!EMU()) return real_calloc(k, n);
  ipf__pt_guard = 1;
  void *p = real_calloc(k, n);
  ipf__heap_alloc(p, k * n, (uintptr_t)PC());
  ipf__pt_guard = 0;
  return p;
}

API void *realloc(void *old, size_t n) {
  if (__builtin_expect(!real_free, 0) && !resolve_alloc()) return NULL;
  if (is_boot(old)) {               /* a block from the static buffer: move it out */
    void *p = malloc(n);
    if (p) memcpy(p, old, n < (size_t)(boot + sizeof boot - (char *)old) ? n : (size_t)(boot + sizeof boot - (char *)old));
    return p;
  }
  if (!EMU()) return real_realloc(old, n);
  ipf__pt_guard = 1;
  void *p = real_realloc(old, n);
  if (p || n == 0) ipf__heap_free(old);
  if (p) ipf__heap_alloc(p, n, (uintptr_t)PC());
  ipf__pt_guard = 0;
  return p;
}

API void free(void *p) {
  if (!p || is_boot(p)) return;
  if (__builtin_expect(!real_free, 0) && !resolve_alloc()) return;
  if (EMU()) {
    ipf__pt_guard = 1;
    ipf__heap_free(p);
    ipf__pt_guard = 0;
  }
  real_free(p);
}

/* operator new(size_t) and new[](size_t): the real one (libstdc++) calls
 * malloc, which notes the block with a caller inside libstdc++; noting it
 * again here names the program's call site instead. No guard is held
 * across the call: it may throw. */
REAL(void *, _Znwm, (size_t))
API void *_Znwm(size_t n) {
  void *p = get__Znwm()(n);
  if (EMU()) ipf__heap_alloc(p, n, (uintptr_t)PC());
  return p;
}
REAL(void *, _Znam, (size_t))
API void *_Znam(size_t n) {
  void *p = get__Znam()(n);
  if (EMU()) ipf__heap_alloc(p, n, (uintptr_t)PC());
  return p;
}

/* ---- signals: the stall watchdog's signal stays the kit's ------------------------- */
/* In an execution the program may neither block IPF_STALL_SIG (sigprocmask,
 * pthread_sigmask: the signal is taken out of the set) nor replace its
 * handler (sigaction, signal: accepted and ignored), or a spin could no
 * longer be preempted (src/sched/watchdog.c). */

REAL(int, sigaction, (int, const struct sigaction *, struct sigaction *))
int ipf__real_sigaction(int sig, const struct sigaction *sa, struct sigaction *old) {
  return get_sigaction()(sig, sa, old);
}
API int sigaction(int sig, const struct sigaction *sa, struct sigaction *old) {
  if (ipf__exec_active && sig == ipf__stall_sig()) {
    if (old) memset(old, 0, sizeof *old);
    return 0;
  }
  return get_sigaction()(sig, sa, old);
}

REAL(sighandler_t, signal, (int, sighandler_t))
API sighandler_t signal(int sig, sighandler_t h) {
  if (ipf__exec_active && sig == ipf__stall_sig()) return SIG_DFL;
  return get_signal()(sig, h);
}

static const sigset_t *keep_stall_sig(int how, const sigset_t *set, sigset_t *copy) {
  if (!ipf__exec_active || !set || how == SIG_UNBLOCK || !sigismember(set, ipf__stall_sig())) return set;
  *copy = *set;
  sigdelset(copy, ipf__stall_sig());
  return copy;
}

REAL(int, sigprocmask, (int, const sigset_t *, sigset_t *))
API int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
  sigset_t c;
  return get_sigprocmask()(how, keep_stall_sig(how, set, &c), old);
}

REAL(int, pthread_sigmask, (int, const sigset_t *, sigset_t *))
API int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) {
  sigset_t c;
  return get_pthread_sigmask()(how, keep_stall_sig(how, set, &c), old);
}
#endif
