/* The thread pool: pool.py's ThreadPool, with the defects taken out.
 *
 * DESIGN. The pool is an ipf_queue of task records plus N worker threads.
 * A worker loops: get a task, run it inside IPF_TRY, count a failure (an
 * error return, a throw, a crash of the isolated child), call task_done, and
 * go on. task_done sits after the try/catch, on the one path every task
 * takes, which is what pool.py's try/finally meant; the worker never dies of
 * a task. The two marked IPF_BUG lines put the defects back: task_done only
 * on success (pool/no-finally) and an exception that ends the worker loop
 * (pool/worker-dies). Shutdown closes the queue (the graceful close: queued
 * tasks still run), so every worker's get ends in IPF_ECLOSED, and joins
 * them all; no worker is ever left behind, unlike pool.py's daemons.
 *
 * A worker whose get fails (an injected fault at ipf/mq/get) retries; after
 * three failures in a row it gives up and reports it (ipf_clean_error). The
 * last worker out aborts the queue, so that neither submit nor
 * wait_completion can wait for a task no worker will run.
 *
 * Statistics and the per-worker story are relaxed atomics: workers write
 * them without a lock, and the story that the queue composes for the
 * deadlock report (with the queue's lock held) only reads them. Locks: the
 * pool's own mutex only serialises shutdown and is never held while a worker
 * needs it (workers never take it), so it has no order with the queue's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "../sched/internal.h"     /* ipf__exec_adopt: memory of abandoned executions */
#include "ipcfault/fault.h"
#include "ipcfault/mq.h"
#include "ipcfault/pool.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define INC(x) __atomic_fetch_add(&(x), 1, __ATOMIC_RELAXED)

enum { W_RUNNING, W_EXITED, W_DIED, W_GAVE_UP };

struct wstate {
  struct ipf_pool *pool;
  ipf_thread_t t;
  int started;
  char name[24];             /* "worker-" and any int */
  int state;                 /* W_*, atomic */
  long last_task;            /* atomic: seq of the last task taken */
  int last_rc;               /* atomic */
  long undone_task;          /* atomic: a task whose task_done was skipped (bug) */
};

struct task {
  ipf_task_fn fn;
  void *arg;
  long seq;                  /* 1-based submission number, for reports */
};

struct ipf_pool {
  ipf_queue_t *q;
  unsigned flags;
  int n;
  ipf_mutex_t lock;          /* serialises shutdown */
  int shut;                  /* atomic: shutdown has begun */
  int joined;                /* under lock */
  unsigned long submitted, run, failed, thrown, crashed, dropped;   /* atomic */
  long seq;                  /* atomic */
  int alive;                 /* atomic */
  struct wstate w[];
};

/* ---- the story for termination reports ----------------------------------------- */

static void story(void *ctx, int kind, char *b, size_t len) {
  ipf_pool_t *p = ctx;
  size_t o = 0;
#define CAT(...) do { if (o < len) { int k_ = snprintf(b + o, len - o, __VA_ARGS__); if (k_ > 0) o += (size_t)k_; } } while (0)
  b[0] = 0;
  if (kind == IPF__QUEUE_WAIT_GET) {
    if (!LD(p->shut)) CAT("nobody called ipf_pool_shutdown");
    return;
  }
  for (int i = 0; i < p->n; i++) {
    const struct wstate *w = &p->w[i];
    int st = LD(w->state);
    if (st == W_DIED)
      CAT("%s%s exited after task %ld raised (%s)", o ? "; " : "", w->name, LD(w->last_task),
          ipf_strerror(LD(w->last_rc)));
    else if (st == W_GAVE_UP)
      CAT("%s%s gave up after failed gets", o ? "; " : "", w->name);
    long u = LD(w->undone_task);
    if (u) CAT("%stask %ld failed in %s, which skipped task_done", o ? "; " : "", u, w->name);
  }
  int alive = LD(p->alive);
  if (alive == 0) CAT("%sno worker is left to run the queued tasks", o ? "; " : "");
  else if (alive < p->n) CAT("%s%d of %d workers alive", o ? "; " : "", alive, p->n);
  if (kind == IPF__QUEUE_WAIT_JOIN)
    CAT("%s%lu tasks run, %lu failed", o ? "; " : "", LD(p->run), LD(p->failed));
#undef CAT
}

/* ---- running one task ------------------------------------------------------------ */

static int exit_code_of(int rc) {
  if (rc == 0) return 0;
  if (rc < 0 && rc >= -125) return -rc;
  return 126;                 /* a kit code: comes back as IPF_ETHROWN */
}

