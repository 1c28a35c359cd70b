/* The mq family: message_queue.py's workload, its sentinel and termination
 * bugs, a bounded many-to-many queue, and a POSIX queue between processes.
 *
 * DESIGN. The workload of message_queue.py: one producer puts four messages,
 * one (virtual) second apart, then a None-style sentinel (a NULL item); the
 * consumer gets until the sentinel and calls task_done for every item,
 * sentinel included; main joins the producer, then the queue, then the
 * consumers. Processing message 3 fails ("malformed"), so every scenario also
 * shows whether a failure is reported and still answered by task_done.
 *
 * Reference consumers end on a sentinel or on IPF_ECLOSED; a producer that
 * cannot put its sentinel closes the queue instead, so an injected put error
 * cannot strand a consumer. Get errors are retried three times, then the
 * consumer aborts the queue (nobody is left blocked behind it) and reports it.
 * Every reported error goes through ipf_clean_error, and the oracles then
 * accept a message as "not delivered, but its loss reported".
 *
 * Oracles, after every thread is joined: each message delivered exactly
 * once, in order per producer as each consumer saw them, never a sentinel as
 * data, every processing failure counted, every put error reported. Deadlocks
 * and hangs are the scheduler's oracles; the queue's wait reasons explain them.
 *
 * The mq/posix scenarios are the same over a POSIX queue (mq_open) between
 * processes (ipf_fork: managed children, whose queue waits are the
 * scheduler's): a sender child and the parent as receiver, and the parent
 * as producer for two consumer processes, a sentinel each, or one for both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/mq.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"
#include "stream.h"

#define NMSG 4            /* message_queue.py's four messages */
#define BAD_MSG 3         /* processing this one fails */
#define MAXP 2
#define MAXC 2
#define LOGN 16

struct msg { int producer, seq; };

static ipf_queue_t *q;
static struct msg msgs[MAXP][NMSG];
static int put_failed[MAXP][NMSG];      /* written by its producer only */
static struct clog {                    /* written by its consumer only */
  int n;
  const struct msg *got[LOGN];
  int failures;                         /* processing failures it counted */
  int errors;                           /* get errors it reported */
} clog[MAXC];
static int nprod, ncons;
static const char *const cname1[] = { "consumer" };
static const char *const cname2[] = { "consumer-1", "consumer-2" };
static const char *const pname2[] = { "producer-1", "producer-2" };

static void reset(int np, int nc) {
  nprod = np;
  ncons = nc;
  memset(put_failed, 0, sizeof put_failed);
  memset(clog, 0, sizeof clog);
  for (int p = 0; p < MAXP; p++)
    for (int s = 0; s < NMSG; s++) msgs[p][s] = (struct msg){ p, s + 1 };
}

/* Processing: message 3 is malformed and fails. */
static int process(const struct msg *m) { return m->seq == BAD_MSG ? -EBADMSG : 0; }

static int is_msg(const void *it) {
  const struct msg *m = it;
  return m >= &msgs[0][0] && m < &msgs[0][0] + MAXP * NMSG;
}

/* A message the consumer took: log it, process it. Returns process's rc. */
static int take(struct clog *c, const struct msg *m) {
  if (c->n < LOGN) c->got[c->n] = m;
  c->n++;
  int rc = process(m);
  if (rc < 0) {
    c->failures++;
    ipf_note("message %d of producer %d failed: %s (reported)", m->seq, m->producer, strerror(-rc));
  } else {
    ipf_note("processed message %d of producer %d", m->seq, m->producer);
  }
  return rc;
}

/* A get error: retried; the third in a row gives up. Returns 1 to stop. */
static int get_error(struct clog *c, int rc, int *row) {
  c->errors++;
  if (++*row < 3) return 0;
  long dropped = ipf_queue_abort(q);
  ipf_clean_error("%s gave up after %d failed gets (%s); %ld queued items dropped", ipf_thread_name(), *row,
                  ipf_strerror(rc), dropped);
  return 1;
}

/* ---- the sentinel family: message_queue.py ---------------------------------------- */

