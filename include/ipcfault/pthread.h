/* ipcfault/pthread.h — the compile-time route of exec mode.
 *
 * Build a program with `-include ipcfault/pthread.h` and link it with
 * `-lipcfault_pthread -lipcfault` (pkg-config ipcfault-pthread, CMake
 * ipcfault::ipcfault_pthread): its pthread, semaphore, yield and sleep
 * calls become the kit's ipf_pthread_* functions, and its main is renamed
 * ipf_program_main, which the main() in libipcfault_pthread starts. Run the
 * result with `ipcfault exec -- ./prog` exactly like a dynamically linked
 * program under the LD_PRELOAD library; this route also works for static
 * binaries, where LD_PRELOAD cannot. Run on its own, the program behaves as
 * before: every ipf_pthread_* function is the plain pthread call outside an
 * execution.
 *
 * A library's own files may be compiled with this header too (no main in
 * them, nothing else to link): inside a scenario binary (ipcfault_main)
 * their calls are scheduling points of the scenario's executions. The
 * linked interposers of ipcfault_main do the same without the header.
 *
 * Not mapped here: read/write and the other I/O calls (object-like macros
 * for such common names would rename struct members too; call ipcfault/io.h
 * directly), and plain memory accesses (use ipf_load/ipf_store from
 * ipcfault/sched.h where a race sits between plain accesses).
 */
#ifndef IPCFAULT_PTHREAD_H
#define IPCFAULT_PTHREAD_H

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

int ipf_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int ipf_pthread_join(pthread_t t, void **ret);
int ipf_pthread_detach(pthread_t t);
void ipf_pthread_exit(void *ret) __attribute__((noreturn));
int ipf_pthread_once(pthread_once_t *o, void (*fn)(void));
int ipf_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int ipf_pthread_mutex_destroy(pthread_mutex_t *m);
int ipf_pthread_mutex_lock(pthread_mutex_t *m);
int ipf_pthread_mutex_trylock(pthread_mutex_t *m);
int ipf_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts);
int ipf_pthread_mutex_unlock(pthread_mutex_t *m);
int ipf_pthread_spin_init(pthread_spinlock_t *s, int pshared);
int ipf_pthread_spin_lock(pthread_spinlock_t *s);
int ipf_pthread_spin_trylock(pthread_spinlock_t *s);
int ipf_pthread_spin_unlock(pthread_spinlock_t *s);
int ipf_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int ipf_pthread_cond_destroy(pthread_cond_t *c);
int ipf_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int ipf_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts);
int ipf_pthread_cond_signal(pthread_cond_t *c);
int ipf_pthread_cond_broadcast(pthread_cond_t *c);
int ipf_pthread_rwlock_init(pthread_rwlock_t *r, const pthread_rwlockattr_t *a);
int ipf_pthread_rwlock_destroy(pthread_rwlock_t *r);
int ipf_pthread_rwlock_rdlock(pthread_rwlock_t *r);
int ipf_pthread_rwlock_wrlock(pthread_rwlock_t *r);
int ipf_pthread_rwlock_tryrdlock(pthread_rwlock_t *r);
int ipf_pthread_rwlock_trywrlock(pthread_rwlock_t *r);
int ipf_pthread_rwlock_unlock(pthread_rwlock_t *r);
int ipf_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n);
int ipf_pthread_barrier_destroy(pthread_barrier_t *b);
int ipf_pthread_barrier_wait(pthread_barrier_t *b);
int ipf_sem_init_(sem_t *s, int pshared, unsigned v);
int ipf_sem_destroy_(sem_t *s);
int ipf_sem_wait_(sem_t *s);
int ipf_sem_trywait_(sem_t *s);
int ipf_sem_timedwait_(sem_t *s, const struct timespec *ts);
int ipf_sem_post_(sem_t *s);
int ipf_sem_getvalue_(sem_t *s, int *v);
int ipf_sched_yield(void);
unsigned ipf_sleep_s(unsigned s);
int ipf_usleep(useconds_t us);
int ipf_nanosleep(const struct timespec *req, struct timespec *rem);
/* The program's main, renamed (the macro below), and what starts it: the
 * main() of libipcfault_pthread calls ipf_pthread_start(ipf_program_main,
 * ...). Not defined here: a header cannot tell the file that has main from
 * the others, and a definition in every file broke libraries built with it. */
int ipf_program_main();
int ipf_pthread_start(int (*m)(int, char **, char **), int argc, char **argv, char **envp);

#ifndef IPF_PTHREAD_NO_MACROS
#define pthread_create ipf_pthread_create
#define pthread_join ipf_pthread_join
#define pthread_detach ipf_pthread_detach
#define pthread_exit ipf_pthread_exit
#define pthread_once ipf_pthread_once
#define pthread_mutex_init ipf_pthread_mutex_init
#define pthread_mutex_destroy ipf_pthread_mutex_destroy
#define pthread_mutex_lock ipf_pthread_mutex_lock
#define pthread_mutex_trylock ipf_pthread_mutex_trylock
#define pthread_mutex_timedlock ipf_pthread_mutex_timedlock
#define pthread_mutex_unlock ipf_pthread_mutex_unlock
#define pthread_spin_init ipf_pthread_spin_init
#define pthread_spin_lock ipf_pthread_spin_lock
#define pthread_spin_trylock ipf_pthread_spin_trylock
#define pthread_spin_unlock ipf_pthread_spin_unlock
#define pthread_cond_init ipf_pthread_cond_init
#define pthread_cond_destroy ipf_pthread_cond_destroy
#define pthread_cond_wait ipf_pthread_cond_wait
#define pthread_cond_timedwait ipf_pthread_cond_timedwait
#define pthread_cond_signal ipf_pthread_cond_signal
#define pthread_cond_broadcast ipf_pthread_cond_broadcast
#define pthread_rwlock_init ipf_pthread_rwlock_init
#define pthread_rwlock_destroy ipf_pthread_rwlock_destroy
#define pthread_rwlock_rdlock ipf_pthread_rwlock_rdlock
#define pthread_rwlock_wrlock ipf_pthread_rwlock_wrlock
#define pthread_rwlock_tryrdlock ipf_pthread_rwlock_tryrdlock
#define pthread_rwlock_trywrlock ipf_pthread_rwlock_trywrlock
#define pthread_rwlock_unlock ipf_pthread_rwlock_unlock
#define pthread_barrier_init ipf_pthread_barrier_init
#define pthread_barrier_destroy ipf_pthread_barrier_destroy
#define pthread_barrier_wait ipf_pthread_barrier_wait
#define sem_init ipf_sem_init_
#define sem_destroy ipf_sem_destroy_
#define sem_wait ipf_sem_wait_
#define sem_trywait ipf_sem_trywait_
#define sem_timedwait ipf_sem_timedwait_
#define sem_post ipf_sem_post_
#define sem_getvalue ipf_sem_getvalue_
#define sched_yield ipf_sched_yield
#define sleep ipf_sleep_s
#define usleep ipf_usleep
#define nanosleep ipf_nanosleep
#define main ipf_program_main
#endif

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_PTHREAD_H */
