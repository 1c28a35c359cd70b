/* Bench: the message queue and the pool, each next to a baseline measured in
 * the same run (outside any controlled run, so every ipf_ call is the plain
 * pthread operation).
 *  - queue put/get throughput, 1 and 4 producer/consumer pairs, against a
 *    mutex + two condition variables ring written the obvious way here;
 *  - pool tasks per second for empty tasks, against one thread per task.
 * Prints figures and ratios; asserts nothing (timings are not tests).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ipcfault/mq.h"
#include "ipcfault/pool.h"

#define RING 1024
#define MSGS 200000L          /* per pair */
#define TASKS 20000L

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the baseline ring ---- */
struct ring {
  pthread_mutex_t m;
  pthread_cond_t ne, nf;
  void *buf[RING];
  size_t head, count;
};
static void ring_put(struct ring *r, void *v) {
  pthread_mutex_lock(&r->m);
  while (r->count == RING) pthread_cond_wait(&r->nf, &r->m);
  r->buf[(r->head + r->count) % RING] = v;
  r->count++;
  pthread_cond_signal(&r->ne);
  pthread_mutex_unlock(&r->m);
}
static void *ring_get(struct ring *r) {
  pthread_mutex_lock(&r->m);
  while (r->count == 0) pthread_cond_wait(&r->ne, &r->m);
  void *v = r->buf[r->head];
  r->head = (r->head + 1) % RING;
  r->count--;
  pthread_cond_signal(&r->nf);
  pthread_mutex_unlock(&r->m);
  return v;
}

static struct ring ring;
static ipf_queue_t *bq;

static void *ring_prod(void *a) { (void)a; for (long i = 0; i < MSGS; i++) ring_put(&ring, (void *)(i + 1)); return NULL; }
static void *ring_cons(void *a) { (void)a; for (long i = 0; i < MSGS; i++) ring_get(&ring); return NULL; }
static void *q_prod(void *a) { (void)a; for (long i = 0; i < MSGS; i++) ipf_queue_put(bq, (void *)(i + 1)); return NULL; }
static void *q_cons(void *a) {
  (void)a;
  void *it;
  for (long i = 0; i < MSGS; i++) ipf_queue_get(bq, &it);
  return NULL;
}

static double pairs(int n, void *(*prod)(void *), void *(*cons)(void *)) {
  pthread_t t[8];
  double t0 = now();
  for (int i = 0; i < n; i++) {
    pthread_create(&t[2 * i], NULL, cons, NULL);
    pthread_create(&t[2 * i + 1], NULL, prod, NULL);
  }
  for (int i = 0; i < 2 * n; i++) pthread_join(t[i], NULL);
  return (double)(n * MSGS) / (now() - t0);
}

/* ---- pool vs one thread per task ---- */
static int empty_task(void *a) { (void)a; return 0; }
static void *empty_thread(void *a) { (void)a; return NULL; }

void ipf_bench_queue(void) {
  printf("queue (put/get, %ld messages per pair, ring of %d):\n", MSGS, RING);
  for (int n = 1; n <= 4; n += 3) {
    pthread_mutex_init(&ring.m, NULL);
    pthread_cond_init(&ring.ne, NULL);
    pthread_cond_init(&ring.nf, NULL);
    ring.head = ring.count = 0;
    double base = pairs(n, ring_prod, ring_cons);
    pthread_cond_destroy(&ring.ne);
    pthread_cond_destroy(&ring.nf);
    pthread_mutex_destroy(&ring.m);
    if (ipf_queue_create(&bq, RING, "bench") < 0) { printf("  cannot create the queue\n"); return; }
    double ours = pairs(n, q_prod, q_cons);
    ipf_queue_destroy(bq);
    printf("  %d pair%s: ipf_queue %.0f msg/s, mutex+condvar ring %.0f msg/s, ratio %.2f\n", n,
           n == 1 ? " " : "s", ours, base, ours / base);
  }

  printf("pool (%ld empty tasks):\n", TASKS);
  ipf_pool_t *p;
  if (ipf_pool_create(&p, 4, 256, 0, "bench") < 0) { printf("  cannot create the pool\n"); return; }
  double t0 = now();
  for (long i = 0; i < TASKS; i++) ipf_pool_submit(p, empty_task, NULL);
  ipf_pool_wait_completion(p);
  double pool_rate = (double)TASKS / (now() - t0);
  ipf_pool_destroy(p);
  t0 = now();
  for (long i = 0; i < TASKS; i += 4) {       /* at most 4 at a time, like the pool */
    pthread_t t[4];
    for (int k = 0; k < 4; k++) pthread_create(&t[k], NULL, empty_thread, NULL);
    for (int k = 0; k < 4; k++) pthread_join(t[k], NULL);
  }
  double thr_rate = (double)TASKS / (now() - t0);
  printf("  ipf_pool (4 workers) %.0f tasks/s, one thread per task %.0f tasks/s, ratio %.2f\n", pool_rate,
         thr_rate, pool_rate / thr_rate);
}
