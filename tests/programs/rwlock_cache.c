/* Read-mostly cache: a miss seen under the read lock is filled under the
 * write lock without looking again, so two threads that missed together
 * both compute and insert (a duplicate entry, and the expensive work done
 * twice). Fixed: re-check under the write lock. */
#include <assert.h>
#include <pthread.h>

static pthread_rwlock_t rw;
static int entries, computed;

static int lookup(void) {
  pthread_rwlock_rdlock(&rw);
  int hit = entries > 0;
  pthread_rwlock_unlock(&rw);
  return hit;
}

static void *client(void *arg) {
  (void)arg;
  if (!lookup()) {
    pthread_rwlock_wrlock(&rw);
#ifdef FIXED
    if (entries == 0)
#endif
    { computed++; entries++; }
    pthread_rwlock_unlock(&rw);
  }
  return NULL;
}

int main(void) {
  pthread_rwlock_init(&rw, NULL);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, client, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  assert(entries == 1 && computed == 1);
  pthread_rwlock_destroy(&rw);
  return 0;
}
