/* N threads (argv[1], default 100; run with 1000 too), each adding to a
 * counter under a mutex. The bug variant joins only the first half of them
 * before checking the total. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *add(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  counter++;
  pthread_mutex_unlock(&m);
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  if (n < 1) return 2;
  pthread_t *t = malloc((size_t)n * sizeof *t);
  if (!t) return 2;
  for (int i = 0; i < n; i++) assert(pthread_create(&t[i], NULL, add, NULL) == 0);
#ifdef FIXED
  for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
#else
  for (int i = 0; i < n / 2; i++) pthread_join(t[i], NULL);   /* BUG: the second half is not joined */
#endif
  pthread_mutex_lock(&m);
  int c = counter;
  pthread_mutex_unlock(&m);
  assert(c == n);
  free(t);
  return 0;
}
