/* Mutex, condition variable, semaphore, yield and sleep in three worlds.
 *
 * DESIGN. Controlled: the objects are emulated; a thread that must wait calls
 * ipf__block with a predicate the scheduler can evaluate (owner == 0, value >
 * 0, signalled), so no managed thread ever sleeps in the kernel on a lock the
 * scheduler cannot see. Each operation is one scheduling point, placed where
 * preemption matters: before lock (someone else may take it first), after
 * unlock/post/signal (a waiter may run at once). A signal with several waiters
 * lets the choice stream pick which one wakes, since POSIX leaves it open.
 * Chaos and plain: the real pthread objects, plus seeded random delays in chaos.
 * Timed waits take relative milliseconds: virtual in controlled runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "internal.h"
#include "names.h"
#include "ipcfault/fault.h"

long ipf__vnow(void);
void ipf__yield_point(void);

static int me_owner(void) { return ipf_thread_self() + 1; }

static void abs_deadline(struct timespec *ts, long ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) { ts->tv_sec++; ts->tv_nsec -= 1000000000L; }
}

/* A name for trace lines: evaluated on every operation, so only worked out
 * when a trace is being written. */
static const char *oname(const void *o, const char *name, char *b, unsigned long n) {
  if (!ipf__tracing()) return "";
  return name ? name : ipf__name_addr(o, b, n);
}

/* ---- mutex ---- */

int ipf_mutex_init(ipf_mutex_t *m, const char *name) {
  int rc = pthread_mutex_init(&m->pm, NULL);
  m->owner = 0;
  m->name = name;
  return -rc;
}

int ipf_mutex_destroy(ipf_mutex_t *m) {
  if (m->owner) return -EBUSY;
  return -pthread_mutex_destroy(&m->pm);
}

/* Take a free mutex for the current controlled thread (no scheduling point). */
static void take(ipf_mutex_t *m) {
  while (m->owner) ipf__block(IPF_WAIT_MUTEX, m, 0, -1);
  m->owner = me_owner();
  IPF_HB_ACQUIRE(m);
}

int ipf_mutex_lock(ipf_mutex_t *m) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_CALLER_SCOPE();
    if (m->owner == me_owner()) return -EDEADLK;
    IPF_POINT_SYNC("ipf_mutex_lock", m);
    take(m);
    char b[160];
    ipf__trace("lock %s", oname(m, m->name, b, sizeof b));
    return 0;
  }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); /* fall through */
  default: return -pthread_mutex_lock(&m->pm);
  }
}

int ipf_mutex_trylock(ipf_mutex_t *m) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_CALLER_SCOPE();
    IPF_POINT_SYNC("ipf_mutex_trylock", m);
    if (m->owner) return -EBUSY;
    m->owner = me_owner();
    IPF_HB_ACQUIRE(m);
    char b[160];
    ipf__trace("trylock %s", oname(m, m->name, b, sizeof b));
    return 0;
  }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); /* fall through */
  default: return -pthread_mutex_trylock(&m->pm);
  }
}

int ipf_mutex_unlock(ipf_mutex_t *m) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_CALLER_SCOPE();
    if (m->owner != me_owner()) return -EPERM;
    IPF_HB_RELEASE(m);
    m->owner = 0;
    char b[160];
    ipf__trace("unlock %s", oname(m, m->name, b, sizeof b));
    IPF_POINT_SYNC("ipf_mutex_unlock", m);
    return 0;
  }
  case IPF_WORLD_CHAOS: {
    int rc = pthread_mutex_unlock(&m->pm);
    ipf__chaos_delay();
    return -rc;
  }
  default: return -pthread_mutex_unlock(&m->pm);
  }
}

/* ---- condition variable ---- */

int ipf_cond_init(ipf_cond_t *c, const char *name) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_REALTIME);
  int rc = pthread_cond_init(&c->pc, &a);
  pthread_condattr_destroy(&a);
  c->name = name;
  return -rc;
}

int ipf_cond_destroy(ipf_cond_t *c) { return -pthread_cond_destroy(&c->pc); }

static int cond_wait_ms(ipf_cond_t *c, ipf_mutex_t *m, long ms) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    if (m->owner != me_owner()) return -EPERM;
    char b[160];
    /* The COND_WAIT fault site, asked while the mutex is still held: a
     * delay there is a slow caller, not a wait that misses a signal sent
     * after the unlock (which pthread_cond_wait's atomic release-and-wait
     * rules out). spurious: release, let others run, re-take, return 0 as
     * if woken, with no signal sent. */
    long farg;
    int fault = IPF_FAULT(COND_WAIT, &farg);
    ipf__trace("wait %s", oname(c, c->name, b, sizeof b));
    IPF_HB_RELEASE(m);
    m->owner = 0;
    int rc;
    if (fault == IPF_ACT_SPURIOUS) {
      /* a yield point, not a plain one: the caller's predicate loop is now
       * a spin-wait, and a spinning waiter must be deprioritised, not
       * reported as a hang under persistent spurious wakeups */
      ipf__trace("spurious wakeup from %s", oname(c, c->name, b, sizeof b));
      ipf__yield_point();
      rc = 0;
    } else {
      rc = ipf__cond_block(c, ms);
    }
    take(m);
    IPF_HB_ACQUIRE(c);
    if (fault != IPF_ACT_SPURIOUS)
      ipf__trace("%s %s", rc ? "timed out on" : "woken from", oname(c, c->name, b, sizeof b));
    return rc;
  }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); /* fall through */
  default: {
    long farg;
    if (IPF_FAULT(COND_WAIT, &farg) == IPF_ACT_SPURIOUS) {
      /* a wakeup nobody sent: give the others a chance at the mutex */
      int rc = pthread_mutex_unlock(&m->pm);
      if (rc) return -rc;
      sched_yield();
      return -pthread_mutex_lock(&m->pm);
    }
  }
    if (ms < 0) return -pthread_cond_wait(&c->pc, &m->pm);
    struct timespec ts;
    abs_deadline(&ts, ms);
    return -pthread_cond_timedwait(&c->pc, &m->pm, &ts);
  }
}

