/* A thread pool with polling loops (as C-Thread-Pool's thpool_init and
 * thpool_destroy have): init polls until every worker is alive, destroy
 * clears keepalive and re-broadcasts the condition variable until every
 * worker has left, then tears the pool down. Correct, and every strategy
 * must say so: under PCT the polling thread has the highest priority and
 * would starve the workers it waits for, unless the schedule turns fair.
 * The bug variant skips init's wait: destroy can find no worker alive
 * before one has even started, tear the pool down, and the late worker
 * then uses the dead pool. */
#include <assert.h>
#include <pthread.h>

#define WORKERS 3
#ifdef FIXED
#define FIXED_INIT 1
#else
#define FIXED_INIT 0
#endif
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t has_jobs = PTHREAD_COND_INITIALIZER;
static int keepalive = 1, alive, jobs = 4, done, dead;

static void *worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  assert(!dead);                       /* the pool is still there */
  alive++;
  for (;;) {
    while (jobs == 0 && keepalive) pthread_cond_wait(&has_jobs, &m);
    if (jobs > 0) { jobs--; done++; continue; }
    break;
  }
  alive--;
  pthread_mutex_unlock(&m);
  return NULL;
}

static int alive_now(void) {
  pthread_mutex_lock(&m);
  int n = alive;
  pthread_mutex_unlock(&m);
  return n;
}

static void pool_init(pthread_t *t) {
  for (int i = 0; i < WORKERS; i++) pthread_create(&t[i], NULL, worker, NULL);
  if (FIXED_INIT)
    while (alive_now() != WORKERS) {}  /* poll until every worker is alive */
  /* BUG (without FIXED): no wait, a worker may not have started yet */
}

static void pool_destroy(pthread_t *t) {
  pthread_mutex_lock(&m);
  keepalive = 0;
  pthread_mutex_unlock(&m);
  for (;;) {                           /* re-broadcast until every worker has left */
    pthread_mutex_lock(&m);
    int n = alive;
    pthread_cond_broadcast(&has_jobs);
    pthread_mutex_unlock(&m);
    if (n == 0) break;
  }
  pthread_mutex_lock(&m);
  dead = 1;                            /* teardown */
  pthread_mutex_unlock(&m);
  for (int i = 0; i < WORKERS; i++) pthread_join(t[i], NULL);
}

int main(void) {
  pthread_t t[WORKERS];
  pool_init(t);
  pthread_mutex_lock(&m);
  pthread_cond_broadcast(&has_jobs);
  pthread_mutex_unlock(&m);
  pool_destroy(t);
  return 0;
}
