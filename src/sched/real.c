/* libc's functions for the kit's own calls (see real.h).
 *
 * DESIGN. When no interposer is linked (the weak ipf__interposed is
 * absent: libipcfault in a criterion test, the bench), each function is a
 * direct call, bound by the linker to libc (or to a sanitizer's
 * interceptor, as before). When the binary carries the interposers, the
 * plain name would be the interposer itself, so the function is looked up
 * once past this executable (dlsym RTLD_NEXT: libc, or a sanitizer runtime
 * loaded ahead of it); the condition-variable functions by version, as the
 * preload library does (an unversioned lookup finds the pre-2.3.2 ABI).
 * Compiled with IPF_REAL_IMPL, so real.h's renames stay out of this file.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "real.h"

/* Defined by the linked interposers (src/preload/preload.c). */
extern const int ipf__interposed __attribute__((weak));

static void *next_fn(const char *name, const char *ver) {
  void *f = ver ? dlvsym(RTLD_NEXT, name, ver) : NULL;
  if (!f) f = dlsym(RTLD_NEXT, name);
  if (!f) {
    fprintf(stderr, "ipcfault: cannot find the C library's %s past the interposers\n", name);
    abort();
  }
  return f;
}

/* ret ipf__real_name(params): name(args), past the interposers if linked */
#define REAL_VER(ret, name, params, args, ver)                                    \
  ret ipf__real_##name params {                                                   \
    if (&ipf__interposed) {                                                       \
      static ret(*real_) params;                                                  \
      ret(*r_) params = __atomic_load_n(&real_, __ATOMIC_RELAXED);                \
      if (!r_) {                                                                  \
        r_ = (ret(*) params)next_fn(#name, ver);                                  \
        __atomic_store_n(&real_, r_, __ATOMIC_RELAXED);                           \
      }                                                                           \
      return r_ args;                                                             \
    }                                                                             \
    return name args;                                                             \
  }
#define REAL(ret, name, params, args) REAL_VER(ret, name, params, args, NULL)

REAL(int, pthread_create, (pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg), (t, a, fn, arg))
REAL(int, pthread_join, (pthread_t t, void **r), (t, r))
REAL(int, pthread_detach, (pthread_t t), (t))
REAL(int, pthread_once, (pthread_once_t *o, void (*fn)(void)), (o, fn))

void ipf__real_pthread_exit(void *r) {
  if (&ipf__interposed) {
    static void (*fn)(void *);
    void (*f)(void *) = __atomic_load_n(&fn, __ATOMIC_RELAXED);
    if (!f) {
      f = (void (*)(void *))next_fn("pthread_exit", NULL);
      __atomic_store_n(&fn, f, __ATOMIC_RELAXED);
    }
    f(r);
    __builtin_unreachable();
  }
  pthread_exit(r);
}

REAL(int, pthread_mutex_init, (pthread_mutex_t *m, const pthread_mutexattr_t *a), (m, a))
REAL(int, pthread_mutex_destroy, (pthread_mutex_t *m), (m))
REAL(int, pthread_mutex_lock, (pthread_mutex_t *m), (m))
REAL(int, pthread_mutex_trylock, (pthread_mutex_t *m), (m))
REAL(int, pthread_mutex_timedlock, (pthread_mutex_t *m, const struct timespec *ts), (m, ts))
REAL(int, pthread_mutex_unlock, (pthread_mutex_t *m), (m))
REAL(int, pthread_spin_init, (pthread_spinlock_t *s, int p), (s, p))
REAL(int, pthread_spin_lock, (pthread_spinlock_t *s), (s))
REAL(int, pthread_spin_trylock, (pthread_spinlock_t *s), (s))
REAL(int, pthread_spin_unlock, (pthread_spinlock_t *s), (s))
REAL_VER(int, pthread_cond_init, (pthread_cond_t *c, const pthread_condattr_t *a), (c, a), "GLIBC_2.3.2")
REAL_VER(int, pthread_cond_destroy, (pthread_cond_t *c), (c), "GLIBC_2.3.2")
REAL_VER(int, pthread_cond_wait, (pthread_cond_t *c, pthread_mutex_t *m), (c, m), "GLIBC_2.3.2")
REAL_VER(int, pthread_cond_timedwait, (pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts),
         (c, m, ts), "GLIBC_2.3.2")
REAL_VER(int, pthread_cond_signal, (pthread_cond_t *c), (c), "GLIBC_2.3.2")
REAL_VER(int, pthread_cond_broadcast, (pthread_cond_t *c), (c), "GLIBC_2.3.2")
REAL(int, pthread_rwlock_init, (pthread_rwlock_t *r, const pthread_rwlockattr_t *a), (r, a))
REAL(int, pthread_rwlock_destroy, (pthread_rwlock_t *r), (r))
REAL(int, pthread_rwlock_rdlock, (pthread_rwlock_t *r), (r))
REAL(int, pthread_rwlock_wrlock, (pthread_rwlock_t *r), (r))
REAL(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *r), (r))
REAL(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *r), (r))
REAL(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *r, const struct timespec *ts), (r, ts))
REAL(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *r, const struct timespec *ts), (r, ts))
REAL(int, pthread_rwlock_unlock, (pthread_rwlock_t *r), (r))
REAL(int, pthread_barrier_init, (pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n), (b, a, n))
REAL(int, pthread_barrier_destroy, (pthread_barrier_t *b), (b))
REAL(int, pthread_barrier_wait, (pthread_barrier_t *b), (b))
REAL(int, sem_init, (sem_t *s, int p, unsigned v), (s, p, v))
REAL(int, sem_destroy, (sem_t *s), (s))
REAL(int, sem_wait, (sem_t *s), (s))
REAL(int, sem_trywait, (sem_t *s), (s))
REAL(int, sem_timedwait, (sem_t *s, const struct timespec *ts), (s, ts))
REAL(int, sem_post, (sem_t *s), (s))
REAL(int, sem_getvalue, (sem_t *s, int *v), (s, v))
REAL(int, sched_yield, (void), ())
REAL(pid_t, fork, (void), ())
REAL(pid_t, waitpid, (pid_t p, int *st, int o), (p, st, o))

void ipf__real__exit(int s) {
  if (&ipf__interposed) {
    static void (*fn)(int);
    void (*f)(int) = __atomic_load_n(&fn, __ATOMIC_RELAXED);
    if (!f) {
      f = (void (*)(int))next_fn("_exit", NULL);
      __atomic_store_n(&fn, f, __ATOMIC_RELAXED);
    }
    f(s);
  }
  _exit(s);
}
REAL(unsigned, sleep, (unsigned s), (s))
REAL(int, usleep, (useconds_t us), (us))
REAL(int, nanosleep, (const struct timespec *req, struct timespec *rem), (req, rem))
REAL(int, clock_nanosleep, (clockid_t c, int f, const struct timespec *req, struct timespec *rem), (c, f, req, rem))
