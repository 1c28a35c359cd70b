/* A spin nobody ends: the worker spins on a plain flag that main only sets
 * after joining it, so the worker can never leave its loop and main never
 * leaves the join. A real livelock (the spinner burns the CPU, the other
 * thread is blocked): the report names the spinning function. Fixed: main
 * sets the flag before the join. */
#include <pthread.h>

static volatile int go;

__attribute__((noinline)) static void wait_for_go(void) {
  while (!go) {}
}

static void *worker(void *arg) {
  (void)arg;
  wait_for_go();
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
#ifdef FIXED
  go = 1;
#endif
  pthread_join(t, NULL);
  go = 1;                              /* BUG: too late, after the join */
  return 0;
}
