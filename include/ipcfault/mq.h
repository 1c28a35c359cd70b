/* ipcfault/mq.h — a thread-safe message queue with Python's queue.Queue
 * semantics, and a POSIX message queue (mq_open) between processes.
 *
 * DESIGN. ipf_queue is what message_queue.py and pool.py use queue.Queue
 * for: put, get (blocking, with a timeout, or try), task_done and join, an
 * optional bound with backpressure, plus what Python lacked before 3.13:
 * close(), after which get drains what is left and then returns IPF_ECLOSED
 * instead of blocking for ever (no sentinel needed), and abort(), which also
 * drops what is left. It is written against ipcfault/sched.h, so it runs as an
 * ordinary pthread queue, under the controlled scheduler, or in chaos mode.
 *
 * Items are opaque pointers owned by whoever put them until a get hands them
 * on. A NULL item is a legal item; the queue does not treat it specially, but
 * its termination reports count NULLs as "sentinels", since that is how the
 * None-sentinel idiom of the originals looks in C.
 *
 * In a controlled run every blocking wait names what holds it, composed from
 * the queue's own state and history, for the deadlock and hang reports:
 * "queue_get: the queue is empty and nobody closed it; producer put 4 items
 * and 1 sentinel; consumer-1 took 4 items and 1 sentinel; consumer-2 took
 * nothing".
 *
 * Errors: 0 or a negative errno / kit code (ipcfault/error.h).
 */
#ifndef IPCFAULT_MQ_H
#define IPCFAULT_MQ_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ipf_queue ipf_queue_t;

/* Bug switches of the mq family (IPF_BUG). High bits, so that no other
 * family's variant can switch them on by accident. */
#define IPF_BUG_MQ_IF_NOT_WHILE   (1u << 16)  /* `if` around the condition wait in get */
#define IPF_BUG_MQ_ONE_SENTINEL   (1u << 17)  /* one sentinel for several consumers */
#define IPF_BUG_MQ_EMPTY_THEN_GET (1u << 18)  /* while (!empty()) get(): check-then-act */
#define IPF_BUG_MQ_TASK_DONE_SKIPPED (1u << 19) /* failed processing skips task_done */

/* Create a queue holding at most `bound` items (0: unbounded, put never
 * blocks). `name` (copied, may be NULL) names its lock and conditions in
 * reports. The caller owns *out and releases it with ipf_queue_destroy.
 * Returns 0, -EINVAL or -ENOMEM. */
int ipf_queue_create(ipf_queue_t **out, size_t bound, const char *name);
/* Free the queue and whatever items it still holds (the items' pointees are
 * the caller's). No thread may be inside a call on q. */
void ipf_queue_destroy(ipf_queue_t *q);

/* Append item; blocks while the queue is full (backpressure). Returns 0,
 * IPF_ECLOSED once the queue is closed (also when closed while waiting), or
 * the error of an injected fault (site ipf/mq/put). */
int ipf_queue_put(ipf_queue_t *q, void *item);
/* As put, but waits at most ms milliseconds (-ETIMEDOUT), or not at all for
 * ms == 0 (-EAGAIN when full). */
int ipf_queue_put_timed(ipf_queue_t *q, void *item, long ms);
int ipf_queue_try_put(ipf_queue_t *q, void *item);

/* Remove the oldest item into *item; blocks while the queue is empty.
 * Returns 0, IPF_ECLOSED when the queue is closed and drained, or the error of
 * an injected fault (site ipf/mq/get; nothing is removed then). Every item got
 * should be answered with one ipf_queue_task_done. */
int ipf_queue_get(ipf_queue_t *q, void **item);
/* As get, but waits at most ms milliseconds: -ETIMEDOUT. */
int ipf_queue_get_timed(ipf_queue_t *q, void **item, long ms);
/* As get, but never waits: -EAGAIN when empty (and not closed). */
int ipf_queue_try_get(ipf_queue_t *q, void **item);

/* One got item is finished. Returns 0, or -EINVAL when called more often
 * than items were put (queue.Queue raises ValueError; nothing changes). */
