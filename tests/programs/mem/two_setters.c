/* Two setters and two checkers on plain ints (a classic of concurrency
 * benchmark suites): each setter writes `a = 1; b = -1;`, each checker
 * reads both and asserts they are consistent. Without a lock the accesses
 * race (and a checker can see a = 1, b = 0). Fixed: one mutex around both
 * the writes and the reads. Expected: bug, data-race on a or b. */
#include <assert.h>
#include <pthread.h>

static int a, b;
#ifdef FIXED
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&m)
#define UNLOCK() pthread_mutex_unlock(&m)
#else
#define LOCK() ((void)0)       /* BUG: no lock */
#define UNLOCK() ((void)0)
#endif

static void *setter(void *arg) {
  (void)arg;
  LOCK();
  a = 1;
  b = -1;
  UNLOCK();
  return NULL;
}

static void *checker(void *arg) {
  (void)arg;
  LOCK();
  int x = a, y = b;
  UNLOCK();
  assert((x == 0 && y == 0) || (x == 1 && y == -1));
  return NULL;
}

int main(void) {
  pthread_t t[4];
  pthread_create(&t[0], NULL, setter, NULL);
  pthread_create(&t[1], NULL, checker, NULL);
  pthread_create(&t[2], NULL, setter, NULL);
  pthread_create(&t[3], NULL, checker, NULL);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  return 0;
}
