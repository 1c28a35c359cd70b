/* The message queue: queue.Queue done in C on ipcfault/sched.h.
 *
 * DESIGN. One mutex guards a growable ring of pointers and three counters:
 * `count` (items in the ring), `unfinished` (put minus task_done, what join
 * waits for) and the close state. Three conditions: not_empty (getters),
 * not_full (putters, only with a bound) and all_done (joiners). Every wait
 * loops on its predicate, because a condition wait may return without the
 * predicate holding: a spurious wakeup (the `spurious` fault makes one on
 * purpose), or a stolen one, when another consumer takes the item between
 * the signal and the woken thread's return. The one exception is the marked
 * IPF_BUG line of mq/if-not-while. close() broadcasts all three conditions,
 * so no waiter is left behind it; get drains before it reports IPF_ECLOSED.
 *
 * Termination reports: in a controlled run the queue keeps a small history per
 * thread (items put and taken, NULL "sentinels", task_done calls, what its
 * last queue_empty saw) and composes, into buffers it owns, a sentence per
 * kind of waiter; each waiter points its wait reason at that buffer, and every
 * operation recomposes the buffers while someone waits, so the text the
 * deadlock report prints is the state at the end, not at the time of the
 * wait. Outside controlled runs none of this runs (the bench measures the
 * plain path).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/mq.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "../sched/internal.h"     /* ipf__world: history only in controlled runs */

#define HIST_MAX 16
#define WHY_LEN 640

struct hist {
  int tid;
  char name[32];
  unsigned long put, put_null, got, got_null, done, failed_done;
  long saw_size;               /* what its last queue_empty/size saw; -1 none */
};

enum { W_GET = IPF__QUEUE_WAIT_GET, W_PUT = IPF__QUEUE_WAIT_PUT, W_JOIN = IPF__QUEUE_WAIT_JOIN, W_KINDS };

struct ipf_queue {
  ipf_mutex_t lock;
  ipf_cond_t not_empty, not_full, all_done;
  void **ring;
  size_t cap, head, count;     /* ring capacity (grows when unbounded) */
  size_t bound;                /* 0: unbounded */
  unsigned long unfinished;
  unsigned long nput, ngot, ndone;
  int closed;                  /* 0 open, 1 closed, 2 aborted */
  char closer[32];
  char name[32];
  char cname[3][48];
  int waiting[W_KINDS];
  char why[W_KINDS][WHY_LEN];
  const char *op[W_KINDS];
  ipf__queue_story_fn story;
  void *story_ctx;
  int quiet_tid[IPF_MAX_THREADS];
  struct hist hist[HIST_MAX];
  int nhist;
};

static int controlled(void) { return ipf__world() == IPF_WORLD_CONTROLLED; }

/* ---- history and reasons (controlled runs only) -------------------------- */

static struct hist *me(ipf_queue_t *q) {
  int tid = ipf_thread_self();
  if (tid >= 0 && tid < IPF_MAX_THREADS && q->quiet_tid[tid]) return NULL;
  for (int i = 0; i < q->nhist; i++) if (q->hist[i].tid == tid) return &q->hist[i];
  if (q->nhist == HIST_MAX) return NULL;
  struct hist *h = &q->hist[q->nhist++];
  memset(h, 0, sizeof *h);
  h->tid = tid;
  h->saw_size = -1;
  snprintf(h->name, sizeof h->name, "%s", ipf_thread_name());
  return h;
}