static void producer(void *arg) {
  int p = (int)(long)arg;
  for (int s = 0; s < NMSG; s++) {
    int rc = ipf_queue_put(q, &msgs[p][s]);
    if (rc < 0) {
      put_failed[p][s] = 1;
      ipf_clean_error("producer could not put message %d: %s", s + 1, ipf_strerror(rc));
    }
    ipf_sleep(1000);        /* message_queue.py: time.sleep(1) between messages */
  }
  int sentinels = ncons;    /* one per consumer: each stops at its own */
  if (IPF_BUG(IPF_BUG_MQ_ONE_SENTINEL))
    sentinels = 1;          /* BUG: message_queue.py's single `message_queue.put(None)`, now with N consumers */
  for (int i = 0; i < sentinels; i++) {
    int rc = ipf_queue_put(q, NULL);
    if (rc < 0) {
      /* No sentinel, no end: close instead, so nobody waits for it. */
      ipf_clean_error("producer could not put its sentinel (%s): closed the queue instead", ipf_strerror(rc));
      ipf_queue_close(q);
      break;
    }
  }
}

static void consumer(void *arg) {
  struct clog *c = &clog[(long)arg];
  int row = 0;
  for (;;) {
    void *it;
    int rc = ipf_queue_get(q, &it);
    if (rc == IPF_ECLOSED) break;
    if (rc < 0) { if (get_error(c, rc, &row)) break; continue; }
    row = 0;
    if (it == NULL) {       /* the sentinel: answered like any item, then stop */
      ipf_queue_task_done(q);
      break;
    }
    rc = take(c, it);
    if (rc < 0 && IPF_BUG(IPF_BUG_MQ_TASK_DONE_SKIPPED))
      continue;             /* BUG: processing failed and task_done is skipped; message_queue.py calls it
                             * before processing, and a version that moves it after, outside a finally, does this */
    ipf_queue_task_done(q);
  }
}

/* ---- oracles ---------------------------------------------------------------------------- */

static void check_delivery(void) {
  int seen[MAXP][NMSG] = { { 0 } };
  int failures = 0;
  for (int ci = 0; ci < ncons; ci++) {
    const struct clog *c = &clog[ci];
    int last[MAXP] = { 0 };
    failures += c->failures;
    for (int k = 0; k < c->n && k < LOGN; k++) {
      const struct msg *m = c->got[k];
      if (!is_msg(m)) {
        ipf_fail("sentinel-as-data", "consumer %d took something that is not a message as data", ci + 1);
        return;
      }
      seen[m->producer][m->seq - 1]++;
      if (m->seq <= last[m->producer]) {
        ipf_fail("order", "consumer %d got message %d of producer %d after message %d", ci + 1, m->seq,
                 m->producer + 1, last[m->producer]);
        return;
      }
      last[m->producer] = m->seq;
    }
  }
  const char *reported = ipf_clean_error_text();
  int bad_delivered = 0;
  for (int p = 0; p < nprod; p++) {
    for (int s = 0; s < NMSG; s++) {
      if (seen[p][s] > 1) {
        ipf_fail("duplicate", "message %d of producer %d delivered %d times", s + 1, p + 1, seen[p][s]);
        return;
      }
      if (seen[p][s] == 0 && !put_failed[p][s] && !reported) {
        ipf_fail("lost", "message %d of producer %d was put but never delivered, and no error said so", s + 1, p + 1);
        return;
      }
      if (seen[p][s] && s + 1 == BAD_MSG) bad_delivered++;
    }
  }
  if (failures != bad_delivered)
    ipf_fail("unreported", "%d processing failures counted, %d expected (message %d is malformed)", failures,
             bad_delivered, BAD_MSG);
}

