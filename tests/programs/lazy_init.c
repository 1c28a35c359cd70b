/* Lazy initialisation, check-then-act: the "is it created yet?" test and
 * the creation sit in different critical sections, so two threads can both
 * see "not yet" and both create the singleton (the double-checked-locking
 * family; cf. the lazy-init bugs of the JaConTeBe and Mozilla studies).
 * Fixed: test again under the lock that creates. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

struct config { int ready; };
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static struct config *instance;
static int creations;

static int exists(void) {
  pthread_mutex_lock(&init_lock);
  int e = instance != NULL;
  pthread_mutex_unlock(&init_lock);
  return e;
}

static struct config *get_config(void) {
  if (!exists()) {
    pthread_mutex_lock(&init_lock);
#ifdef FIXED
    if (!instance) {
#else
    {
#endif
      struct config *c = malloc(sizeof *c);
      c->ready = 1;
      creations++;
      free(instance);
      instance = c;
    }
    pthread_mutex_unlock(&init_lock);
  }
  return instance;
}

static void *user(void *arg) {
  (void)arg;
  struct config *c = get_config();
  (void)c;
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, user, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  assert(creations == 1);
  free(instance);
  return 0;
}
