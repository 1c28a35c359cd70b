/* Reference counting with the decrement and the "was it the last?" test in
 * separate critical sections: both owners can see zero and both free the
 * object (a double free; the pattern of many CVEs). Fixed: decrement and
 * test as one step. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

struct obj { int refs; int freed; };
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static struct obj the_obj = { 2, 0 };

static void release(struct obj *o) {
  int last;
#ifdef FIXED
  pthread_mutex_lock(&m);
  last = --o->refs == 0;
  pthread_mutex_unlock(&m);
#else
  pthread_mutex_lock(&m);
  o->refs--;
  pthread_mutex_unlock(&m);
  pthread_mutex_lock(&m);
  last = o->refs == 0;
  pthread_mutex_unlock(&m);
#endif
  if (last) {
    pthread_mutex_lock(&m);
    assert(!o->freed);          /* freed twice */
    o->freed = 1;
    pthread_mutex_unlock(&m);
  }
}

static void *owner(void *arg) {
  release(arg);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, owner, &the_obj);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  assert(the_obj.freed);
  return 0;
}