static void sentinel_run(int nc) {
  reset(1, nc);
  int rc = ipf_queue_create(&q, 0, "mq");
  if (rc < 0) { ipf_fail("setup", "ipf_queue_create: %s", ipf_strerror(rc)); return; }
  const char *const *names = nc == 1 ? cname1 : cname2;
  ipf_thread_t c[MAXC], p;
  /* message_queue.py starts the consumer first, then the producer */
  for (int i = 0; i < nc; i++) ipf_thread_create(&c[i], names[i], consumer, (void *)(long)i);
  ipf_thread_create(&p, "producer", producer, (void *)0L);
  ipf_thread_join(&p);
  ipf_queue_join(q);
  for (int i = 0; i < nc; i++) ipf_thread_join(&c[i]);
  check_delivery();
  ipf_queue_destroy(q);
  q = NULL;
}

static void body_sentinel(void) { sentinel_run(1); }
static void body_two_consumers(void) { sentinel_run(2); }

/* ---- mq/empty-then-get: the upstream drain loop ----------------------------------------- */

static void drainer(void *arg) {
  struct clog *c = &clog[(long)arg];
  void *it;
  if (IPF_BUG(IPF_BUG_MQ_EMPTY_THEN_GET)) {
    /* BUG: upstream message_queue.py's `while not q.empty(): q.get()`: the
     * check and the get are two steps; another consumer can take the last
     * item in between, and this get then blocks for ever. */
    while (!ipf_queue_empty(q)) {
      if (ipf_queue_get(q, &it) < 0) break;
      take(c, it);
      ipf_queue_task_done(q);
    }
    return;
  }
  /* The check and the take are one step. */
  int rc, row = 0;
  while ((rc = ipf_queue_try_get(q, &it)) != -EAGAIN && rc != IPF_ECLOSED) {
    if (rc < 0) { if (get_error(c, rc, &row)) break; continue; }
    row = 0;
    take(c, it);
    ipf_queue_task_done(q);
  }
}

static void body_empty_then_get(void) {
  reset(1, 2);
  int rc = ipf_queue_create(&q, 0, "mq");
  if (rc < 0) { ipf_fail("setup", "ipf_queue_create: %s", ipf_strerror(rc)); return; }
  for (int s = 0; s < NMSG; s++) {
    rc = ipf_queue_put(q, &msgs[0][s]);
    if (rc < 0) {
      put_failed[0][s] = 1;
      ipf_clean_error("could not put message %d: %s", s + 1, ipf_strerror(rc));
    }
  }
  ipf_thread_t c[2];
  for (int i = 0; i < 2; i++) ipf_thread_create(&c[i], cname2[i], drainer, (void *)(long)i);
  for (int i = 0; i < 2; i++) ipf_thread_join(&c[i]);
  ipf_queue_join(q);
  check_delivery();
  ipf_queue_destroy(q);
  q = NULL;
}

/* ---- mq/bounded: several producers and consumers, backpressure, close ------------------ */

#define BOUND 2

static void bounded_producer(void *arg) {
  int p = (int)(long)arg;
  for (int s = 0; s < NMSG; s++) {
    int rc = ipf_queue_put(q, &msgs[p][s]);
    if (rc < 0) {
      put_failed[p][s] = 1;
      ipf_clean_error("%s could not put message %d: %s", ipf_thread_name(), s + 1, ipf_strerror(rc));
      if (rc == IPF_ECLOSED) {
        for (int r = s + 1; r < NMSG; r++) put_failed[p][r] = 1;
        return;
      }
    }
    size_t n = ipf_queue_size(q);
    ipf_check(n <= BOUND, "backpressure", "the queue holds %zu items, bound %d", n, BOUND);
  }
}

static void bounded_consumer(void *arg) {
  struct clog *c = &clog[(long)arg];
  int row = 0;
  for (;;) {
    void *it;
    int rc = ipf_queue_get(q, &it);
    if (rc == IPF_ECLOSED) break;       /* closed and drained: no sentinel needed */
    if (rc < 0) { if (get_error(c, rc, &row)) break; continue; }
    row = 0;
    if (!is_msg(it)) { ipf_fail("sentinel-as-data", "%s got a non-message", ipf_thread_name()); }
    else take(c, it);
    ipf_queue_task_done(q);
  }
}

