/* Detached workers, thread-local counters, exit() from a thread, main
 * leaving with pthread_exit: the last worker to finish checks the total
 * and ends the process. The bug: a worker announces "done" before adding
 * its count, so the last one can check a total that is still missing
 * another worker's share (an order violation). Fixed: add, then announce. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#define N 3
#define K 2
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int done, total;
static __thread int local;

static void add_total(void) {
  pthread_mutex_lock(&m);
  total += local;
  pthread_mutex_unlock(&m);
}

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < K; i++) local++;
#ifdef FIXED
  add_total();
#endif
  pthread_mutex_lock(&m);
  int last = ++done == N;
  pthread_mutex_unlock(&m);
#ifndef FIXED
  add_total();
#endif
  if (last) {
    pthread_mutex_lock(&m);
    assert(total == N * K);
    pthread_mutex_unlock(&m);
    exit(0);
  }
  return NULL;
}

int main(void) {
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  for (int i = 0; i < N; i++) {
    pthread_t t;
    pthread_create(&t, &a, worker, NULL);
  }
  pthread_attr_destroy(&a);
  pthread_exit(NULL);
}
