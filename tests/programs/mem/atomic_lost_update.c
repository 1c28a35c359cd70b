/* Lost update with C11 atomics: each of two threads adds 1 three times as
 * `v = atomic_load(&n); atomic_store(&n, v + 1)`. Every access is atomic, so
 * there is no data race, but the pair is not one step: a switch between
 * them loses the other thread's increments. Fixed: atomic_fetch_add.
 * Expected (ipcfault cc + exec): bug, the assertion. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static _Atomic int n;

static void *adder(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
#ifdef FIXED
    atomic_fetch_add(&n, 1);
#else
    int v = atomic_load(&n);      /* BUG: load and store are two steps */
    atomic_store(&n, v + 1);
#endif
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, adder, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("n = %d\n", atomic_load(&n));
  assert(atomic_load(&n) == 6);
  return 0;
}