static void body_bounded(void) {
  reset(2, 2);
  int rc = ipf_queue_create(&q, BOUND, "mq");
  if (rc < 0) { ipf_fail("setup", "ipf_queue_create: %s", ipf_strerror(rc)); return; }
  ipf_thread_t c[2], p[2];
  for (int i = 0; i < 2; i++) ipf_thread_create(&c[i], cname2[i], bounded_consumer, (void *)(long)i);
  for (int i = 0; i < 2; i++) ipf_thread_create(&p[i], pname2[i], bounded_producer, (void *)(long)i);
  for (int i = 0; i < 2; i++) ipf_thread_join(&p[i]);
  ipf_queue_join(q);
  ipf_queue_close(q);       /* wakes both consumers, blocked in get */
  static struct msg late = { 0, 99 };
  rc = ipf_queue_put(q, &late);
  /* IPF_ECLOSED, or an error injected before the queue looked */
  ipf_check(rc < 0, "closed", "put after close was accepted");
  if (rc == 0) { void *it; ipf_queue_try_get(q, &it); }
  for (int i = 0; i < 2; i++) ipf_thread_join(&c[i]);
  check_delivery();
  ipf_queue_destroy(q);
  q = NULL;
}

/* ---- mq/posix: mq_open between processes --------------------------------------------------- */

#define PMQ_MSGSIZE 64

static const char *pmq_gone(const char *name) {
  mqd_t m = mq_open(name, O_RDONLY);
  if (m == (mqd_t)-1) return NULL;
  mq_close(m);
  mq_unlink(name);
  return name;
}

/* The sender process of mq/posix (a managed child: the queue's waits are
 * the scheduler's). Exit status bits say what went wrong: 1 an oversized
 * message accepted, 2 a send failed. */
static __attribute__((noreturn)) void posix_child(ipf_pmq_t *pq) {
  int bad = 0;
  char big[PMQ_MSGSIZE + 1];
  memset(big, 'x', sizeof big);
  if (ipf_pmq_send(pq, big, sizeof big, 0) != -EMSGSIZE) bad |= 1;
  for (int s = 1; s <= NMSG; s++) {
    char m[16] = "message ";
    m[8] = (char)('0' + s);
    if (ipf_pmq_send(pq, m, 9, 0) < 0) bad |= 2;     /* blocks while full: backpressure */
  }
  if (ipf_pmq_send(pq, "", 0, 0) < 0) bad |= 2;     /* the sentinel: an empty message */
  ipf_pmq_close(pq);
  ipf_exit(bad);
}

static void body_posix(void) {
  ipf_pmq_t *pq;
  int rc = ipf_pmq_open(&pq, 2, PMQ_MSGSIZE);
  if (rc < 0) { ipf_fail("setup", "ipf_pmq_open: %s", strerror(-rc)); return; }
  char name[64];
  snprintf(name, sizeof name, "%s", ipf_pmq_name(pq));
  /* A full queue is an answer, not a block, for try_send. */
  int full = 0;
  for (int i = 0; i < 3; i++) if (ipf_pmq_try_send(pq, "fill", 4, 0) == -EAGAIN) full++;
  char buf[PMQ_MSGSIZE];
  for (int i = 0; i < 2; i++) ipf_pmq_receive(pq, buf, sizeof buf, NULL, 0);
  ipf_check(full == 1, "full", "try_send on a full queue of 2: %d of 3 calls said EAGAIN, expected 1", full);
  pid_t pid = ipf_fork("sender");
  if (pid < 0) {
    ipf_fail("setup", "fork: %s", strerror(errno));
    ipf_pmq_close(pq);
    return;
  }
  if (pid == 0) posix_child(pq);
  int next = 1, ok = 1;
  for (;;) {
    long n = ipf_pmq_receive(pq, buf, sizeof buf, NULL, 10000);
    if (n < 0) { ipf_fail("receive", "mq_receive: %s", strerror((int)-n)); ok = 0; break; }
    if (n == 0) break;                                  /* sentinel */
    char want[24];
    snprintf(want, sizeof want, "message %d", next);
    if (n != (long)strlen(want) || memcmp(buf, want, (size_t)n) != 0) {
      ipf_fail("order", "received \"%.*s\", expected \"%s\"", (int)n, buf, want);
      ok = 0;
      break;
    }
    next++;
  }
  if (!ok) kill(pid, SIGKILL);
  int status = 0;
  ipf_waitpid(pid, &status, 0);
  ipf_pmq_close(pq);
  if (ok) {
    ipf_check(next == NMSG + 1, "lost", "received %d of %d messages before the sentinel", next - 1, NMSG);
    ipf_check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child",
              "the sender process reported %s (status %d)",
              WIFEXITED(status) && (WEXITSTATUS(status) & 1) ? "an oversized message accepted" : "a failure", status);
  }
  if (pmq_gone(name)) ipf_fail("leak", "message queue %s still exists after the run", name);
}

