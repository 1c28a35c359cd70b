/* A consumer that polls for shutdown with a 1-second timed wait, and a main
 * that tears the queue down without waiting for it. The bug needs the
 * timeout to fire while main still runs: the consumer's wait expires just
 * after main invalidated the queue (and before main's exit ends the
 * process), and the consumer touches the dead queue. A kit that lets timed
 * waits expire only when nothing else can run never shows it. Fixed: main
 * joins the consumer before the teardown. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define MAGIC 0x51554555
struct queue {
  int magic;
  pthread_mutex_t m;
  pthread_cond_t cv;
  int items, stop;
};
static struct queue q = { MAGIC, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
static pthread_mutex_t log_m = PTHREAD_MUTEX_INITIALIZER;
static int logged;

static void *consumer(void *arg) {
  (void)arg;
  pthread_mutex_lock(&q.m);
  while (!q.stop) {
    if (q.items) { q.items--; continue; }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    if (pthread_cond_timedwait(&q.cv, &q.m, &ts) == ETIMEDOUT)
      assert(q.magic == MAGIC);        /* housekeeping on a live queue only */
  }
  pthread_mutex_unlock(&q.m);
  return NULL;
}

static void note(void) {
  pthread_mutex_lock(&log_m);
  logged++;
  pthread_mutex_unlock(&log_m);
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, consumer, NULL);
  pthread_mutex_lock(&q.m);
  q.items = 2;
  pthread_cond_signal(&q.cv);
  pthread_mutex_unlock(&q.m);
  pthread_mutex_lock(&q.m);
  q.stop = 1;                          /* the consumer sees it at its next wake-up */
  pthread_mutex_unlock(&q.m);
#ifdef FIXED
  pthread_join(t, NULL);
#else
  pthread_detach(t);                   /* BUG: the queue dies while the consumer waits on it */
#endif
  q.magic = 0;                         /* teardown */
  note();
  note();
  note();
  return logged == 3 ? 0 : 1;
}
