/* Atomicity violation across two locks: a transfer moves money from an
 * account guarded by lock a to one guarded by lock b, releasing a before it
 * takes b; an auditor that reads each account under its own lock can see
 * the money in neither. Fixed: the transfer holds both locks (in the order
 * a, b) while the money moves. */
#include <assert.h>
#include <pthread.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER, lock_b = PTHREAD_MUTEX_INITIALIZER;
static int acct_a = 50, acct_b = 50;

static void *transfer(void *arg) {
  (void)arg;
  for (int i = 0; i < 2; i++) {
    pthread_mutex_lock(&lock_a);
    acct_a -= 10;
#ifndef FIXED
    pthread_mutex_unlock(&lock_a);
#endif
    pthread_mutex_lock(&lock_b);
    acct_b += 10;
    pthread_mutex_unlock(&lock_b);
#ifdef FIXED
    pthread_mutex_unlock(&lock_a);
#endif
  }
  return NULL;
}

static void *audit(void *arg) {
  (void)arg;
  for (int i = 0; i < 2; i++) {
    pthread_mutex_lock(&lock_a);
    pthread_mutex_lock(&lock_b);
    assert(acct_a + acct_b == 100);
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
  }
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  pthread_create(&t1, NULL, transfer, NULL);
  pthread_create(&t2, NULL, audit, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  assert(acct_a + acct_b == 100);
  return 0;
}
