/* POSIX message queues between processes (mq_open), for mq/posix.
 *
 * DESIGN. The queue gets a private name (pid and a counter), is created with
 * O_CREAT | O_EXCL and mode 0600, so it can be neither someone else's queue
 * nor readable by anyone else, and its name is unlinked before open returns:
 * the descriptor is all parent and child need (it survives fork), and no
 * path, not even a crash, can leave a /dev/mqueue entry behind. Every call a
 * forked child may make is a raw syscall (mq_timedsend, mq_timedreceive,
 * mq_close, clock_gettime): async-signal-safe, as the child of a
 * multithreaded parent requires. EINTR is retried with the same absolute
 * deadline; a full queue blocks send, or gives -EAGAIN to try_send.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcfault/mq.h"

struct ipf_pmq {
  mqd_t mq;
  long maxmsg, msgsize;
  char name[64];
};

int ipf_pmq_open(ipf_pmq_t **out, long maxmsg, long msgsize) {
  *out = NULL;
  if (maxmsg <= 0 || msgsize <= 0) return -EINVAL;
  ipf_pmq_t *q = calloc(1, sizeof *q);
  if (!q) return -ENOMEM;
  static atomic_uint seq;
  snprintf(q->name, sizeof q->name, "/ipcfault-mq-%ld-%u", (long)getpid(), atomic_fetch_add(&seq, 1));
  struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
  q->mq = mq_open(q->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &a);
  if (q->mq == (mqd_t)-1) {
    int e = errno;
    free(q);
    return -e;
  }
  /* The descriptor is all anyone needs from here on. */
  mq_unlink(q->name);
  q->maxmsg = maxmsg;
  q->msgsize = msgsize;
  *out = q;
  return 0;
}

const char *ipf_pmq_name(const ipf_pmq_t *q) { return q->name; }
long ipf_pmq_msgsize(const ipf_pmq_t *q) { return q->msgsize; }

static void deadline(struct timespec *ts, long ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) { ts->tv_sec++; ts->tv_nsec -= 1000000000L; }
}

static int send_until(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio, const struct timespec *ts) {
  if (len > (size_t)q->msgsize) return -EMSGSIZE;
  for (;;) {
    int rc = ts ? mq_timedsend(q->mq, buf, len, prio, ts) : mq_send(q->mq, buf, len, prio);
    if (rc == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

int ipf_pmq_send(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio) {
  return send_until(q, buf, len, prio, NULL);
}

int ipf_pmq_try_send(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio) {
  struct timespec now;
  deadline(&now, 0);      /* already past when the call looks: never waits */
  int rc = send_until(q, buf, len, prio, &now);
  return rc == -ETIMEDOUT ? -EAGAIN : rc;
}

long ipf_pmq_receive(ipf_pmq_t *q, void *buf, size_t cap, unsigned *prio, long ms) {
  if (cap < (size_t)q->msgsize) return -EMSGSIZE;
  struct timespec ts;
  if (ms >= 0) deadline(&ts, ms);
  for (;;) {
    ssize_t n = ms >= 0 ? mq_timedreceive(q->mq, buf, cap, prio, &ts) : mq_receive(q->mq, buf, cap, prio);
    if (n >= 0) return (long)n;
    if (errno != EINTR) return -errno;
  }
}

int ipf_pmq_close(ipf_pmq_t *q) {
  if (!q) return 0;
  int rc = mq_close(q->mq) < 0 ? -errno : 0;
  free(q);
  return rc;
}

void ipf_pmq_close_child(ipf_pmq_t *q) { mq_close(q->mq); }
