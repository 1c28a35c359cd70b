/* A condition variable used without a predicate: if the worker signals
 * "started" before main waits, the signal is lost and main waits for
 * ever. Main returns while the worker may still run (a daemon thread that
 * sleeps in a loop); the process ends with main. Fixed: wait for a flag. */
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int started;

static void *daemon_thread(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  started = 1;
  pthread_cond_signal(&c);
  pthread_mutex_unlock(&m);
  for (;;) usleep(1000);      /* housekeeping until the process ends */
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, daemon_thread, NULL);
  pthread_mutex_lock(&m);
#ifdef FIXED
  while (!started) pthread_cond_wait(&c, &m);
#else
  pthread_cond_wait(&c, &m);
#endif
  pthread_mutex_unlock(&m);
  return 0;
}
