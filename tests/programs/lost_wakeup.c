/* Lost wakeup: the waiter tests the flag before taking the lock, then
 * waits; if the signaller sets the flag and signals in between, the signal
 * finds nobody waiting and the waiter sleeps for ever (a deadlock). Fixed:
 * test the flag under the lock, in a loop, around the wait. */
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready;

static int is_ready(void) {
  pthread_mutex_lock(&m);
  int r = ready;
  pthread_mutex_unlock(&m);
  return r;
}

static void *waiter(void *arg) {
  (void)arg;
#ifdef FIXED
  pthread_mutex_lock(&m);
  while (!ready) pthread_cond_wait(&c, &m);
  pthread_mutex_unlock(&m);
#else
  if (!is_ready()) {
    pthread_mutex_lock(&m);
    pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
  }
#endif
  return NULL;
}

static void *signaller(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  ready = 1;
  pthread_cond_signal(&c);
  pthread_mutex_unlock(&m);
  return NULL;
}

int main(void) {
  pthread_t w, s;
  pthread_create(&w, NULL, waiter, NULL);
  pthread_create(&s, NULL, signaller, NULL);
  pthread_join(w, NULL);
  pthread_join(s, NULL);
  return is_ready() ? 0 : 1;
}
