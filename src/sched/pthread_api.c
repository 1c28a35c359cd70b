/* The compile-time route of exec mode (ipcfault/pthread.h): ipf_pthread_*
 * are the program's pthread calls, renamed by macros.
 *
 * DESIGN. Inside a controlled execution (the calling thread managed: one
 * started by `ipcfault exec`, or a scenario's in a scenario binary) each
 * function is the emulation of src/sched/pthread.c, exactly as the
 * LD_PRELOAD library maps the same call;
 * anywhere else it is the plain libc function, so the program built this
 * way still runs on its own. ipf__pt_guard marks the kit's own work, as in
 * the preload library, so that nothing here re-enters the emulation.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "exec.h"
#include "internal.h"
#define IPF_PTHREAD_NO_MACROS
#include "ipcfault/pthread.h"

#define EMU() (!ipf__pt_guard && ipf__world() == IPF_WORLD_CONTROLLED)
#define PC() __builtin_return_address(0)
#define WRAP(real_call, emu_call)                                             \
  do {                                                                        \
    if (!EMU()) return real_call;                                             \
    ipf__pt_guard = 1;                                                        \
    int rc_ = emu_call;                                                       \
    ipf__pt_guard = 0;                                                        \
    return rc_;                                                               \
  } while (0)
#define SEMWRAP(real_call, emu_call)                                          \
  do {                                                                        \
    if (!EMU()) return real_call;                                             \
    ipf__pt_guard = 1;                                                        \
    int rc_ = emu_call;                                                       \
    ipf__pt_guard = 0;                                                        \
    if (rc_ < 0) { errno = -rc_; return -1; }                                 \
    return 0;                                                                 \
  } while (0)
/* init functions: the real one on the program's memory, then the emulation */
#define INITWRAP(real_call, emu_call)                                         \
  do {                                                                        \
    int rc_ = real_call;                                                      \
    if (rc_ || !EMU()) return rc_;                                            \
    ipf__pt_guard = 1;                                                        \
    rc_ = emu_call;                                                           \
    ipf__pt_guard = 0;                                                        \
    return rc_;                                                               \
  } while (0)

int ipf_pthread_start(int (*m)(int, char **, char **), int argc, char **argv, char **envp) {
  return ipf__exec_main(m, argc, argv, envp);
}

int ipf_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
  WRAP(pthread_create(t, a, fn, arg), ipf__pt_create(t, a, fn, arg));
}
int ipf_pthread_join(pthread_t t, void **ret) { WRAP(pthread_join(t, ret), ipf__pt_join(t, ret)); }
int ipf_pthread_detach(pthread_t t) { WRAP(pthread_detach(t), ipf__pt_detach(t)); }
void ipf_pthread_exit(void *ret) {
  if (EMU()) { ipf__pt_guard = 1; ipf__pt_exit(ret); }
  pthread_exit(ret);
}
int ipf_pthread_once(pthread_once_t *o, void (*fn)(void)) { WRAP(pthread_once(o, fn), ipf__pt_once(o, fn)); }

int ipf_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) {
  INITWRAP(pthread_mutex_init(m, a), ipf__pt_mutex_init(m, a));
}
int ipf_pthread_mutex_destroy(pthread_mutex_t *m) { WRAP(pthread_mutex_destroy(m), ipf__pt_mutex_destroy(m)); }
int ipf_pthread_mutex_lock(pthread_mutex_t *m) { WRAP(pthread_mutex_lock(m), ipf__pt_mutex_lock(m, NULL, 0, PC())); }
int ipf_pthread_mutex_trylock(pthread_mutex_t *m) { WRAP(pthread_mutex_trylock(m), ipf__pt_mutex_lock(m, NULL, 1, PC())); }
int ipf_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts) {
  WRAP(pthread_mutex_timedlock(m, ts), ipf__pt_mutex_lock(m, ts, 0, PC()));
}
int ipf_pthread_mutex_unlock(pthread_mutex_t *m) { WRAP(pthread_mutex_unlock(m), ipf__pt_mutex_unlock(m)); }

int ipf_pthread_spin_init(pthread_spinlock_t *s, int pshared) {
  INITWRAP(pthread_spin_init(s, pshared), ipf__pt_spin_init(s));
}
int ipf_pthread_spin_lock(pthread_spinlock_t *s) { WRAP(pthread_spin_lock(s), ipf__pt_spin_lock(s, 0, PC())); }
int ipf_pthread_spin_trylock(pthread_spinlock_t *s) { WRAP(pthread_spin_trylock(s), ipf__pt_spin_lock(s, 1, PC())); }
int ipf_pthread_spin_unlock(pthread_spinlock_t *s) { WRAP(pthread_spin_unlock(s), ipf__pt_spin_unlock(s)); }