int ipf_queue_task_done(ipf_queue_t *q);
/* Block until every item ever put has been answered by task_done (or dropped
 * by ipf_queue_abort). Returns 0. */
int ipf_queue_join(ipf_queue_t *q);

/* Close: puts fail with IPF_ECLOSED from now on, every waiter wakes, get
 * drains the remaining items and then returns IPF_ECLOSED. Idempotent. */
int ipf_queue_close(ipf_queue_t *q);
/* Close and drop the remaining items at once (they count as done for join).
 * Returns how many were dropped. For a consumer that gives up on an error:
 * nobody is left blocked behind it. */
long ipf_queue_abort(ipf_queue_t *q);

/* Snapshots, stale as soon as they return (the check-then-act of
 * mq/empty-then-get): never decide to get from them. */
size_t ipf_queue_size(ipf_queue_t *q);
int ipf_queue_empty(ipf_queue_t *q);
int ipf_queue_closed(ipf_queue_t *q);

/* ---- internal: for mechanisms built on the queue (the pool) -------------- */

/* Rename the operations in wait reasons ("wait_completion" for join) and add
 * a story: fn writes into buf, with the queue's lock held, what the owner
 * knows ("worker-3 exited after task 7 raised") for a waiter of `kind`
 * (IPF__QUEUE_WAIT_*). Any argument may be NULL. */
enum { IPF__QUEUE_WAIT_GET, IPF__QUEUE_WAIT_PUT, IPF__QUEUE_WAIT_JOIN };
typedef void (*ipf__queue_story_fn)(void *ctx, int kind, char *buf, size_t len);
void ipf__queue_set_story(ipf_queue_t *q, const char *op_get, const char *op_put,
                          const char *op_join, ipf__queue_story_fn fn, void *ctx);
/* Recompose the wait reasons now (the owner's story changed). */
void ipf__queue_refresh(ipf_queue_t *q);
/* Do not record this thread in the queue's history (the pool's own
 * workers are described by the pool's story instead). */
void ipf__queue_quiet_history(ipf_queue_t *q, int quiet);

/* ---- POSIX message queue between processes ----------------------------------
 * A private queue (name "/ipcfault-mq-PID-N", O_CREAT | O_EXCL, mode 0600)
 * whose name is unlinked before ipf_pmq_open returns: the descriptor survives
 * fork(), so parent and child share it, and no path, not even a crash, can
 * leave the name behind. Send and receive wait until the queue is ready and
 * then make the non-blocking call: in a controlled run the wait is on the
 * scheduler (a consumer process blocked for ever in receive is a deadlock it
 * reports), elsewhere poll(2); outside a controlled run every call is
 * async-signal-safe. EINTR is retried. */
typedef struct ipf_pmq ipf_pmq_t;

/* Create; maxmsg messages of at most msgsize bytes (the kernel's limits
 * apply: /proc/sys/fs/mqueue). The caller owns *out: ipf_pmq_close. */
int ipf_pmq_open(ipf_pmq_t **out, long maxmsg, long msgsize);
/* The name it had while it existed (for the oracle that it is gone). */
const char *ipf_pmq_name(const ipf_pmq_t *q);
long ipf_pmq_msgsize(const ipf_pmq_t *q);
/* Send len bytes: blocks while full. -EMSGSIZE when len > msgsize. */
int ipf_pmq_send(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio);
/* Never blocks: -EAGAIN when the queue is full. */
int ipf_pmq_try_send(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio);
/* Receive one message into buf (cap must be at least msgsize: -EMSGSIZE
 * otherwise, as mq_receive says). Returns its length; ms < 0 waits for ever,
 * ms >= 0 at most that long (-ETIMEDOUT). */
long ipf_pmq_receive(ipf_pmq_t *q, void *buf, size_t cap, unsigned *prio, long ms);
/* Close this process's descriptor and free q. A child forked outside a
 * controlled run from a multithreaded parent uses ipf_pmq_close_child (no
 * free: not async-signal-safe); a managed child (ipf_fork) may use either. */
int ipf_pmq_close(ipf_pmq_t *q);
void ipf_pmq_close_child(ipf_pmq_t *q);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_MQ_H */
