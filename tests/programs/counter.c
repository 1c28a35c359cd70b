/* Two threads, about 50 synchronisation operations: a shared counter
 * incremented under a mutex 12 times each (fixed), or read and written in
 * two critical sections (bug: lost updates). Also the bench's program. */
#include <assert.h>
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *inc(void *arg) {
  (void)arg;
  for (int i = 0; i < 12; i++) {
#ifdef FIXED
    pthread_mutex_lock(&m);
    counter++;
    pthread_mutex_unlock(&m);
#else
    pthread_mutex_lock(&m);
    int c = counter;
    pthread_mutex_unlock(&m);
    pthread_mutex_lock(&m);
    counter = c + 1;
    pthread_mutex_unlock(&m);
#endif
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, inc, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  assert(counter == 24);
  return 0;
}
