/* Spinlocks and spin-waits built from C11 atomics, with and without
 * sched_yield. Fixed: a test-and-set lock (atomic_exchange acquire, store
 * release) guards a counter; phase 1 spins with no call in the loop, phase
 * 2 yields in it; main then waits for the workers with a bare acquire spin
 * on a done count. All correct: clean, and no spin is a hang. Bug: the lock
 * is taken with a check and a separate store (`while (lock) ; lock = 1`),
 * so two threads can both enter: their plain increments of the counter
 * race. Expected: bug, data-race on counter; fixed twin clean. */
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static atomic_int lock, done;
static int counter;

static void acquire(int yield) {
#ifdef FIXED
  while (atomic_exchange_explicit(&lock, 1, memory_order_acquire))
    if (yield) sched_yield();
#else
  while (atomic_load_explicit(&lock, memory_order_acquire))   /* BUG: check ... */
    if (yield) sched_yield();
  atomic_store_explicit(&lock, 1, memory_order_relaxed);      /* ... then set */
#endif
}
static void release(void) { atomic_store_explicit(&lock, 0, memory_order_release); }

static void *worker(void *arg) {
  (void)arg;
  for (int phase = 0; phase < 2; phase++)
    for (int i = 0; i < 2; i++) {
      acquire(phase);
      counter++;
      release();
    }
  atomic_fetch_add_explicit(&done, 1, memory_order_release);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, NULL);
  while (atomic_load_explicit(&done, memory_order_acquire) != 2) {}   /* bare spin */
  assert(counter == 8);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  return 0;
}