int ipf_cond_wait(ipf_cond_t *c, ipf_mutex_t *m) {
  IPF_CALLER_SCOPE();
  return cond_wait_ms(c, m, -1);
}
int ipf_cond_timedwait(ipf_cond_t *c, ipf_mutex_t *m, long ms) {
  IPF_CALLER_SCOPE();
  return cond_wait_ms(c, m, ms < 0 ? 0 : ms);
}

int ipf_cond_signal(ipf_cond_t *c) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_CALLER_SCOPE();
    IPF_HB_RELEASE(c);
    ipf__cond_wake(c, 0);
    IPF_POINT_SYNC("ipf_cond_signal", c);
    return 0;
  }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); /* fall through */
  default: return -pthread_cond_signal(&c->pc);
  }
}

int ipf_cond_broadcast(ipf_cond_t *c) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_CALLER_SCOPE();
    IPF_HB_RELEASE(c);
    ipf__cond_wake(c, 1);
    IPF_POINT_SYNC("ipf_cond_broadcast", c);
    return 0;
  }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); /* fall through */
  default: return -pthread_cond_broadcast(&c->pc);
  }
}

/* ---- semaphore ---- */

int ipf_sem_init(ipf_sem_t *s, long value, const char *name) {
  if (value < 0) return -EINVAL;
  int rc = pthread_mutex_init(&s->pm, NULL);
  if (rc) return -rc;
  rc = pthread_cond_init(&s->pc, NULL);
  if (rc) { pthread_mutex_destroy(&s->pm); return -rc; }
  s->value = value;
  s->name = name;
  return 0;
}

int ipf_sem_destroy(ipf_sem_t *s) {
  pthread_cond_destroy(&s->pc);
  return -pthread_mutex_destroy(&s->pm);
}

static int sem_wait_ms(ipf_sem_t *s, long ms, int try) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_POINT_SYNC(try ? "ipf_sem_trywait" : "ipf_sem_wait", s);
    int rc = 0;
    if (try) rc = s->value > 0 ? 0 : -EAGAIN;
    else while (s->value == 0 && rc == 0) rc = ipf__block(IPF_WAIT_SEM, s, 0, ms);
    char b[160];
    if (rc == 0) {
      s->value--;
      IPF_HB_ACQUIRE(s);
      ipf__trace("sem_wait %s (now %ld)", oname(s, s->name, b, sizeof b), s->value);
    }
    return rc;
  }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); /* fall through */
  default: {
    struct timespec ts;
    if (ms >= 0) abs_deadline(&ts, ms);
    int rc = 0;
    pthread_mutex_lock(&s->pm);
    while (s->value == 0 && rc == 0) {
      if (try) rc = EAGAIN;
      else if (ms < 0) rc = pthread_cond_wait(&s->pc, &s->pm);
      else rc = pthread_cond_timedwait(&s->pc, &s->pm, &ts);
    }
    if (rc == 0) s->value--;
    pthread_mutex_unlock(&s->pm);
    return -rc;
  }
  }
}

int ipf_sem_wait(ipf_sem_t *s) { IPF_CALLER_SCOPE(); return sem_wait_ms(s, -1, 0); }
int ipf_sem_trywait(ipf_sem_t *s) { IPF_CALLER_SCOPE(); return sem_wait_ms(s, -1, 1); }
int ipf_sem_timedwait(ipf_sem_t *s, long ms) { IPF_CALLER_SCOPE(); return sem_wait_ms(s, ms < 0 ? 0 : ms, 0); }

int ipf_sem_post(ipf_sem_t *s) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_CALLER_SCOPE();
    IPF_HB_RELEASE(s);
    s->value++;
    char b[160];
    ipf__trace("sem_post %s (now %ld)", oname(s, s->name, b, sizeof b), s->value);
    IPF_POINT_SYNC("ipf_sem_post", s);
    return 0;
  }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); /* fall through */
  default:
    pthread_mutex_lock(&s->pm);
    s->value++;
    pthread_cond_signal(&s->pc);
    pthread_mutex_unlock(&s->pm);
    return 0;
  }
}

/* ---- yield, sleep, time ---- */

void ipf_yield(void) {
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: { IPF_CALLER_SCOPE(); ipf__yield_point(); break; }
  case IPF_WORLD_CHAOS: ipf__chaos_delay(); sched_yield(); break;
  default: sched_yield(); break;
  }
}

void ipf_sleep(long ms) {
  if (ms < 0) ms = 0;
  switch (ipf__world()) {
  case IPF_WORLD_CONTROLLED: {
    IPF_CALLER_SCOPE();
    ipf__trace("sleep %ld ms", ms);
    ipf__block(IPF_WAIT_SLEEP, NULL, 0, ms);
    break;
  }
  case IPF_WORLD_CHAOS: {
    /* chaos and plain runs compress time 100x: the order of events is what
     * the scenario is about, not the wall clock */
    struct timespec ts = { ms / 100000, (ms % 100000) * 10000L };
    nanosleep(&ts, NULL);
    break;
  }
  default: {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
    break;
  }
  }
}

long ipf_now_ms(void) {
  if (ipf__world() == IPF_WORLD_CONTROLLED) return ipf__vnow();
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
