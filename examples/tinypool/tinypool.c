/* tinypool: a work queue under one mutex and two condition variables,
 * workers started behind a barrier, statistics under a rwlock, the queue's
 * high-water mark under a spinlock, one-time global setup with
 * pthread_once, detached one-off tasks. Plain pthreads, no ipcfault.
 *
 * Built with -DTINYPOOL_BUG it carries a planted bug (the marked lines): a
 * finished task's "pending" decrement reads the count in one critical
 * section and writes it back in another, so two tasks finishing together
 * lose one decrement and tp_wait waits forever. */
#include "tinypool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct task {
  void (*fn)(void *);
  void *arg;
  struct task *next;
};

struct tp_pool {
  pthread_mutex_t lock;          /* queue, pending, stop */
  pthread_cond_t work, idle;
  pthread_rwlock_t stats_lock;   /* tasks_run */
  pthread_spinlock_t hw_lock;    /* queued, high_water */
  pthread_barrier_t started;
  struct task *head, *tail;
  int pending, stop, n, queued, high_water;
  long tasks_run;
  pthread_t *threads;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static int pools_made;

static void global_init(void) { pools_made = 0; }

static void task_done(tp_pool *p) {
  pthread_rwlock_wrlock(&p->stats_lock);
  p->tasks_run++;
  pthread_rwlock_unlock(&p->stats_lock);
#ifdef TINYPOOL_BUG
  pthread_mutex_lock(&p->lock);
  int left = p->pending - 1;     /* BUG: read here ... */
  pthread_mutex_unlock(&p->lock);
  pthread_mutex_lock(&p->lock);
  p->pending = left;             /* BUG: ... written back in another critical section */
#else
  pthread_mutex_lock(&p->lock);
  p->pending--;
#endif
  if (p->pending == 0) pthread_cond_broadcast(&p->idle);
  pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg) {
  tp_pool *p = arg;
  pthread_barrier_wait(&p->started);
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (!p->head && !p->stop) pthread_cond_wait(&p->work, &p->lock);
    if (!p->head) break;
    struct task *t = p->head;
    p->head = t->next;
    if (!p->head) p->tail = NULL;
    pthread_spin_lock(&p->hw_lock);
    p->queued--;
    pthread_spin_unlock(&p->hw_lock);
    pthread_mutex_unlock(&p->lock);
    t->fn(t->arg);
    free(t);
    task_done(p);
    pthread_mutex_lock(&p->lock);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

tp_pool *tp_create(int n) {
  if (n < 1) return NULL;
  pthread_once(&once, global_init);
  tp_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->threads = calloc((size_t)n, sizeof *p->threads);
  if (!p->threads) { free(p); return NULL; }
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->work, NULL);
  pthread_cond_init(&p->idle, NULL);
  pthread_rwlock_init(&p->stats_lock, NULL);
  pthread_spin_init(&p->hw_lock, PTHREAD_PROCESS_PRIVATE);
  pthread_barrier_init(&p->started, NULL, (unsigned)n + 1);
  for (int i = 0; i < n; i++) {
    if (pthread_create(&p->threads[i], NULL, worker, p)) abort();   /* keep the example short */
    p->n++;
  }
  pthread_barrier_wait(&p->started);
  pthread_mutex_lock(&pools_lock);
  pools_made++;
  pthread_mutex_unlock(&pools_lock);
  return p;
}

int tp_submit(tp_pool *p, void (*fn)(void *), void *arg) {
  struct task *t = malloc(sizeof *t);
  if (!t) return ENOMEM;
  t->fn = fn;
  t->arg = arg;
  t->next = NULL;
  pthread_mutex_lock(&p->lock);
  if (p->tail) p->tail->next = t;
  else p->head = t;
  p->tail = t;
  p->pending++;
  pthread_spin_lock(&p->hw_lock);
  if (++p->queued > p->high_water) p->high_water = p->queued;
  pthread_spin_unlock(&p->hw_lock);
  pthread_cond_signal(&p->work);
  pthread_mutex_unlock(&p->lock);
  return 0;
}

struct detached {
  tp_pool *p;
  void (*fn)(void *);
  void *arg;
};

static void *detached_main(void *a) {
  struct detached d = *(struct detached *)a;
  free(a);
  d.fn(d.arg);
  task_done(d.p);
  return NULL;
}

int tp_submit_detached(tp_pool *p, void (*fn)(void *), void *arg) {
  struct detached *d = malloc(sizeof *d);
  if (!d) return ENOMEM;
  d->p = p;
  d->fn = fn;
  d->arg = arg;
  pthread_mutex_lock(&p->lock);
  p->pending++;
  pthread_mutex_unlock(&p->lock);
  pthread_t t;
  int rc = pthread_create(&t, NULL, detached_main, d);
  if (rc) {
    free(d);
    pthread_mutex_lock(&p->lock);
    p->pending--;
    pthread_mutex_unlock(&p->lock);
    return rc;
  }
  return pthread_detach(t);
}

void tp_wait(tp_pool *p) {
  pthread_mutex_lock(&p->lock);
  while (p->pending > 0) pthread_cond_wait(&p->idle, &p->lock);
  pthread_mutex_unlock(&p->lock);
}

long tp_tasks_run(tp_pool *p) {
  pthread_rwlock_rdlock(&p->stats_lock);
  long n = p->tasks_run;
  pthread_rwlock_unlock(&p->stats_lock);
  return n;
}

int tp_high_water(tp_pool *p) {
  pthread_spin_lock(&p->hw_lock);
  int n = p->high_water;
  pthread_spin_unlock(&p->hw_lock);
  return n;
}

void tp_destroy(tp_pool *p) {
  pthread_mutex_lock(&p->lock);
  p->stop = 1;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->n; i++) pthread_join(p->threads[i], NULL);
  pthread_barrier_destroy(&p->started);
  pthread_spin_destroy(&p->hw_lock);
  pthread_rwlock_destroy(&p->stats_lock);
  pthread_cond_destroy(&p->idle);
  pthread_cond_destroy(&p->work);
  pthread_mutex_destroy(&p->lock);
  free(p->threads);
  free(p);
}

int tp_pools_made(void) {
  pthread_mutex_lock(&pools_lock);
  int n = pools_made;
  pthread_mutex_unlock(&pools_lock);
  return n;
}
