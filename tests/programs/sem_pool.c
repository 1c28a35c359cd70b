/* A pool of two connections guarded by a counting semaphore initialised to
 * the wrong count (3): a third client gets in while two connections are in
 * use (the "off by one" resource bound). Fixed: sem_init with the pool's
 * size. */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>

#define POOL 2
static sem_t slots;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int in_use;

static void *client(void *arg) {
  (void)arg;
  sem_wait(&slots);
  pthread_mutex_lock(&m);
  in_use++;
  assert(in_use <= POOL);
  pthread_mutex_unlock(&m);
  pthread_mutex_lock(&m);
  in_use--;
  pthread_mutex_unlock(&m);
  sem_post(&slots);
  return NULL;
}

int main(void) {
#ifdef FIXED
  sem_init(&slots, 0, POOL);
#else
  sem_init(&slots, 0, POOL + 1);
#endif
  pthread_t t[3];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, client, NULL);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  sem_destroy(&slots);
  return 0;
}
