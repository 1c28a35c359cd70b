/* ABBA deadlock: two threads take the same two locks in opposite orders.
 * Fixed: one global lock order (A before B). */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static int shared;

static void *forward(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock_a);
  pthread_mutex_lock(&lock_b);
  shared++;
  pthread_mutex_unlock(&lock_b);
  pthread_mutex_unlock(&lock_a);
  return NULL;
}

static void *backward(void *arg) {
  (void)arg;
#ifdef FIXED
  pthread_mutex_lock(&lock_a);
  pthread_mutex_lock(&lock_b);
#else
  pthread_mutex_lock(&lock_b);
  pthread_mutex_lock(&lock_a);
#endif
  shared++;
  pthread_mutex_unlock(&lock_a);
  pthread_mutex_unlock(&lock_b);
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  pthread_create(&t1, NULL, forward, NULL);
  pthread_create(&t2, NULL, backward, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  printf("shared %d\n", shared);
  return 0;
}
