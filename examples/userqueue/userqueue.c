/* An outside project testing its own code with an installed ipcfault.
 *
 * A tiny bounded queue of ints with a planted bug: the element count is
 * updated outside the lock (read, then write back count + 1), so two
 * producers can lose an update. The fixed twin updates it under the lock.
 * Linked with ipcfault_main, this program is an ipcfault command line over
 * these two scenarios:  ./userqueue explore userqueue/racy-count
 */
#include <ipcfault/run.h>
#include <ipcfault/sched.h>

#define CAP 8

struct uq {
  ipf_mutex_t lock;
  int ring[CAP];
  int head, tail;
  int count;
  int racy;                 /* the planted bug, switched per scenario */
};

static void uq_put(struct uq *q, int v) {
  ipf_mutex_lock(&q->lock);
  q->ring[q->tail] = v;
  q->tail = (q->tail + 1) % CAP;
  if (!q->racy) q->count++;
  ipf_mutex_unlock(&q->lock);
  if (q->racy) {
    int c = ipf_load(&q->count);     /* BUG: read-modify-write outside the lock */
    ipf_store(&q->count, c + 1);
  }
}

static struct uq q;

static void producer(void *arg) {
  int base = *(int *)arg;
  for (int i = 0; i < 2; i++) uq_put(&q, base + i);
}

static void run(int racy) {
  ipf_mutex_init(&q.lock, "uq.lock");
  q.head = q.tail = q.count = 0;
  q.racy = racy;
  static int b1 = 100, b2 = 200;
  ipf_thread_t a, b;
  ipf_thread_create(&a, "producer-1", producer, &b1);
  ipf_thread_create(&b, "producer-2", producer, &b2);
  ipf_thread_join(&a);
  ipf_thread_join(&b);
  ipf_check(q.count == 4, "lost-update", "count is %d after 4 puts", q.count);
}

IPF_SCENARIO(uq_racy, "userqueue/racy-count", IPF_EXPECT_BUG, "count updated outside the lock") { run(1); }
IPF_SCENARIO(uq_fixed, "userqueue/fixed", IPF_EXPECT_OK, "count updated under the lock") { run(0); }