int ipf_run_isolated(ipf_task_fn fn, void *arg, int crash, int *sig) {
  if (sig) *sig = 0;
  pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid == 0) {
    /* The child of a multithreaded parent: async-signal-safe calls only. */
    if (crash) {
      struct rlimit r = { 0, 0 };
      setrlimit(RLIMIT_CORE, &r);           /* a crash, not a core file */
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = SIG_DFL;
      sigaction(SIGABRT, &sa, NULL);        /* past any sanitizer's handler */
      raise(SIGABRT);
      _exit(125);
    }
    volatile int rc = 0;
    ipf_catch_t c;
    IPF_TRY(c) {
      rc = fn(arg);
    } IPF_CATCH(c) {
      rc = IPF_ETHROWN;
    } IPF_END_TRY(c);
    _exit(exit_code_of(rc));
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -errno;
  if (WIFSIGNALED(st)) {
    if (sig) *sig = WTERMSIG(st);
    return IPF_POOL_ECRASHED;
  }
  int code = WEXITSTATUS(st);
  return code == 0 ? 0 : code >= 125 ? IPF_ETHROWN : -code;
}

/* Run t; returns its result, *threw set when it failed by an exception. */
static int run_task(ipf_pool_t *p, struct wstate *w, struct task *t, int *threw) {
  volatile int rc = 0, thrown = 0;
  int isolate = p->flags & IPF_POOL_ISOLATE;
  ipf_catch_t c;
  IPF_TRY(c) {
    long arg = 0;
    int act = IPF_FAULT(POOL_TASK, &arg);
    int sig = 0;
    switch (act) {
    case IPF_ACT_THROW:
      ipf_task_throw(arg > 0 ? (int)-arg : arg < 0 ? (int)arg : IPF_ETHROWN);
    case IPF_ACT_ERROR:
      rc = arg > 0 ? (int)-arg : -EIO;
      break;
    case IPF_ACT_CRASH:
      if (!isolate) {
        /* A crash would take the whole process with it: only isolated
         * pools honour it; here it is an exception, said so in the trace. */
        ipf_note("task %ld: crash fault in a pool without IPF_POOL_ISOLATE: thrown instead", t->seq);
        ipf_task_throw(IPF_ETHROWN);
      }
      rc = ipf_run_isolated(t->fn, t->arg, 1, &sig);
      break;
    default:
      rc = isolate ? ipf_run_isolated(t->fn, t->arg, 0, &sig) : t->fn(t->arg);
      break;
    }
    if (rc == IPF_POOL_ECRASHED) ipf_note("task %ld: its process died of signal %d", t->seq, sig);
  } IPF_CATCH(c) {
    rc = c.code ? c.code : IPF_ETHROWN;
    thrown = 1;
  } IPF_END_TRY(c);
  INC(p->run);
  if (rc) {
    INC(p->failed);
    if (thrown) INC(p->thrown);
    if (rc == IPF_POOL_ECRASHED) INC(p->crashed);
    ipf_note("task %ld %s: %s (counted)", t->seq, thrown ? "raised" : "failed", ipf_strerror(rc));
  }
  ST(w->last_task, t->seq);
  ST(w->last_rc, (int)rc);
  *threw = thrown;
  return rc;
}

/* ---- workers ------------------------------------------------------------------------- */

static void worker(void *a) {
  struct wstate *w = a;
  ipf_pool_t *p = w->pool;
  ipf__queue_quiet_history(p->q, 1);      /* the pool's story describes workers */
  int errs = 0, end = W_EXITED;
  for (;;) {
    void *item;
    int rc = ipf_queue_get(p->q, &item);
    if (rc == IPF_ECLOSED) break;
    if (rc < 0) {
      if (++errs < 3) continue;
      ipf_clean_error("%s gave up after %d failed gets from the task queue: %s", w->name, errs, ipf_strerror(rc));
      end = W_GAVE_UP;
      break;
    }
    errs = 0;
    struct task *t = item;
    int threw = 0;
    int failed = run_task(p, w, t, &threw) != 0;
    if (failed && threw && IPF_BUG(IPF_BUG_POOL_WORKER_DIES)) {
      /* BUG (pool/worker-dies): the exception is not caught in the worker
       * loop, so it ends the worker, before task_done: the notes' pool.py
       * "still propagates and kills the worker"; the pool shrinks and join
       * waits for a task_done that never comes. */
      free(t);
      ST(w->state, W_DIED);
      __atomic_fetch_sub(&p->alive, 1, __ATOMIC_RELAXED);
      ipf__queue_refresh(p->q);
      return;
    }
    if (failed && IPF_BUG(IPF_BUG_POOL_NO_FINALLY)) {
      /* BUG (pool/no-finally): task_done only on the success path, as in
       * `try: func(); q.task_done() except Exception as e: print(e)`, so a
       * failed task is never marked done and wait_completion hangs. */
      ST(w->undone_task, t->seq);
      free(t);
      ipf__queue_refresh(p->q);
      continue;
    }
    free(t);
    ipf_queue_task_done(p->q);
  }
  ST(w->state, end);
  if (__atomic_sub_fetch(&p->alive, 1, __ATOMIC_RELAXED) == 0 && end == W_GAVE_UP) {
    long dropped = ipf_queue_abort(p->q);
    __atomic_fetch_add(&p->dropped, (unsigned long)dropped, __ATOMIC_RELAXED);
    if (dropped) ipf_clean_error("no worker left: %ld queued tasks dropped", dropped);
  } else {
    ipf__queue_refresh(p->q);
  }
  ipf__queue_quiet_history(p->q, 0);
}

