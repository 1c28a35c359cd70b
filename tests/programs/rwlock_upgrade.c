/* Read-then-write under a rwlock: a hit counter is read under the read
 * lock and written under the write lock taken afterwards (a lock
 * "upgrade" done by unlocking), so two increments can read the same value
 * and one is lost. Fixed: read and write under the write lock. */
#include <assert.h>
#include <pthread.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int hits;

static void *visitor(void *arg) {
  (void)arg;
  for (int i = 0; i < 2; i++) {
#ifdef FIXED
    pthread_rwlock_wrlock(&rw);
    hits++;
    pthread_rwlock_unlock(&rw);
#else
    pthread_rwlock_rdlock(&rw);
    int h = hits;
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_wrlock(&rw);
    hits = h + 1;
    pthread_rwlock_unlock(&rw);
#endif
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, visitor, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  pthread_rwlock_rdlock(&rw);
  assert(hits == 4);
  pthread_rwlock_unlock(&rw);
  return 0;
}
