/* The kit's own calls of the functions it interposes go to the C library.
 *
 * DESIGN. A scenario binary (linked with ipcfault_main, or with
 * ipcfault_interpose) defines pthread_mutex_lock, pthread_create, sem_wait,
 * nanosleep and the rest itself (src/preload/preload.c, linked variant), so
 * that the calls a user's library makes inside a controlled execution are
 * scheduling points without a change to its source. The kit lives in the same
 * binary and calls some of these functions too: a worker thread's
 * pthread_create, a plain-world ipf_mutex over a pthread mutex. Those calls
 * must never reach the interposers (ipf_thread_create on a managed thread
 * would come back to itself). So every kit source is compiled with this
 * header forced in front (CMakeLists.txt: -include src/sched/real.h), which
 * renames the kit's calls to ipf__real_NAME (src/sched/real.c): libc's
 * function, found past any interposer. The headers included afterwards
 * declare the renamed functions with the right prototypes, so nothing else
 * changes. Only macros here: it is read before the file's _GNU_SOURCE.
 * Calls that third-party libraries make (libfiu, libdw) on the kit's behalf
 * are not renamed; the kit sets ipf__pt_guard around them (exec.h).
 */
#ifndef IPCFAULT_SCHED_REAL_H
#define IPCFAULT_SCHED_REAL_H
#ifndef IPF_REAL_IMPL

#define pthread_create ipf__real_pthread_create
#define pthread_join ipf__real_pthread_join
#define pthread_detach ipf__real_pthread_detach
#define pthread_exit ipf__real_pthread_exit
#define pthread_once ipf__real_pthread_once
#define pthread_mutex_init ipf__real_pthread_mutex_init
#define pthread_mutex_destroy ipf__real_pthread_mutex_destroy
#define pthread_mutex_lock ipf__real_pthread_mutex_lock
#define pthread_mutex_trylock ipf__real_pthread_mutex_trylock
#define pthread_mutex_timedlock ipf__real_pthread_mutex_timedlock
#define pthread_mutex_unlock ipf__real_pthread_mutex_unlock
#define pthread_spin_init ipf__real_pthread_spin_init
#define pthread_spin_lock ipf__real_pthread_spin_lock
#define pthread_spin_trylock ipf__real_pthread_spin_trylock
#define pthread_spin_unlock ipf__real_pthread_spin_unlock
#define pthread_cond_init ipf__real_pthread_cond_init
#define pthread_cond_destroy ipf__real_pthread_cond_destroy
#define pthread_cond_wait ipf__real_pthread_cond_wait
#define pthread_cond_timedwait ipf__real_pthread_cond_timedwait
#define pthread_cond_signal ipf__real_pthread_cond_signal
#define pthread_cond_broadcast ipf__real_pthread_cond_broadcast
#define pthread_rwlock_init ipf__real_pthread_rwlock_init
#define pthread_rwlock_destroy ipf__real_pthread_rwlock_destroy
#define pthread_rwlock_rdlock ipf__real_pthread_rwlock_rdlock
#define pthread_rwlock_wrlock ipf__real_pthread_rwlock_wrlock
#define pthread_rwlock_tryrdlock ipf__real_pthread_rwlock_tryrdlock
#define pthread_rwlock_trywrlock ipf__real_pthread_rwlock_trywrlock
#define pthread_rwlock_timedrdlock ipf__real_pthread_rwlock_timedrdlock
#define pthread_rwlock_timedwrlock ipf__real_pthread_rwlock_timedwrlock
#define pthread_rwlock_unlock ipf__real_pthread_rwlock_unlock
#define pthread_barrier_init ipf__real_pthread_barrier_init
#define pthread_barrier_destroy ipf__real_pthread_barrier_destroy
#define pthread_barrier_wait ipf__real_pthread_barrier_wait
#define sem_init ipf__real_sem_init
#define sem_destroy ipf__real_sem_destroy
#define sem_wait ipf__real_sem_wait
#define sem_trywait ipf__real_sem_trywait
#define sem_timedwait ipf__real_sem_timedwait
#define sem_post ipf__real_sem_post
#define sem_getvalue ipf__real_sem_getvalue
#define sched_yield ipf__real_sched_yield
/* processes: exec mode follows a program's fork, wait and exit (preload.c) */
#define fork ipf__real_fork
#define waitpid ipf__real_waitpid
#define _exit(s) ipf__real__exit(s)
/* function-like: a struct member named sleep stays itself */
#define sleep(s) ipf__real_sleep(s)
#define usleep(us) ipf__real_usleep(us)
#define nanosleep(req, rem) ipf__real_nanosleep(req, rem)
#define clock_nanosleep(c, f, req, rem) ipf__real_clock_nanosleep(c, f, req, rem)

#endif
#endif
