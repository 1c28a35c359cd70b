/* A hand-made barrier reused across rounds without a generation count:
 * the last arrival resets the counter and broadcasts, but a fast thread
 * re-enters for the next round and bumps the counter before a slow one
 * has re-tested it; the slow one waits again, for ever (a deadlock).
 * Fixed: wait for the generation to change. */
#include <pthread.h>

#define N 2
#define ROUNDS 2
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_here = PTHREAD_COND_INITIALIZER;
static int arrived;
static unsigned generation;

static void barrier(void) {
  pthread_mutex_lock(&m);
  unsigned gen = generation;
  if (++arrived == N) {
    arrived = 0;
    generation++;
    pthread_cond_broadcast(&all_here);
  } else {
#ifdef FIXED
    while (generation == gen) pthread_cond_wait(&all_here, &m);
#else
    (void)gen;
    do pthread_cond_wait(&all_here, &m); while (arrived != 0);
#endif
  }
  pthread_mutex_unlock(&m);
}

static void *runner(void *arg) {
  (void)arg;
  for (int r = 0; r < ROUNDS; r++) barrier();
  return NULL;
}

int main(void) {
  pthread_t t[N];
  for (int i = 0; i < N; i++) pthread_create(&t[i], NULL, runner, NULL);
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  return 0;
}
