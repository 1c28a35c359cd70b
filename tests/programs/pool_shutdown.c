/* Thread-pool shutdown: the owner sets the stop flag without the queue's
 * lock and signals before a worker is waiting; the worker, between its
 * test of the flag and its wait, misses both, and the join never returns
 * (a lost shutdown wakeup). Fixed: set the flag under the lock and
 * broadcast. */
#include <pthread.h>

#define WORKERS 2
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static volatile int stop;
static int tasks = 2, done;

static void *worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  for (;;) {
    while (tasks == 0 && !stop) pthread_cond_wait(&work, &m);
    if (tasks > 0) { tasks--; done++; continue; }
    if (stop) break;
  }
  pthread_mutex_unlock(&m);
  return NULL;
}

int main(void) {
  pthread_t t[WORKERS];
  for (int i = 0; i < WORKERS; i++) pthread_create(&t[i], NULL, worker, NULL);
#ifdef FIXED
  pthread_mutex_lock(&m);
  stop = 1;
  pthread_cond_broadcast(&work);
  pthread_mutex_unlock(&m);
#else
  stop = 1;
  pthread_cond_signal(&work);
#endif
  for (int i = 0; i < WORKERS; i++) pthread_join(t[i], NULL);
  return done == 2 ? 0 : 1;
}
