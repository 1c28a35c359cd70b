/* ipcfault/pool.h — a fixed-size thread pool, as pool.py but right.
 *
 * DESIGN. N workers take tasks from one bounded ipf_queue (capacity C:
 * submit blocks while it is full). A task is a function returning 0 or a
 * negative error; it may also fail by ipf_task_throw (ipcfault/fault.h), and
 * the fault site ipf/pool/task can make it throw, fail or (isolated pools
 * only) crash. Whatever a task does, its worker survives, counts the failure
 * and calls task_done, so wait_completion (queue join) always returns.
 * Shutdown is graceful and explicit, because C threads have no "daemon"
 * notion: it closes the queue, the workers drain what is left and exit, and
 * shutdown joins every one of them. Submit after shutdown is IPF_ESHUTDOWN.
 */
#ifndef IPCFAULT_POOL_H
#define IPCFAULT_POOL_H

#include <errno.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ipf_pool ipf_pool_t;

/* A task: 0 on success, a negative errno or kit code on failure. */
typedef int (*ipf_task_fn)(void *arg);

/* Bug switches of the pool family (IPF_BUG). */
#define IPF_BUG_POOL_DAEMON      (1u << 20)  /* pool.py's daemon workers: never shut down */
#define IPF_BUG_POOL_NO_FINALLY  (1u << 21)  /* task_done only on the success path */
#define IPF_BUG_POOL_WORKER_DIES (1u << 22)  /* an exception ends the worker before task_done */
#define IPF_BUG_POOL_UNREAPED    (1u << 23)  /* a process pool never reaps nor replaces a dead worker */

/* Pool flags. */
#define IPF_POOL_ISOLATE 0x1u  /* run every task in a forked child: a crash (fault
                                * action `crash`, or a real one) kills the child,
                                * not the pool. Tasks must then be
                                * async-signal-safe (the parent is multithreaded). */

/* A crashed task's result (its process died): "owner died". */
#define IPF_POOL_ECRASHED (-EOWNERDEAD)

typedef struct ipf_pool_stats {
  unsigned long submitted;   /* accepted by submit */
  unsigned long run;         /* taken by a worker and attempted */
  unsigned long failed;      /* returned an error, threw, or crashed */
  unsigned long thrown;      /* of failed: by ipf_task_throw or a throw fault */
  unsigned long crashed;     /* of failed: the isolated child died */
  unsigned long dropped;     /* never run: every worker gave up on failed gets */
  int workers_alive;         /* workers that have not exited */
} ipf_pool_stats_t;

/* Start nworkers workers (1..60) over a queue of `capacity` tasks (0:
 * unbounded). `name` (copied, may be NULL) names the queue in reports. The
 * caller owns *out: ipf_pool_shutdown, then ipf_pool_destroy. Returns 0,
 * -EINVAL, -ENOMEM or -EAGAIN (no thread). */
int ipf_pool_create(ipf_pool_t **out, int nworkers, size_t capacity, unsigned flags, const char *name);
/* Queue fn(arg); blocks while the queue is full. arg stays the caller's.
 * Returns 0, IPF_ESHUTDOWN after shutdown, or an injected put fault. */
int ipf_pool_submit(ipf_pool_t *p, ipf_task_fn fn, void *arg);
/* Block until every submitted task has finished (queue.join). Returns 0. */
int ipf_pool_wait_completion(ipf_pool_t *p);
/* Graceful shutdown: no new tasks, the queued ones still run, then every
 * worker is woken and joined. Idempotent; any thread but a worker. */
int ipf_pool_shutdown(ipf_pool_t *p);
void ipf_pool_stats(ipf_pool_t *p, ipf_pool_stats_t *out);
/* Shut down (if not yet) and free. */
void ipf_pool_destroy(ipf_pool_t *p);

/* The fork isolation the pool uses, on its own: run fn(arg) in a forked
 * child (crash != 0: the child crashes instead, as the fault action does) and
 * return its result: 0, a negative errno the task returned (kit codes come
 * back as IPF_ETHROWN), IPF_ETHROWN if it threw, or IPF_POOL_ECRASHED when
 * the child died of a signal (*sig set, may be NULL). fn must be
 * async-signal-safe. */
int ipf_run_isolated(ipf_task_fn fn, void *arg, int crash, int *sig);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_POOL_H */
