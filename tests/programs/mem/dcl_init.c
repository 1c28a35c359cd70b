/* Double-checked locking on a plain pointer: the first check reads
 * `instance` without the lock, racing with the initialising thread's write
 * of it (and of the object's fields, which a reader may see half done).
 * Fixed: the pointer is an atomic, published with release and checked with
 * acquire. Expected: bug, data-race. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct config { int a, b; };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
#ifdef FIXED
static _Atomic(struct config *) instance;
#define LOAD() atomic_load_explicit(&instance, memory_order_acquire)
#define PUBLISH(p) atomic_store_explicit(&instance, (p), memory_order_release)
#define LOAD_LOCKED() atomic_load_explicit(&instance, memory_order_relaxed)
#else
static struct config *instance;
#define LOAD() instance           /* BUG: unsynchronised first check */
#define PUBLISH(p) (instance = (p))
#define LOAD_LOCKED() instance
#endif

static struct config *get(void) {
  struct config *c = LOAD();
  if (!c) {
    pthread_mutex_lock(&lock);
    c = LOAD_LOCKED();
    if (!c) {
      c = malloc(sizeof *c);
      c->a = 1;
      c->b = 2;
      PUBLISH(c);
    }
    pthread_mutex_unlock(&lock);
  }
  return c;
}

static void *user(void *arg) {
  (void)arg;
  struct config *c = get();
  assert(c->a + c->b == 3);
  return NULL;
}

int main(void) {
  pthread_t t[3];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, user, NULL);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  free(LOAD_LOCKED());
  return 0;
}