int ipf_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a) {
  INITWRAP(pthread_cond_init(c, a), ipf__pt_cond_init(c, a));
}
int ipf_pthread_cond_destroy(pthread_cond_t *c) { WRAP(pthread_cond_destroy(c), ipf__pt_cond_destroy(c)); }
int ipf_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  WRAP(pthread_cond_wait(c, m), ipf__pt_cond_wait(c, m, NULL, PC()));
}
int ipf_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts) {
  WRAP(pthread_cond_timedwait(c, m, ts), ipf__pt_cond_wait(c, m, ts, PC()));
}
int ipf_pthread_cond_signal(pthread_cond_t *c) { WRAP(pthread_cond_signal(c), ipf__pt_cond_wake(c, 0)); }
int ipf_pthread_cond_broadcast(pthread_cond_t *c) { WRAP(pthread_cond_broadcast(c), ipf__pt_cond_wake(c, 1)); }

int ipf_pthread_rwlock_init(pthread_rwlock_t *r, const pthread_rwlockattr_t *a) {
  INITWRAP(pthread_rwlock_init(r, a), ipf__pt_rwlock_init(r));
}
int ipf_pthread_rwlock_destroy(pthread_rwlock_t *r) { WRAP(pthread_rwlock_destroy(r), ipf__pt_rwlock_destroy(r)); }
int ipf_pthread_rwlock_rdlock(pthread_rwlock_t *r) { WRAP(pthread_rwlock_rdlock(r), ipf__pt_rwlock_lock(r, 0, NULL, 0, PC())); }
int ipf_pthread_rwlock_wrlock(pthread_rwlock_t *r) { WRAP(pthread_rwlock_wrlock(r), ipf__pt_rwlock_lock(r, 1, NULL, 0, PC())); }
int ipf_pthread_rwlock_tryrdlock(pthread_rwlock_t *r) {
  WRAP(pthread_rwlock_tryrdlock(r), ipf__pt_rwlock_lock(r, 0, NULL, 1, PC()));
}
int ipf_pthread_rwlock_trywrlock(pthread_rwlock_t *r) {
  WRAP(pthread_rwlock_trywrlock(r), ipf__pt_rwlock_lock(r, 1, NULL, 1, PC()));
}
int ipf_pthread_rwlock_unlock(pthread_rwlock_t *r) { WRAP(pthread_rwlock_unlock(r), ipf__pt_rwlock_unlock(r)); }

int ipf_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n) {
  INITWRAP(pthread_barrier_init(b, a, n), ipf__pt_barrier_init(b, n));
}
int ipf_pthread_barrier_destroy(pthread_barrier_t *b) { WRAP(pthread_barrier_destroy(b), ipf__pt_barrier_destroy(b)); }
int ipf_pthread_barrier_wait(pthread_barrier_t *b) { WRAP(pthread_barrier_wait(b), ipf__pt_barrier_wait(b)); }

int ipf_sem_init_(sem_t *s, int pshared, unsigned v) { INITWRAP(sem_init(s, pshared, v), ipf__pt_sem_init(s, v)); }
int ipf_sem_destroy_(sem_t *s) { SEMWRAP(sem_destroy(s), ipf__pt_sem_destroy(s)); }
int ipf_sem_wait_(sem_t *s) { SEMWRAP(sem_wait(s), ipf__pt_sem_wait(s, NULL, 0)); }
int ipf_sem_trywait_(sem_t *s) { SEMWRAP(sem_trywait(s), ipf__pt_sem_wait(s, NULL, 1)); }
int ipf_sem_timedwait_(sem_t *s, const struct timespec *ts) { SEMWRAP(sem_timedwait(s, ts), ipf__pt_sem_wait(s, ts, 0)); }
int ipf_sem_post_(sem_t *s) { SEMWRAP(sem_post(s), ipf__pt_sem_post(s)); }
int ipf_sem_getvalue_(sem_t *s, int *v) { SEMWRAP(sem_getvalue(s, v), ipf__pt_sem_getvalue(s, v)); }

int ipf_sched_yield(void) {
  if (!EMU()) return sched_yield();
  ipf__pt_guard = 1;
  ipf__pt_yield();
  ipf__pt_guard = 0;
  return 0;
}
static int vsleep(long long ns) {
  ipf__pt_guard = 1;
  ipf__pt_sleep_ns(ns);
  ipf__pt_guard = 0;
  return 0;
}
unsigned ipf_sleep_s(unsigned s) {
  if (!EMU()) return sleep(s);
  return (unsigned)vsleep((long long)s * 1000000000LL);
}
int ipf_usleep(useconds_t us) {
  if (!EMU()) return usleep(us);
  return vsleep((long long)us * 1000);
}
int ipf_nanosleep(const struct timespec *req, struct timespec *rem) {
  if (!EMU()) return nanosleep(req, rem);
  if (rem) rem->tv_sec = rem->tv_nsec = 0;
  return vsleep((long long)req->tv_sec * 1000000000LL + req->tv_nsec);
}