/* mq/posix-sentinel-per-consumer and mq/posix-one-sentinel: the parent
 * produces message_queue.py's four messages into a queue of two, two
 * consumer processes take them until a sentinel (an empty message), waiting
 * without a timeout as the original's get() does. What each consumer took
 * is in a MAP_SHARED report the parent reads after reaping them. */
#define NPC 2
static struct pmq_report {
  int n[NPC];                 /* messages taken by consumer k */
  int seq[NPC][NMSG + 1];     /* their numbers, as taken */
  int sentinels[NPC];
  int err[NPC];               /* a receive error (negative errno), 0 if none */
} *prep;
static void *prep_cache;

static __attribute__((noreturn)) void posix_consumer(ipf_pmq_t *pq, int k) {
  char buf[PMQ_MSGSIZE];
  for (;;) {
    long n = ipf_pmq_receive(pq, buf, sizeof buf, NULL, -1);
    if (n < 0) { prep->err[k] = (int)n; break; }
    if (n == 0) { prep->sentinels[k]++; break; }
    int v = 0;
    if (n > 8 && !memcmp(buf, "message ", 8)) v = buf[8] - '0';
    ipf_note("took \"%.*s\"", (int)n, buf);
    if (prep->n[k] <= NMSG) prep->seq[k][prep->n[k]] = v;
    prep->n[k]++;
  }
  ipf_pmq_close(pq);
  ipf_exit(0);
}

static void body_posix_consumers(void) {
  prep = ipf__shared_scratch(&prep_cache, sizeof *prep);
  if (!prep) { ipf_fail("setup", "mmap of the shared report: %s", strerror(errno)); return; }
  memset(prep, 0, sizeof *prep);
  ipf_pmq_t *pq;
  int rc = ipf_pmq_open(&pq, 2, PMQ_MSGSIZE);
  if (rc < 0) { ipf_fail("setup", "ipf_pmq_open: %s", strerror(-rc)); return; }
  char name[64];
  snprintf(name, sizeof name, "%s", ipf_pmq_name(pq));
  pid_t pid[NPC];
  int forked = 0;
  for (; forked < NPC; forked++) {
    pid[forked] = ipf_fork(cname2[forked]);
    if (pid[forked] == 0) posix_consumer(pq, forked);
    if (pid[forked] < 0) { ipf_fail("setup", "fork: %s", strerror(errno)); break; }
  }
  int sendfail = 0;
  for (int s = 1; s <= NMSG; s++) {
    char m[16] = "message ";
    m[8] = (char)('0' + s);
    if (ipf_pmq_send(pq, m, 9, 0) < 0) sendfail++;  /* blocks while full: backpressure */
  }
  int sentinels = forked;
  /* BUG: message_queue.py's one None for the consumers: the first to take
   * it stops; the other waits in mq_receive for ever. */
  if (IPF_BUG(IPF_BUG_MQ_ONE_SENTINEL)) sentinels = 1;
  for (int i = 0; i < sentinels; i++)
    if (ipf_pmq_send(pq, "", 0, 0) < 0) sendfail++;
  int status[NPC] = { 0 };
  for (int k = 0; k < forked; k++) ipf_waitpid(pid[k], &status[k], 0);
  ipf_pmq_close(pq);
  ipf_check(sendfail == 0, "send", "%d sends of the producer failed", sendfail);
  int seen[NMSG + 1] = { 0 };
  for (int k = 0; k < forked; k++) {
    ipf_check(WIFEXITED(status[k]) && WEXITSTATUS(status[k]) == 0, "child",
              "%s ended badly (wait status %d)", cname2[k], status[k]);
    ipf_check(prep->err[k] == 0, "receive", "%s: mq_receive: %s", cname2[k], strerror(-prep->err[k]));
    ipf_check(prep->sentinels[k] == 1, "sentinel", "%s took %d sentinels", cname2[k], prep->sentinels[k]);
    for (int i = 0; i < prep->n[k] && i <= NMSG; i++) {
      int v = prep->seq[k][i];
      if (v < 1 || v > NMSG) { ipf_fail("corrupt", "%s took message %d of no sender", cname2[k], v); continue; }
      seen[v]++;
      ipf_check(i == 0 || v > prep->seq[k][i - 1], "order", "%s took message %d after message %d", cname2[k],
                v, prep->seq[k][i - 1]);
    }
  }
  for (int v = 1; v <= NMSG; v++) {
    ipf_check(seen[v] <= 1, "duplicate", "message %d was taken %d times", v, seen[v]);
    ipf_check(seen[v] >= 1, "lost", "message %d was never taken", v);
  }
  if (pmq_gone(name)) ipf_fail("leak", "message queue %s still exists after the run", name);
}

