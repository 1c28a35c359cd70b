/* Work stealing: the owner pops from the bottom of its deque, a thief
 * steals from the top, each end guarded by its own lock. Each side reads
 * the other end's index under the other end's lock (a consistent snapshot)
 * and then claims under its own: when one task is left both can claim it,
 * and it runs twice (the race the Chase-Lev / THE protocols resolve on the
 * last element). Fixed: one lock, check and claim in one critical section.
 * Per-thread counts live in thread-local storage. */
#include <assert.h>
#include <pthread.h>

#define TASKS 3
static pthread_mutex_t top_lock = PTHREAD_MUTEX_INITIALIZER;
#ifndef FIXED
static pthread_mutex_t bottom_lock = PTHREAD_MUTEX_INITIALIZER;
#endif
static int top, bottom = TASKS;
static int runs[TASKS];
static pthread_mutex_t runs_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int mine;

static void run(int task) {
  pthread_mutex_lock(&runs_lock);
  runs[task]++;
  pthread_mutex_unlock(&runs_lock);
  mine++;
}

#ifdef FIXED
static int take(int from_bottom) {
  pthread_mutex_lock(&top_lock);
  int t = -1;
  if (top < bottom) t = from_bottom ? --bottom : top++;
  pthread_mutex_unlock(&top_lock);
  return t;
}
static int pop(void) { return take(1); }
static int steal(void) { return take(0); }
#else
static int pop(void) {
  pthread_mutex_lock(&top_lock);
  int tp = top;
  pthread_mutex_unlock(&top_lock);
  pthread_mutex_lock(&bottom_lock);
  int t = -1;
  if (tp < bottom) t = --bottom;
  pthread_mutex_unlock(&bottom_lock);
  return t;
}

static int steal(void) {
  pthread_mutex_lock(&bottom_lock);
  int b = bottom;
  pthread_mutex_unlock(&bottom_lock);
  pthread_mutex_lock(&top_lock);
  int t = -1;
  if (top < b) t = top++;
  pthread_mutex_unlock(&top_lock);
  return t;
}
#endif

static void *owner(void *arg) {
  (void)arg;
  int t;
  while ((t = pop()) >= 0) run(t);
  return (void *)(long)mine;
}
static void *thief(void *arg) {
  (void)arg;
  int t;
  while ((t = steal()) >= 0) run(t);
  return (void *)(long)mine;
}

int main(void) {
  pthread_t a, b;
  void *ra, *rb;
  pthread_create(&a, NULL, owner, NULL);
  pthread_create(&b, NULL, thief, NULL);
  pthread_join(a, &ra);
  pthread_join(b, &rb);
  for (int i = 0; i < TASKS; i++) assert(runs[i] == 1);
  assert((long)ra + (long)rb == TASKS);
  return 0;
}
