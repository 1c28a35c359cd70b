/* Dining philosophers: each takes the left fork, then the right; when all
 * hold their left fork, nobody gets a right one (a cycle of waits). Fixed:
 * the last philosopher takes the forks in the other order (a global lock
 * order). The forks are initialised with pthread_mutex_init. */
#include <pthread.h>

#define N 3
static pthread_mutex_t fork_[N];
static int meals;
static pthread_mutex_t meals_lock = PTHREAD_MUTEX_INITIALIZER;

static void *philosopher(void *arg) {
  int i = (int)(long)arg;
  int first = i, second = (i + 1) % N;
#ifdef FIXED
  if (second < first) { first = second; second = i; }
#endif
  pthread_mutex_lock(&fork_[first]);
  pthread_mutex_lock(&fork_[second]);
  pthread_mutex_lock(&meals_lock);
  meals++;
  pthread_mutex_unlock(&meals_lock);
  pthread_mutex_unlock(&fork_[second]);
  pthread_mutex_unlock(&fork_[first]);
  return NULL;
}

int main(void) {
  pthread_t t[N];
  for (int i = 0; i < N; i++) pthread_mutex_init(&fork_[i], NULL);
  for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, philosopher, (void *)i);
  for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < N; i++) pthread_mutex_destroy(&fork_[i]);
  return meals == N ? 0 : 1;
}
