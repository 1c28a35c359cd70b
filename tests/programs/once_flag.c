/* Hand-rolled one-time initialisation that publishes "initialised" before
 * the initialisation is complete: a second thread sees the flag and uses a
 * half-built configuration. Fixed: pthread_once. */
#include <assert.h>
#include <pthread.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int table_size;

static void init_table(void) {
  pthread_mutex_lock(&m);
  table_size = 64;
  pthread_mutex_unlock(&m);
}

#ifdef FIXED
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void ensure_init(void) { pthread_once(&once, init_table); }
#else
static int initialised;
static void ensure_init(void) {
  pthread_mutex_lock(&m);
  int first = !initialised;
  initialised = 1;
  pthread_mutex_unlock(&m);
  if (first) init_table();
}
#endif

static void *user(void *arg) {
  (void)arg;
  ensure_init();
  pthread_mutex_lock(&m);
  assert(table_size == 64);
  pthread_mutex_unlock(&m);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, user, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  return 0;
}