/* ---- the pool -------------------------------------------------------------------------- */

/* An abandoned execution's pool (sched.c): the tasks still queued and the
 * pool's memory; the queue itself is released after it (adopted first). */
void ipf__queue_drain_raw(ipf_queue_t *q, void (*fn)(void *));
static void pool_release(void *arg) {
  ipf_pool_t *p = arg;
  ipf__queue_drain_raw(p->q, free);
  free(p);
}

int ipf_pool_create(ipf_pool_t **out, int nworkers, size_t capacity, unsigned flags, const char *name) {
  *out = NULL;
  if (nworkers < 1 || nworkers > 60) return -EINVAL;
  ipf_pool_t *p = calloc(1, sizeof *p + (size_t)nworkers * sizeof p->w[0]);
  if (!p) return -ENOMEM;
  int rc = ipf_queue_create(&p->q, capacity, name ? name : "pool");
  if (rc < 0) { free(p); return rc; }
  ipf__queue_set_story(p->q, "waits for a task", "pool_submit", "wait_completion", story, p);
  ipf_mutex_init(&p->lock, "pool.lock");
  ipf__exec_adopt(p, pool_release);
  p->flags = flags;
  p->n = nworkers;
  for (int i = 0; i < nworkers; i++) {
    struct wstate *w = &p->w[i];
    w->pool = p;
    snprintf(w->name, sizeof w->name, "worker-%d", i + 1);
    INC(p->alive);
    rc = ipf_thread_create(&w->t, w->name, worker, w);
    if (rc < 0) {
      __atomic_fetch_sub(&p->alive, 1, __ATOMIC_RELAXED);
      ipf_pool_destroy(p);      /* joins the workers already started */
      return rc;
    }
    w->started = 1;
  }
  *out = p;
  return 0;
}

int ipf_pool_submit(ipf_pool_t *p, ipf_task_fn fn, void *arg) {
  if (LD(p->shut)) return IPF_ESHUTDOWN;
  struct task *t = malloc(sizeof *t);
  if (!t) return -ENOMEM;
  t->fn = fn;
  t->arg = arg;
  t->seq = __atomic_add_fetch(&p->seq, 1, __ATOMIC_RELAXED);
  int rc = ipf_queue_put(p->q, t);
  if (rc < 0) {
    free(t);
    return rc == IPF_ECLOSED ? (LD(p->shut) ? IPF_ESHUTDOWN : IPF_ECLOSED) : rc;
  }
  INC(p->submitted);
  return 0;
}

int ipf_pool_wait_completion(ipf_pool_t *p) { return ipf_queue_join(p->q); }

int ipf_pool_shutdown(ipf_pool_t *p) {
  ipf_mutex_lock(&p->lock);
  if (!p->joined) {
    ST(p->shut, 1);
    ipf_queue_close(p->q);
    for (int i = 0; i < p->n; i++)
      if (p->w[i].started) ipf_thread_join(&p->w[i].t);
    p->joined = 1;
  }
  ipf_mutex_unlock(&p->lock);
  return 0;
}

void ipf_pool_stats(ipf_pool_t *p, ipf_pool_stats_t *s) {
  s->submitted = LD(p->submitted);
  s->run = LD(p->run);
  s->failed = LD(p->failed);
  s->thrown = LD(p->thrown);
  s->crashed = LD(p->crashed);
  s->dropped = LD(p->dropped);
  s->workers_alive = LD(p->alive);
}

void ipf_pool_destroy(ipf_pool_t *p) {
  if (!p) return;
  ipf_pool_shutdown(p);
  ipf__exec_disown(p);
  /* Only a pool whose workers died (a bug variant) can still hold tasks. */
  void *item;
  while (ipf_queue_try_get(p->q, &item) == 0) free(item);
  ipf_queue_destroy(p->q);
  ipf_mutex_destroy(&p->lock);
  free(p);
}
