/* Producer-consumer with a "full" flag under one lock: each consumer checks
 * the flag in one critical section and takes the item in the next, so two
 * consumers can both see full and both take the one item (a TOCTOU on a
 * flag; the classic broken one-slot buffer). Fixed: check and take in one
 * critical section. */
#include <assert.h>
#include <pthread.h>
#include <sched.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int full, item, taken;

static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= 2;) {
    pthread_mutex_lock(&m);
    if (!full) { item = i++; full = 1; }
    pthread_mutex_unlock(&m);
    sched_yield();
  }
  return NULL;
}

static void *consumer(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&m);
    int done = taken == 2;
#ifdef FIXED
    if (!done && full) { assert(item > 0); item = 0; full = 0; taken++; pthread_mutex_unlock(&m); continue; }
    pthread_mutex_unlock(&m);
#else
    int f = full;
    pthread_mutex_unlock(&m);
    if (!done && f) {
      pthread_mutex_lock(&m);
      assert(item > 0);          /* somebody else took it meanwhile */
      item = 0;
      full = 0;
      taken++;
      pthread_mutex_unlock(&m);
      continue;
    }
#endif
    if (done) return NULL;
    sched_yield();
  }
}

int main(void) {
  pthread_t p, c[2];
  pthread_create(&p, NULL, producer, NULL);
  for (int i = 0; i < 2; i++) pthread_create(&c[i], NULL, consumer, NULL);
  pthread_join(p, NULL);
  for (int i = 0; i < 2; i++) pthread_join(c[i], NULL);
  assert(taken == 2);
  return 0;
}
