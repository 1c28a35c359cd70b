/* Bounded buffer with condition variables, waiting with `if` instead of
 * `while`: a consumer woken by a put can find the buffer already emptied by
 * another consumer that got the lock first, and takes from an empty buffer
 * (the textbook Mesa-semantics bug). Fixed: re-test the predicate in a loop. */
#include <assert.h>
#include <pthread.h>

#define CAP 2
#define ITEMS 4
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int buf[CAP], head, count;

static void put(int v) {
  pthread_mutex_lock(&m);
  while (count == CAP) pthread_cond_wait(&not_full, &m);
  buf[(head + count) % CAP] = v;
  count++;
  pthread_cond_signal(&not_empty);
  pthread_mutex_unlock(&m);
}

static int get(void) {
  pthread_mutex_lock(&m);
#ifdef FIXED
  while (count == 0) pthread_cond_wait(&not_empty, &m);
#else
  if (count == 0) pthread_cond_wait(&not_empty, &m);
#endif
  assert(count > 0);
  int v = buf[head];
  head = (head + 1) % CAP;
  count--;
  pthread_cond_signal(&not_full);
  pthread_mutex_unlock(&m);
  return v;
}

static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= ITEMS; i++) put(i);
  return NULL;
}
static void *consumer(void *arg) {
  (void)arg;
  for (int i = 0; i < ITEMS / 2; i++) assert(get() > 0);
  return NULL;
}

int main(void) {
  pthread_t p, c[2];
  for (int i = 0; i < 2; i++) pthread_create(&c[i], NULL, consumer, NULL);
  pthread_create(&p, NULL, producer, NULL);
  pthread_join(p, NULL);
  for (int i = 0; i < 2; i++) pthread_join(c[i], NULL);
  return 0;
}