static size_t cat(char *b, size_t len, size_t o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t cat(char *b, size_t len, size_t o, const char *fmt, ...) {
  if (o >= len) return o;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(b + o, len - o, fmt, ap);
  va_end(ap);
  return k < 0 ? o : o + (size_t)k;
}

static const char *plural(unsigned long n, const char *one, const char *many) { return n == 1 ? one : many; }

static void compose(ipf_queue_t *q, int kind) {
  char *b = q->why[kind];
  size_t n = sizeof q->why[kind], o = 0;
  switch (kind) {
  case W_GET:
    o = cat(b, n, o, "%s: the queue is empty and nobody closed it", q->op[W_GET]);
    break;
  case W_PUT:
    o = cat(b, n, o, "%s: the queue is full (%zu of %zu) and nobody closed it", q->op[W_PUT], q->count, q->bound);
    break;
  default:
    o = cat(b, n, o, "%s: %lu unfinished %s (%lu put, %lu task_done)", q->op[W_JOIN], q->unfinished,
            plural(q->unfinished, "task", "tasks"), q->nput, q->ndone);
    break;
  }
  /* An owner with a story (the pool) describes its getters itself: keep
   * their lines short, the report lists every one of them. */
  int nh = kind == W_GET && q->story ? 0 : q->nhist;
  for (int i = 0; i < nh; i++) {
    const struct hist *h = &q->hist[i];
    o = cat(b, n, o, "; %s", h->name);
    int any = 0;
    if (h->put) {
      o = cat(b, n, o, " put %lu %s", h->put - h->put_null, plural(h->put - h->put_null, "item", "items"));
      if (h->put_null) o = cat(b, n, o, " and %lu %s", h->put_null, plural(h->put_null, "sentinel", "sentinels"));
      any = 1;
    }
    if (h->got || !h->put) {
      o = cat(b, n, o, "%s took ", any ? "," : "");
      if (!h->got) o = cat(b, n, o, "nothing");
      else {
        o = cat(b, n, o, "%lu %s", h->got - h->got_null, plural(h->got - h->got_null, "item", "items"));
        if (h->got_null) o = cat(b, n, o, " and %lu %s", h->got_null, plural(h->got_null, "sentinel", "sentinels"));
      }
      any = 1;
    }
    if (h->got || h->done) o = cat(b, n, o, ", called task_done %lu %s", h->done, plural(h->done, "time", "times"));
    if (h->saw_size >= 0)
      o = cat(b, n, o, ", its last queue_empty saw %ld %s", h->saw_size, plural((unsigned long)h->saw_size, "item", "items"));
  }
  if (q->story && o + 2 < n) {
    q->story(q->story_ctx, kind, b + o + 2, n - o - 2);
    if (b[o + 2]) { b[o] = ';'; b[o + 1] = ' '; }     /* an empty story adds nothing */
  }
}

/* Called with the lock held after every change, in controlled runs. */
static void refresh(ipf_queue_t *q) {
  for (int k = 0; k < W_KINDS; k++) if (q->waiting[k]) compose(q, k);
}

/* One wait on cond for a waiter of `kind`, until deadline (virtual or real
 * ms from ipf_now_ms; < 0 none). The caller loops on its predicate. */
static int wait_once(ipf_queue_t *q, ipf_cond_t *c, int kind, long deadline) {
  int ctl = controlled();
  q->waiting[kind]++;
  if (ctl) {
    compose(q, kind);
    ipf_set_wait_reason(q->why[kind]);
  }
  int rc;
  if (deadline < 0) rc = ipf_cond_wait(c, &q->lock);
  else {
    long left = deadline - ipf_now_ms();
    rc = left <= 0 ? -ETIMEDOUT : ipf_cond_timedwait(c, &q->lock, left);
  }
  q->waiting[kind]--;
  if (ctl) ipf_set_wait_reason(NULL);
  return rc;
}

/* ---- faults ----------------------------------------------------------------- */

/* The fault sites of put and get: an error returns before anything changes
 * (ipf_fault has already performed a delay). */
static int site_fault(int act, long arg) {
  switch (act) {
  case IPF_ACT_ERROR: return arg > 0 ? (int)-arg : -EIO;
  case IPF_ACT_EINTR: return -EINTR;
  default: return 0;
  }
}

/* ---- life cycle ----------------------------------------------------------------- */

/* An abandoned execution's queue (sched.c): its memory only; the emulated
 * lock and conditions hold nothing outside it in a controlled run. */
static void queue_release(void *p) {
  ipf_queue_t *q = p;
  free(q->ring);
  free(q);
}

void ipf__queue_drain_raw(ipf_queue_t *q, void (*fn)(void *)) {
  for (size_t i = 0; i < q->count; i++) fn(q->ring[(q->head + i) % q->cap]);
  q->count = 0;
}

int ipf_queue_create(ipf_queue_t **out, size_t bound, const char *name) {
  *out = NULL;
  ipf_queue_t *q = calloc(1, sizeof *q);
  if (!q) return -ENOMEM;
  q->bound = bound;
  q->cap = bound ? bound : 16;
  q->ring = calloc(q->cap, sizeof *q->ring);   /* a stale read (mq/if-not-while) sees NULL, not garbage */
  if (!q->ring) { free(q); return -ENOMEM; }
  snprintf(q->name, sizeof q->name, "%s", name ? name : "queue");
  snprintf(q->cname[0], sizeof q->cname[0], "%s.not_empty", q->name);
  snprintf(q->cname[1], sizeof q->cname[1], "%s.not_full", q->name);
  snprintf(q->cname[2], sizeof q->cname[2], "%s.all_done", q->name);
  ipf_mutex_init(&q->lock, q->name);
  ipf_cond_init(&q->not_empty, q->cname[0]);
  ipf_cond_init(&q->not_full, q->cname[1]);
  ipf_cond_init(&q->all_done, q->cname[2]);
  q->op[W_GET] = "queue_get";
  q->op[W_PUT] = "queue_put";
  q->op[W_JOIN] = "queue_join";
  ipf__exec_adopt(q, queue_release);   /* freed for an execution abandoned in a deadlock */
  *out = q;
  return 0;
}

void ipf_queue_destroy(ipf_queue_t *q) {
  if (!q) return;
  ipf__exec_disown(q);
  ipf_cond_destroy(&q->not_empty);
  ipf_cond_destroy(&q->not_full);
  ipf_cond_destroy(&q->all_done);
  ipf_mutex_destroy(&q->lock);
  free(q->ring);
  free(q);
}

void ipf__queue_set_story(ipf_queue_t *q, const char *op_get, const char *op_put,
                          const char *op_join, ipf__queue_story_fn fn, void *ctx) {
  if (op_get) q->op[W_GET] = op_get;
  if (op_put) q->op[W_PUT] = op_put;
  if (op_join) q->op[W_JOIN] = op_join;
  q->story = fn;
  q->story_ctx = ctx;
}

void ipf__queue_refresh(ipf_queue_t *q) {
  if (!controlled()) return;
  ipf_mutex_lock(&q->lock);
  refresh(q);
  ipf_mutex_unlock(&q->lock);
}

void ipf__queue_quiet_history(ipf_queue_t *q, int quiet) {
  if (!controlled()) return;
  int tid = ipf_thread_self();
  if (tid >= 0 && tid < IPF_MAX_THREADS) q->quiet_tid[tid] = quiet;
}

/* ---- put ---------------------------------------------------------------------- */

static int grow(ipf_queue_t *q) {
  size_t cap = q->cap * 2;
  void **r = calloc(cap, sizeof *r);
  if (!r) return -ENOMEM;
  for (size_t i = 0; i < q->count; i++) r[i] = q->ring[(q->head + i) % q->cap];
  free(q->ring);
  q->ring = r;
  q->cap = cap;
  q->head = 0;
  return 0;
}

static int put(ipf_queue_t *q, void *item, long ms) {
  long arg = 0;
  int rc = site_fault(IPF_FAULT(MQ_PUT, &arg), arg);
  if (rc < 0) return rc;
  long deadline = ms > 0 ? ipf_now_ms() + ms : -1;
  ipf_mutex_lock(&q->lock);
  while (q->bound && q->count == q->bound && !q->closed && rc == 0) {
    if (ms == 0) rc = -EAGAIN;
    else rc = wait_once(q, &q->not_full, W_PUT, deadline);
  }
  if (q->closed) rc = IPF_ECLOSED;
  else if (q->bound && q->count == q->bound) rc = rc ? rc : -EAGAIN;
  else {
    rc = 0;
    if (!q->bound && q->count == q->cap) rc = grow(q);
    if (rc == 0) {
      q->ring[(q->head + q->count) % q->cap] = item;
      q->count++;
      q->unfinished++;
      q->nput++;
      ipf_cond_signal(&q->not_empty);
    }
  }
  if (controlled()) {
    struct hist *h = rc == 0 ? me(q) : NULL;
    if (h) { h->put++; h->put_null += item == NULL; }
    refresh(q);
    if (rc == 0) ipf_note("%s: put %s (size %zu)", q->name, item ? "an item" : "a sentinel", q->count);
  }
  ipf_mutex_unlock(&q->lock);
  return rc;
}

int ipf_queue_put(ipf_queue_t *q, void *item) { return put(q, item, -1); }
int ipf_queue_try_put(ipf_queue_t *q, void *item) { return put(q, item, 0); }
int ipf_queue_put_timed(ipf_queue_t *q, void *item, long ms) {
  int rc = put(q, item, ms < 0 ? 0 : ms);
  return rc == -EAGAIN && ms > 0 ? -ETIMEDOUT : rc;
}

/* ---- get ---------------------------------------------------------------------- */

static int get(ipf_queue_t *q, void **item, long ms) {
  long arg = 0;
  int rc = site_fault(IPF_FAULT(MQ_GET, &arg), arg);
  if (rc < 0) return rc;
  long deadline = ms > 0 ? ipf_now_ms() + ms : -1;
  ipf_mutex_lock(&q->lock);
  if (IPF_BUG(IPF_BUG_MQ_IF_NOT_WHILE)) {
    /* BUG (mq/if-not-while): `if` where `while` belongs. It reads as "wait
     * until there is an item", but a condition wait may return with none: a
     * spurious wakeup, or a second consumer that took the item between the
     * signal and this thread's return (a stolen wakeup). */
    if (q->count == 0 && !q->closed) rc = ms == 0 ? -EAGAIN : wait_once(q, &q->not_empty, W_GET, deadline);
  } else {
    while (q->count == 0 && !q->closed && rc == 0)
      rc = ms == 0 ? -EAGAIN : wait_once(q, &q->not_empty, W_GET, deadline);
  }
  if (q->count == 0 && q->closed) {
    rc = IPF_ECLOSED;
  } else if (q->count == 0 && rc) {
    /* timed out, or a try on an empty queue */
  } else if (q->count == 0) {
    /* Only the bug above gets here: the C version of it reads a slot that
     * holds an old item and sends the count below zero; the kit reports it
     * and hands out the stale slot without corrupting the ring. */
    *item = q->ring[q->head];
    ipf_fail("empty-get", "%s woke from ipf_cond_wait(%s) and took an item from an empty queue "
             "(`if` instead of `while` around the wait: a spurious or stolen wakeup)",
             ipf_thread_name(), q->cname[0]);
    rc = 0;
  } else {
    *item = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    q->ngot++;
    rc = 0;
    if (q->bound) ipf_cond_signal(&q->not_full);
  }
  if (controlled()) {
    struct hist *h = rc == 0 ? me(q) : NULL;
    if (h) { h->got++; h->got_null += *item == NULL; }
    refresh(q);
    if (rc == 0) ipf_note("%s: got %s (size %zu)", q->name, *item ? "an item" : "a sentinel", q->count);
    else if (rc == IPF_ECLOSED) ipf_note("%s: get -> closed and drained", q->name);
  }
  ipf_mutex_unlock(&q->lock);
  return rc;
}

int ipf_queue_get(ipf_queue_t *q, void **item) { return get(q, item, -1); }
int ipf_queue_try_get(ipf_queue_t *q, void **item) { return get(q, item, 0); }
int ipf_queue_get_timed(ipf_queue_t *q, void **item, long ms) {
  int rc = get(q, item, ms < 0 ? 0 : ms);
  return rc == -EAGAIN && ms > 0 ? -ETIMEDOUT : rc;
}

/* ---- task_done, join ------------------------------------------------------------- */

int ipf_queue_task_done(ipf_queue_t *q) {
  int rc = 0;
  ipf_mutex_lock(&q->lock);
  if (q->unfinished == 0) {
    rc = -EINVAL;           /* queue.Queue: "task_done() called too many times" */
  } else {
    q->unfinished--;
    q->ndone++;
    if (q->unfinished == 0) ipf_cond_broadcast(&q->all_done);
  }
  if (controlled()) {
    struct hist *h = me(q);
    if (h) { if (rc == 0) h->done++; else h->failed_done++; }
    refresh(q);
    ipf_note("%s: task_done%s (unfinished %lu)", q->name, rc ? " too many times" : "", q->unfinished);
  }
  ipf_mutex_unlock(&q->lock);
  return rc;
}

int ipf_queue_join(ipf_queue_t *q) {
  ipf_mutex_lock(&q->lock);
  while (q->unfinished > 0) wait_once(q, &q->all_done, W_JOIN, -1);
  ipf_mutex_unlock(&q->lock);
  return 0;
}

/* ---- close ------------------------------------------------------------------------ */

static long close_as(ipf_queue_t *q, int how) {
  long dropped = 0;
  ipf_mutex_lock(&q->lock);
  if (q->closed < how) {
    if (!q->closed) snprintf(q->closer, sizeof q->closer, "%s", ipf_thread_name());
    q->closed = how;
  }
  if (how == 2 && q->count) {
    dropped = (long)q->count;
    q->unfinished -= q->count < q->unfinished ? q->count : q->unfinished;
    q->head = 0;
    q->count = 0;
  }
  /* Everyone wakes: getters to drain or see IPF_ECLOSED, putters to fail,
   * joiners because an abort may have finished the last task. */
  ipf_cond_broadcast(&q->not_empty);
  ipf_cond_broadcast(&q->not_full);
  if (q->unfinished == 0) ipf_cond_broadcast(&q->all_done);
  if (controlled()) {
    refresh(q);
    ipf_note("%s: %s%s", q->name, how == 2 ? "abort" : "close", dropped ? " (items dropped)" : "");
  }
  ipf_mutex_unlock(&q->lock);
  return dropped;
}

int ipf_queue_close(ipf_queue_t *q) { close_as(q, 1); return 0; }
long ipf_queue_abort(ipf_queue_t *q) { return close_as(q, 2); }

/* ---- snapshots ---------------------------------------------------------------------- */

size_t ipf_queue_size(ipf_queue_t *q) {
  ipf_mutex_lock(&q->lock);
  size_t n = q->count;
  if (controlled()) {
    struct hist *h = me(q);
    if (h) h->saw_size = (long)n;
    refresh(q);
  }
  ipf_mutex_unlock(&q->lock);
  return n;
}

int ipf_queue_empty(ipf_queue_t *q) { return ipf_queue_size(q) == 0; }

int ipf_queue_closed(ipf_queue_t *q) {
  ipf_mutex_lock(&q->lock);
  int c = q->closed != 0;
  ipf_mutex_unlock(&q->lock);
  return c;
}
