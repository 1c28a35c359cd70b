/* Token ring: N threads pass a token round a ring, all waiting on one
 * condition variable for "my turn". With pthread_cond_signal the one woken
 * may be the wrong thread, which waits again: the wakeup is lost and the
 * ring stops (a deadlock). Fixed: broadcast. The ring's threads are
 * detached and main leaves with pthread_exit; the last pass ends the
 * process with exit(0) from a ring thread. */
#include <pthread.h>
#include <stdlib.h>

#define N 3
#define ROUNDS 2
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;
static int holder, passes;

static void *node(void *arg) {
  int me = (int)(long)arg;
  for (int r = 0; r < ROUNDS; r++) {
    pthread_mutex_lock(&m);
    while (holder != me) pthread_cond_wait(&turn, &m);
    holder = (me + 1) % N;
    if (++passes == N * ROUNDS) exit(0);
#ifdef FIXED
    pthread_cond_broadcast(&turn);
#else
    pthread_cond_signal(&turn);
#endif
    pthread_mutex_unlock(&m);
  }
  return NULL;
}

int main(void) {
  for (long i = 0; i < N; i++) {
    pthread_t t;
    pthread_create(&t, NULL, node, (void *)i);
    pthread_detach(t);
  }
  pthread_exit(NULL);
}
