/* Message passing with a relaxed flag: the producer writes a payload, then
 * sets `ready`; the consumer spins on `ready` (no call in the loop) and
 * reads the payload. With memory_order_relaxed nothing orders the payload
 * accesses: a data race on `payload` (the consumer may read a stale value
 * on a weakly ordered machine). Fixed: release store, acquire load.
 * Expected: bug, data-race on payload; the fixed spin is not a hang. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

#ifdef FIXED
#define STORE_ORDER memory_order_release
#define LOAD_ORDER memory_order_acquire
#else
#define STORE_ORDER memory_order_relaxed   /* BUG: no release */
#define LOAD_ORDER memory_order_relaxed    /* BUG: no acquire */
#endif

static _Atomic int ready;
static int payload[4];

static void *producer(void *arg) {
  (void)arg;
  for (int i = 0; i < 4; i++) payload[i] = 10 + i;
  atomic_store_explicit(&ready, 1, STORE_ORDER);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, producer, NULL);
  while (!atomic_load_explicit(&ready, LOAD_ORDER)) {}
  int sum = 0;
  for (int i = 0; i < 4; i++) sum += payload[i];
  assert(sum == 46);
  pthread_join(t, NULL);
  return 0;
}
