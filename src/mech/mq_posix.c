/* POSIX message queues between processes (mq_open), for the mq/posix
 * scenarios.
 *
 * DESIGN. The queue gets a private name (pid and a counter), is created with
 * O_CREAT | O_EXCL and mode 0600, so it can be neither someone else's queue
 * nor readable by anyone else, and its name is unlinked before open returns:
 * the descriptor is all parent and children need (it survives fork), and no
 * path, not even a crash, can leave a /dev/mqueue entry behind.
 * The descriptor is non-blocking, and every send and receive first waits for
 * the queue to be ready, then makes the non-blocking call, retrying when
 * someone else got there first (EAGAIN) or EINTR. So the wait is where the
 * world decides: in a controlled run it is a scheduling point and then a wait
 * on the scheduler (a Linux mqd is pollable: the predicate polls it, in the
 * waiter's own process), so a consumer process that waits for ever on an
 * empty queue is a deadlock the scheduler sees and names; in chaos and plain
 * worlds it is poll(2) in the kernel. The calls stay async-signal-safe
 * (poll, mq_timedsend/receive, clock_gettime) outside a controlled run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcfault/mq.h"
#include "ipcfault/sched.h"
#include "../sched/internal.h"     /* ipf__world, ipf__point, ipf__block, ipf__exec_adopt */

struct ipf_pmq {
  mqd_t mq;
  long maxmsg, msgsize;
  char name[64];
};

static void release(void *obj) {
  ipf_pmq_t *q = obj;
  mq_close(q->mq);
  free(q);
}

int ipf_pmq_open(ipf_pmq_t **out, long maxmsg, long msgsize) {
  *out = NULL;
  if (maxmsg <= 0 || msgsize <= 0) return -EINVAL;
  ipf_pmq_t *q = calloc(1, sizeof *q);
  if (!q) return -ENOMEM;
  static atomic_uint seq;
  snprintf(q->name, sizeof q->name, "/ipcfault-mq-%ld-%u", (long)getpid(), atomic_fetch_add(&seq, 1));
  struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
  q->mq = mq_open(q->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK, 0600, &a);
  if (q->mq == (mqd_t)-1) {
    int e = errno;
    free(q);
    return -e;
  }
  /* The descriptor is all anyone needs from here on. */
  mq_unlink(q->name);
  /* a controlled execution abandoned in a deadlock never closes it: the
   * run closes it then (an unlinked queue still counts against queues_max) */
  ipf__exec_adopt(q, release);
  q->maxmsg = maxmsg;
  q->msgsize = msgsize;
  *out = q;
  return 0;
}

const char *ipf_pmq_name(const ipf_pmq_t *q) { return q->name; }
long ipf_pmq_msgsize(const ipf_pmq_t *q) { return q->msgsize; }

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The predicate of a controlled wait: obj encodes the mqd and the direction. */
static int ready(const void *obj) {
  intptr_t v = (intptr_t)obj;
  struct pollfd p = { .fd = (int)(v >> 1) - 1, .events = (v & 1) ? POLLOUT : POLLIN };
  return poll(&p, 1, 0) > 0;
}

static __thread char why[160];

/* A scheduling point (controlled) or a chaos delay, then wait until q is
 * ready for ev, at most until end (a CLOCK_MONOTONIC ms; < 0: no limit; in
 * a controlled run ms is virtual and counts from now). 0 or -ETIMEDOUT. */
static int wait_ready(ipf_pmq_t *q, short ev, long ms, long end, const char *op) {
  int w = ipf__world();
  if (w == IPF_WORLD_CONTROLLED) ipf__point(op, NULL);
  else if (w == IPF_WORLD_CHAOS) ipf__chaos_delay();
  struct pollfd p = { .fd = q->mq, .events = ev };
  if (poll(&p, 1, 0) > 0) return 0;
  if (w == IPF_WORLD_CONTROLLED) {
    snprintf(why, sizeof why, "%s on POSIX queue %s: the queue is %s", op, q->name,
             ev == POLLIN ? "empty" : "full");
    ipf_set_wait_reason(why);
    ipf__set_pred(ready);
    return ipf__block(IPF_WAIT_PRED, (const void *)(((intptr_t)q->mq + 1) << 1 | (ev == POLLOUT)), 0, ms);
  }
  for (;;) {
    long left = -1;
    if (end >= 0 && (left = end - now_ms()) < 0) left = 0;
    int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (r > 0) return 0;
    if (r == 0) return -ETIMEDOUT;
    if (errno != EINTR) return -errno;
  }
}

/* wait: 0 never (a full queue is -EAGAIN), 1 for ever. */
static int send_msg(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio, int wait) {
  if (len > (size_t)q->msgsize) return -EMSGSIZE;
  for (;;) {
    if (wait) {
      int rc = wait_ready(q, POLLOUT, -1, -1, "mq_send");
      if (rc < 0) return rc;
    } else if (ipf__world() == IPF_WORLD_CONTROLLED) {
      ipf__point("mq_send", NULL);
    }
    if (mq_send(q->mq, buf, len, prio) == 0) return 0;
    if (errno == EAGAIN && !wait) return -EAGAIN;
    if (errno != EAGAIN && errno != EINTR) return -errno;
  }
}

int ipf_pmq_send(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio) {
  return send_msg(q, buf, len, prio, 1);
}

int ipf_pmq_try_send(ipf_pmq_t *q, const void *buf, size_t len, unsigned prio) {
  return send_msg(q, buf, len, prio, 0);
}

long ipf_pmq_receive(ipf_pmq_t *q, void *buf, size_t cap, unsigned *prio, long ms) {
  if (cap < (size_t)q->msgsize) return -EMSGSIZE;
  long end = ms >= 0 ? now_ms() + ms : -1;
  for (;;) {
    int rc = wait_ready(q, POLLIN, ms, end, "mq_receive");
    if (rc < 0) return rc;
    ssize_t n = mq_receive(q->mq, buf, cap, prio);
    if (n >= 0) return (long)n;
    if (errno != EAGAIN && errno != EINTR) return -errno;
  }
}

int ipf_pmq_close(ipf_pmq_t *q) {
  if (!q) return 0;
  ipf__exec_disown(q);
  int rc = mq_close(q->mq) < 0 ? -errno : 0;
  free(q);
  return rc;
}

void ipf_pmq_close_child(ipf_pmq_t *q) { mq_close(q->mq); }
