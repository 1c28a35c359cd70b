/* A plain pthread program for tests/sh/asan.sh, built with -fsanitize=address.
 *
 * A producer hands a heap message to a consumer through a slot under a
 * mutex, then frees it once the consumer says "taken". Bug: the consumer
 * copies the pointer under the lock but reads the message after unlocking,
 * and the producer checks "taken" too early: in some interleavings it frees
 * the message while the consumer still reads it (heap-use-after-free, found
 * by ASan only when the scheduler picks that interleaving). With -DFIXED the
 * consumer reads under the lock before it says "taken".
 * Both variants leak one small allocation on purpose: a LeakSanitizer report
 * at exit is not the concurrency bug, and must not count as one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msg { char text[32]; };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct msg *slot;
static int taken;
static volatile char sink;
static void *volatile leak;

static void *consumer(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  while (!slot) pthread_cond_wait(&cv, &lock);
  struct msg *m = slot;
#ifdef FIXED
  sink = m->text[0];
  taken = 1;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&lock);
#else
  taken = 1;                       /* BUG: says "taken" before it has read */
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&lock);
  pthread_mutex_lock(&lock);       /* ... and reads after another lock round */
  pthread_mutex_unlock(&lock);
  sink = m->text[0];
#endif
  return NULL;
}

int main(void) {
  static void *kept;
  kept = malloc(8);                /* reachable: not a leak */
  leak = malloc(24);               /* the deliberate leak */
  leak = NULL;
  pthread_t t;
  pthread_create(&t, NULL, consumer, NULL);
  struct msg *m = malloc(sizeof *m);
  strcpy(m->text, "hello");
  pthread_mutex_lock(&lock);
  slot = m;
  pthread_cond_signal(&cv);
  while (!taken) pthread_cond_wait(&cv, &lock);
  pthread_mutex_unlock(&lock);
  free(m);
  pthread_join(t, NULL);
  (void)kept;
  return 0;
}