#define SPURIOUS "ipf/sync/cond_wait = 20%spurious"

const ipf_scenario ipf__mq_scenarios[] = {
  { "mq/one-sentinel-many-consumers", IPF_EXPECT_BUG,
    "one None-style sentinel for two consumers: the other blocks forever",
    body_two_consumers, 0, IPF_BUG_MQ_ONE_SENTINEL, SPURIOUS },
  { "mq/if-not-while", IPF_EXPECT_BUG,
    "`if` instead of `while` around the condition wait: a spurious or stolen wakeup pops an empty queue",
    body_two_consumers, 0, IPF_BUG_MQ_IF_NOT_WHILE, SPURIOUS },
  { "mq/empty-then-get", IPF_EXPECT_BUG,
    "check-then-act `while (!empty) get()`: two consumers race for the last item, one blocks forever",
    body_empty_then_get, 0, IPF_BUG_MQ_EMPTY_THEN_GET, SPURIOUS },
  { "mq/task-done-skipped", IPF_EXPECT_BUG,
    "processing fails and task_done is never called: join hangs",
    body_sentinel, 0, IPF_BUG_MQ_TASK_DONE_SKIPPED, SPURIOUS },
  { "mq/sentinel", IPF_EXPECT_OK,
    "one producer, one consumer, sentinel, task_done on every path, join",
    body_sentinel, 0, 0, SPURIOUS },
  { "mq/bounded", IPF_EXPECT_OK,
    "bounded queue, two producers and two consumers, backpressure, close() wakes everyone",
    body_bounded, 0, 0, SPURIOUS },
  { "mq/posix", IPF_EXPECT_OK,
    "POSIX mq_open/mq_send/mq_receive between a parent and a forked child, unlinked at once",
    body_posix, IPF_SC_FDS | IPF_SC_FORKS, 0, NULL },
  { "mq/posix-one-sentinel", IPF_EXPECT_BUG,
    "two consumer processes on one POSIX queue, one sentinel: the second consumer blocks forever in mq_receive",
    body_posix_consumers, IPF_SC_FDS | IPF_SC_FORKS, IPF_BUG_MQ_ONE_SENTINEL, NULL },
  { "mq/posix-sentinel-per-consumer", IPF_EXPECT_OK,
    "the same with one sentinel per consumer process",
    body_posix_consumers, IPF_SC_FDS | IPF_SC_FORKS, 0, NULL },
};
const size_t ipf__mq_nscenarios = sizeof ipf__mq_scenarios / sizeof ipf__mq_scenarios[0];
