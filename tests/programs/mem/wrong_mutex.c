/* A counter guarded by two different mutexes: each thread locks "its"
 * mutex, so the increments are not mutually exclusive (a data race, and a
 * lost update). Fixed: both use the same mutex. Expected: bug, data-race on
 * counter. */
#include <assert.h>
#include <pthread.h>

static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER;
#ifndef FIXED
static pthread_mutex_t m2 = PTHREAD_MUTEX_INITIALIZER;
#endif
static long counter;

static void *worker(void *arg) {
  pthread_mutex_t *m = arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(m);
    counter++;
    pthread_mutex_unlock(m);
  }
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  pthread_create(&t1, NULL, worker, &m1);
#ifdef FIXED
  pthread_create(&t2, NULL, worker, &m1);
#else
  pthread_create(&t2, NULL, worker, &m2);   /* BUG: the other mutex */
#endif
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  assert(counter == 6);
  return 0;
}
