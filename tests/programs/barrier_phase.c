/* Phases without a barrier: each worker publishes its phase-1 result and
 * then reads its neighbour's, assuming the neighbour is done (an order
 * violation). Fixed: pthread_barrier_wait between the phases. */
#include <assert.h>
#include <pthread.h>

#define N 3
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t phase;
static int result[N];

static void *worker(void *arg) {
  int i = (int)(long)arg;
  pthread_mutex_lock(&m);
  result[i] = i + 1;
  pthread_mutex_unlock(&m);
#ifdef FIXED
  pthread_barrier_wait(&phase);
#endif
  pthread_mutex_lock(&m);
  assert(result[(i + 1) % N] != 0);
  pthread_mutex_unlock(&m);
  return NULL;
}

int main(void) {
  pthread_t t[N];
  pthread_barrier_init(&phase, NULL, N);
  for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&phase);
  return 0;
}
