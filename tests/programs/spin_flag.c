/* Correct spin-waits with no call in the loop, each in a function of its
 * own: one on a plain volatile flag, one on a C11 atomic flag. Built with
 * plain gcc, run unrebuilt: the kit sees no scheduling point inside either
 * loop, so only the stall watchdog can let the partner run. The bug
 * variant publishes the flag before the data it announces (the reader,
 * released early, reads the data under the lock and finds it unset). */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

static volatile int ping;              /* plain flag: main -> partner */
static atomic_int pong;                /* atomic flag: partner -> main */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int data;

__attribute__((noinline)) static void wait_plain(volatile int *f) {
  while (!*f) {}
}
__attribute__((noinline)) static void wait_atomic(atomic_int *f) {
  while (!atomic_load_explicit(f, memory_order_acquire)) {}
}

static void *partner(void *arg) {
  (void)arg;
  wait_plain(&ping);
  pthread_mutex_lock(&m);
  int d = data;
  pthread_mutex_unlock(&m);
  assert(d == 42);
  atomic_store_explicit(&pong, 1, memory_order_release);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, partner, NULL);
#ifdef FIXED
  pthread_mutex_lock(&m);
  data = 42;
  pthread_mutex_unlock(&m);
  ping = 1;
#else
  ping = 1;                            /* BUG: announced before the data is there */
  pthread_mutex_lock(&m);
  data = 42;
  pthread_mutex_unlock(&m);
#endif
  wait_atomic(&pong);
  pthread_join(t, NULL);
  return 0;
}
