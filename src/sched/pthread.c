/* The pthread API over the controlled scheduler: what `ipcfault exec` (the
 * LD_PRELOAD interposers in src/preload) and the compile-time route
 * (ipcfault/pthread.h) map a program's calls onto.
 *
 * DESIGN. A program's pthread objects are its own memory, initialised by
 * PTHREAD_*_INITIALIZER or by *_init calls the kit may never see. The kit
 * does not reinterpret that memory: the emulated state of each object (an
 * ipf_mutex_t, ipf_cond_t, ipf_sem_t, or a small rwlock/barrier/once
 * record) lives in a side table keyed by the object's address and is
 * created on first use, reading only what a static initializer can say (the
 * mutex kind of PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP, a semaphore's
 * value). The table is an open-addressing array that never moves, because
 * the scheduler keeps pointers to the emulated objects of blocked threads.
 * Under `ipcfault exec` each execution is a fresh fork of the forkserver;
 * in a scenario binary (the linked interposers, src/preload/preload.c)
 * executions follow one another in one process, so every entry and the
 * thread table carry the execution's number (ipf__exec_gen) and an entry of
 * an earlier execution counts as free: each execution starts from an empty
 * table, whatever the last one left locked or blocked. For the same reason
 * pthread_once there marks only its side entry done, not the program's
 * pthread_once_t: the init routine runs once per execution, as it would
 * in a fresh process, and a replay meets the same decisions.
 *
 * Threads: each pthread_create is an ipf_thread_create (a managed thread on
 * a worker of the pool); the program gets the worker's real pthread_t, so
 * pthread_self(), pthread_equal and thread-local storage behave. A thread's
 * start routine runs under setjmp so that pthread_exit can return to the
 * worker loop (longjmp) instead of killing the worker; that skips cleanup
 * handlers and key destructors, which this mode does not run.
 *
 * Semantics follow glibc where POSIX leaves room: a normal mutex locked
 * twice by its owner deadlocks (and the scheduler reports it), an
 * error-checking one returns EDEADLK, unlock by a non-owner is EPERM for
 * error-checking and recursive mutexes; rwlocks prefer readers; timed waits
 * convert the absolute deadline to virtual milliseconds and time out when
 * no other thread can run or, for mutexes, condition variables and
 * semaphores, whenever the choice stream says so (sched.c, timeout_now).
 *
 * Only one managed thread runs at a time, so nothing here needs a lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec.h"
#include "internal.h"

long ipf__vnow(void);
void ipf__yield_point(void);

__thread int ipf__pt_guard __attribute__((tls_model("initial-exec")));
long *ipf__exec_stepc;

#define STEP() do { if (ipf__exec_stepc) (*ipf__exec_stepc)++; } while (0)

/* ---- side table ----------------------------------------------------------- */

enum { O_FREE, O_MUTEX, O_COND, O_SEM, O_RW, O_BARRIER, O_ONCE, O_SPIN };

typedef struct obj {
  const void *key;
  unsigned long gen;          /* the execution that made it; older = free */
  int type;
  int named;                  /* name[] filled */
  int noted;                  /* on the list of objects to name */
  const void *first_pc;       /* the program's call site of its first use */
  struct obj *next_noted;
  char name[200];
  union {
    struct { ipf_mutex_t m; int kind, count; } mx;        /* also spinlocks */
    struct { ipf_cond_t c; int clock; } cv;
    ipf_sem_t sem;
    struct { int readers, writer; } rw;
    struct { unsigned count, arrived; unsigned long gen; } bar;
    struct { int state; } once;
  } u;
} obj;

#define TABLE_BITS 18
#define TABLE_SIZE (1u << TABLE_BITS)
static obj *table;

static uint32_t hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (uint32_t)x & (TABLE_SIZE - 1);
}

static void table_init(void) {
  if (table) return;
  /* lazily touched: untouched pages cost nothing, and fork copies only
   * what an execution used */
  void *p = mmap(NULL, TABLE_SIZE * sizeof(obj), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) { fputs("ipcfault: cannot map the object table\n", stderr); abort(); }
  table = p;
}

/* An object's state as its init leaves it: zeroed, not yet named. */
static void reset_obj(obj *o) {
  memset(&o->u, 0, sizeof o->u);
  o->named = 0;
}

/* The entry of key; *fresh = 1 when it was just created (or retyped). */
static obj *lookup(const void *key, int type, int *fresh) {
  table_init();
  uint32_t h = hash(key);
  unsigned long gen = ipf__exec_gen;
  for (uint32_t i = 0; i < TABLE_SIZE; i++) {
    obj *o = &table[(h + i) & (TABLE_SIZE - 1)];
    /* entries are never removed within an execution, so the first free
     * (or stale) slot on the probe path ends the search */
    if (o->type == O_FREE || o->gen != gen) {
      memset(o, 0, sizeof *o);
      o->key = key;
      o->gen = gen;
      o->type = type;
      *fresh = 1;
      return o;
    }
    if (o->key == key) {
      if (o->type != type) {  /* memory reused for another kind of object */
        reset_obj(o);
        o->type = type;
        *fresh = 1;
      } else {
        *fresh = 0;
      }
      return o;
    }
  }
  fputs("ipcfault: more than 262144 synchronisation objects in one execution\n", stderr);
  abort();
}

/* The entry of key as the object's init (pthread_*_init, sem_init) leaves
 * it, whatever the memory held before. */
static obj *init_obj(const void *key, int type) {
  int fresh;
  obj *o = lookup(key, type, &fresh);
  reset_obj(o);
  return o;
}

static const char *kind_word(int type) {
  switch (type) {
  case O_MUTEX: return "mutex";
  case O_COND: return "cond";
  case O_SEM: return "sem";
  case O_RW: return "rwlock";
  case O_BARRIER: return "barrier";
  case O_SPIN: return "spinlock";
  default: return "object";
  }
}

/* Names for reports: the object's symbol when it is a global ("lock_a",
 * "accounts+64"), its allocation site when it is on the heap ("heap object
 * of 48 bytes allocated at make_queue (q.c:12)"), else where it was first
 * used ("mutex@0x7ffd..., first used at worker (w.c:31)"). Working that out
 * takes debug info, so it is not done when an object is first used, on
 * every execution's hot path: first use only notes the object and the
 * program's call site, and the controller names the noted objects when it
 * writes a report (ipf__before_report), or a trace line names one at once. */
static obj *noted;
static unsigned long noted_gen;   /* the execution the list belongs to */

static void name_now(obj *o) {
  if (o->named) return;
  char b[sizeof o->name];
  if (ipf__name_data(o->key, b, sizeof b)) {
    snprintf(o->name, sizeof o->name, "%s", b);
  } else if (o->first_pc) {
    snprintf(o->name, sizeof o->name, "%s@%p, first used at %s", kind_word(o->type), o->key,
             ipf__name_pc((uintptr_t)o->first_pc, b, sizeof b));
  } else {
    snprintf(o->name, sizeof o->name, "%s@%p", kind_word(o->type), o->key);
  }
  o->named = 1;
  switch (o->type) {
  case O_MUTEX: case O_SPIN: o->u.mx.m.name = o->name; break;
  case O_COND: o->u.cv.c.name = o->name; break;
  case O_SEM: o->u.sem.name = o->name; break;
  default: break;           /* rwlocks and barriers: their wait reason is o->name */
  }
}

static void name_noted(void) {
  if (noted_gen != ipf__exec_gen) return;
  for (obj *o = noted; o && o->gen == noted_gen; o = o->next_noted) name_now(o);
}

static void name_obj(obj *o, const void *pc) {
  if (!o->first_pc) o->first_pc = pc ? pc : (const void *)ipf__caller_pc;
  if (noted_gen != ipf__exec_gen) {   /* a new execution: its own list (the table's entries are) */
    noted = NULL;
    noted_gen = ipf__exec_gen;
  }
  if (!o->noted) {
    o->noted = 1;
    o->next_noted = noted;
    noted = o;
    ipf__before_report = name_noted;
  }
  if (ipf__tracing()) name_now(o);
}

static int me_owner(void) { return ipf_thread_self() + 1; }

/* Relative virtual milliseconds until abs on clock, rounded up, >= 0. */
static long ms_until(const struct timespec *abs, clockid_t clock) {
  struct timespec now;
  clock_gettime(clock, &now);
  long long ns = (long long)(abs->tv_sec - now.tv_sec) * 1000000000LL + (abs->tv_nsec - now.tv_nsec);
  if (ns <= 0) return 0;
  return (long)((ns + 999999) / 1000000);
}

/* ---- threads ---------------------------------------------------------------- */

typedef struct pthr {
  ipf_thread_t t;
  pthread_t pt;
  void *(*fn)(void *);
  void *arg;
  void *ret;
  int detached, joined, finished;
  jmp_buf jb;
} pthr;

/* The program's threads, thr[0] main. Each record stays where it is (the
 * scheduler's thread holds a pointer to it); the array of pointers grows,
 * and the records of an earlier execution are reused. */
static pthr **thr;
static int nthr = 1, nalloc = 1, thrcap;
static pthr main_thr;
static unsigned long thr_gen;         /* the execution thr[] describes */
static __thread pthr *me_thr_;        /* valid in execution me_gen only */
static __thread unsigned long me_gen;

/* thr[] of this execution (emptied when a new one has begun) */
static void thr_sync(void) {
  if (thr_gen != ipf__exec_gen) { thr_gen = ipf__exec_gen; nthr = 1; }
}
/* The calling thread's record, NULL when pthread_create did not start it
 * in this execution (a scenario's main, a worker reused from an earlier one). */
static pthr *me_thr(void) { return me_gen == ipf__exec_gen ? me_thr_ : NULL; }
static void set_me(pthr *t) { me_thr_ = t; me_gen = ipf__exec_gen; }

/* A cleared record for the next thread, NULL when out of memory. */
static pthr *new_thr(void) {
  if (nthr >= thrcap) {
    int cap = thrcap ? 2 * thrcap : 64;
    pthr **t = realloc(thr, (size_t)cap * sizeof *t);
    if (!t) return NULL;
    if (!thr) t[0] = &main_thr;
    thr = t;
    thrcap = cap;
  }
  if (nthr == nalloc) {
    if (!(thr[nthr] = malloc(sizeof *thr[nthr]))) return NULL;
    nalloc++;
  }
  pthr *t = thr[nthr++];
  memset(t, 0, sizeof *t);
  return t;
}

static void tramp(void *p) {
  pthr *t = p;
  set_me(t);
  t->pt = pthread_self();
  ipf__pt_guard = 0;                 /* the start routine is the program's code */
  ipf__caller_pc = 0;
  if (setjmp(t->jb) == 0) t->ret = t->fn(t->arg);
  ipf__pt_guard = 1;                 /* the worker loop is the kit's */
  ipf__caller_pc = 0;                /* pthread_exit left its call site */
  t->finished = 1;
}

int ipf__pt_create(pthread_t *out, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
  STEP();
  thr_sync();
  pthr *t = new_thr();
  if (!t) return EAGAIN;
  t->fn = fn;
  t->arg = arg;
  int ds = PTHREAD_CREATE_JOINABLE;
  if (attr) pthread_attr_getdetachstate(attr, &ds);
  t->detached = ds == PTHREAD_CREATE_DETACHED;
  char b[48], name[32];
  const char *s = ipf__sym((const void *)fn, b, sizeof b, 0);
  snprintf(name, sizeof name, "t%d%s%.24s", nthr - 1, s ? ":" : "", s ? s : "");
  int rc = ipf_thread_create(&t->t, name, tramp, t);
  if (rc) { nthr--; return -rc; }
  if (t->detached) ipf__thread_detached(&t->t);
  t->pt = ipf__thread_pthread(&t->t);
  *out = t->pt;
  return 0;
}

static pthr *find_thr(pthread_t pt) {
  thr_sync();
  for (int i = 1; i < nthr; i++)
    if (pthread_equal(thr[i]->pt, pt) && !thr[i]->joined) return thr[i];
  return NULL;
}

int ipf__pt_join(pthread_t pt, void **ret) {
  STEP();
  pthr *t = find_thr(pt);
  if (!t) return ESRCH;
  if (t == me_thr()) return EDEADLK;
  if (t->detached) return EINVAL;
  int rc = ipf_thread_join(&t->t);
  if (rc) return -rc;
  t->joined = 1;
  if (ret) *ret = t->ret;
  return 0;
}

int ipf__pt_detach(pthread_t pt) {
  pthr *t = find_thr(pt);
  if (!t) return ESRCH;
  if (t->detached) return EINVAL;
  t->detached = 1;
  ipf__thread_detached(&t->t);
  return 0;
}

void ipf__pt_exit(void *ret) {
  STEP();
  pthr *t = me_thr();
  if (!t) {                       /* a scenario's main: nothing to return to */
    fputs("ipcfault: pthread_exit in a thread that pthread_create did not start\n", stderr);
    abort();
  }
  t->ret = ret;
  longjmp(t->jb, 1);
}

static int others_done(const void *unused) {
  (void)unused;
  thr_sync();
  for (int i = 1; i < nthr; i++) if (!thr[i]->finished) return 0;
  return 1;
}

void ipf__pt_run_main(ipf_main_fn m, int argc, char **argv, char **envp) {
  thr_sync();
  pthr *t = &main_thr;
  set_me(t);
  t->pt = pthread_self();
  if (setjmp(t->jb) == 0) exit(m(argc, argv, envp));
  /* pthread_exit from main: the process lives on until its last thread
   * ends, then exits 0, as POSIX has it */
  ipf__pt_guard = 1;
  t->finished = 1;
  while (!others_done(NULL)) {
    ipf_set_wait_reason("main called pthread_exit: waiting for the last thread to end");
    ipf__set_pred(others_done);
    ipf__block(IPF_WAIT_PRED, NULL, 0, -1);
  }
  ipf__pt_guard = 0;
  exit(0);
}

/* pthread_once: 0 not run, 1 running, 2 done (glibc's done bit is 2 too). */
static int once_done(const void *p) { return ((const obj *)p)->u.once.state == 2; }

int ipf__pt_once(pthread_once_t *po, void (*fn)(void)) {
  STEP();
  int fresh;
  obj *o = lookup(po, O_ONCE, &fresh);
  if (fresh) o->u.once.state = (*(volatile int *)po & 2) ? 2 : 0;
  if (o->u.once.state == 2) { IPF_HB_ACQUIRE(o); return 0; }   /* the init routine's writes */
  if (o->u.once.state == 1) {
    while (o->u.once.state != 2) {
      ipf_set_wait_reason("pthread_once: another thread runs the init routine");
      ipf__set_pred(once_done);
      ipf__block(IPF_WAIT_PRED, o, 0, -1);
    }
    IPF_HB_ACQUIRE(o);
    return 0;
  }
  o->u.once.state = 1;
  ipf__pt_guard = 0;               /* the init routine is the program's code */
  uintptr_t site = ipf__caller_pc;
  ipf__caller_pc = 0;
  fn();
  ipf__caller_pc = site;
  ipf__pt_guard = 1;
  IPF_HB_RELEASE(o);
  o->u.once.state = 2;
  if (ipf__exec_active) *(volatile int *)po = 2;   /* a fork of its own: as glibc would */
  ipf__point("pthread_once", po);   /* OTHER: the state checks come before the point */
  return 0;
}

/* ---- mutexes and spinlocks ------------------------------------------------------ */

static obj *mutex_obj(const void *key, int type) {
  int fresh;
  obj *o = lookup(key, type, &fresh);
  if (fresh) {
    o->u.mx.m.owner = 0;
    o->u.mx.m.name = NULL;
    o->u.mx.count = 0;
    /* the kind a static initializer wrote (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP) */
    o->u.mx.kind = type == O_MUTEX ? ((const pthread_mutex_t *)key)->__data.__kind & 3 : PTHREAD_MUTEX_NORMAL;
  }
  return o;
}

int ipf__pt_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) {
  int kind = PTHREAD_MUTEX_NORMAL;
  if (a) pthread_mutexattr_gettype(a, &kind);
  obj *o = init_obj(m, O_MUTEX);
  o->u.mx.kind = kind & 3;
  return 0;
}

int ipf__pt_mutex_destroy(pthread_mutex_t *m) {
  obj *o = mutex_obj(m, O_MUTEX);
  if (o->u.mx.m.owner) return EBUSY;
  o->type = O_MUTEX;
  return 0;
}

static int lock_obj(obj *o, const struct timespec *abs, int try, const void *pc, const char *what) {
  STEP();
  ipf_mutex_t *m = &o->u.mx.m;
  int me = me_owner();
  if (m->owner == me) {
    if (o->u.mx.kind == PTHREAD_MUTEX_RECURSIVE) { o->u.mx.count++; return 0; }
    if (o->u.mx.kind == PTHREAD_MUTEX_ERRORCHECK) return EDEADLK;
    if (try) return EBUSY;
    /* a normal mutex locked twice by its owner: the thread deadlocks on
     * itself, as it would for real; the scheduler reports it */
  }
  name_obj(o, pc);
  IPF_POINT_SYNC(what, m);
  if (try) {
    if (m->owner) return EBUSY;
  } else {
    long dl = abs ? ipf__vnow() + ms_until(abs, CLOCK_REALTIME) : -1;
    while (m->owner) {
      long left = dl < 0 ? -1 : dl - ipf__vnow();
      if (dl >= 0 && left <= 0) return ETIMEDOUT;
      ipf__block(IPF_WAIT_MUTEX, m, 0, left);
    }
  }
  m->owner = me;
  o->u.mx.count = 1;
  IPF_HB_ACQUIRE(m);
  if (ipf__tracing()) ipf__trace("lock %s", o->name);
  return 0;
}

static int unlock_obj(obj *o, const char *what) {
  STEP();
  ipf_mutex_t *m = &o->u.mx.m;
  if (m->owner != me_owner()) {
    if (o->u.mx.kind == PTHREAD_MUTEX_ERRORCHECK || o->u.mx.kind == PTHREAD_MUTEX_RECURSIVE) return EPERM;
    if (!m->owner) return 0;           /* undefined; glibc does not complain */
  }
  if (o->u.mx.kind == PTHREAD_MUTEX_RECURSIVE && --o->u.mx.count > 0) return 0;
  IPF_HB_RELEASE(m);
  m->owner = 0;
  o->u.mx.count = 0;
  if (ipf__tracing()) { name_now(o); ipf__trace("unlock %s", o->name); }
  IPF_POINT_SYNC(what, m);
  return 0;
}

int ipf__pt_mutex_lock(pthread_mutex_t *pm, const struct timespec *abs, int try, const void *pc) {
  return lock_obj(mutex_obj(pm, O_MUTEX), abs, try, pc,
                  try ? "pthread_mutex_trylock" : abs ? "pthread_mutex_timedlock" : "pthread_mutex_lock");
}

int ipf__pt_mutex_unlock(pthread_mutex_t *pm) {
  return unlock_obj(mutex_obj(pm, O_MUTEX), "pthread_mutex_unlock");
}

int ipf__pt_spin_init(pthread_spinlock_t *s) {
  obj *o = mutex_obj((const void *)(uintptr_t)s, O_SPIN);
  memset(&o->u, 0, sizeof o->u);
  return 0;
}
int ipf__pt_spin_lock(pthread_spinlock_t *s, int try, const void *pc) {
  return lock_obj(mutex_obj((const void *)(uintptr_t)s, O_SPIN), NULL, try, pc, try ? "pthread_spin_trylock" : "pthread_spin_lock");
}
int ipf__pt_spin_unlock(pthread_spinlock_t *s) {
  return unlock_obj(mutex_obj((const void *)(uintptr_t)s, O_SPIN), "pthread_spin_unlock");
}

/* ---- condition variables ------------------------------------------------------- */

static obj *cond_obj(pthread_cond_t *c) {
  int fresh;
  obj *o = lookup(c, O_COND, &fresh);
  if (fresh) o->u.cv.clock = CLOCK_REALTIME;
  return o;
}

int ipf__pt_cond_init(pthread_cond_t *c, const pthread_condattr_t *a) {
  obj *o = init_obj(c, O_COND);
  clockid_t clk = CLOCK_REALTIME;
  if (a) pthread_condattr_getclock(a, &clk);
  o->u.cv.clock = (int)clk;
  return 0;
}

int ipf__pt_cond_destroy(pthread_cond_t *c) { (void)cond_obj(c); return 0; }

int ipf__pt_cond_wait(pthread_cond_t *c, pthread_mutex_t *pm, const struct timespec *abs, const void *pc) {
  STEP();
  obj *co = cond_obj(c), *mo = mutex_obj(pm, O_MUTEX);
  if (mo->u.mx.m.owner != me_owner()) return EPERM;
  name_obj(co, pc);
  int count = mo->u.mx.count;
  int rc = abs ? ipf_cond_timedwait(&co->u.cv.c, &mo->u.mx.m, ms_until(abs, co->u.cv.clock))
               : ipf_cond_wait(&co->u.cv.c, &mo->u.mx.m);
  mo->u.mx.count = count;
  return rc == -ETIMEDOUT ? ETIMEDOUT : rc < 0 ? -rc : 0;
}

int ipf__pt_cond_wake(pthread_cond_t *c, int all) {
  STEP();
  obj *co = cond_obj(c);
  return -(all ? ipf_cond_broadcast(&co->u.cv.c) : ipf_cond_signal(&co->u.cv.c));
}

/* ---- rwlocks ------------------------------------------------------------------------ */

struct rwwait { const obj *o; int write; };

static int rw_free(const void *p) {
  const struct rwwait *w = p;
  return w->write ? !w->o->u.rw.writer && !w->o->u.rw.readers : !w->o->u.rw.writer;
}

static obj *rw_obj(pthread_rwlock_t *r) {
  int fresh;
  return lookup(r, O_RW, &fresh);
}

int ipf__pt_rwlock_init(pthread_rwlock_t *r) {
  init_obj(r, O_RW);
  return 0;
}
int ipf__pt_rwlock_destroy(pthread_rwlock_t *r) {
  obj *o = rw_obj(r);
  return o->u.rw.writer || o->u.rw.readers ? EBUSY : 0;
}

int ipf__pt_rwlock_lock(pthread_rwlock_t *r, int write, const struct timespec *abs, int try, const void *pc) {
  STEP();
  obj *o = rw_obj(r);
  int me = me_owner();
  if (o->u.rw.writer == me) return EDEADLK;
  name_obj(o, pc);
  IPF_POINT_SYNC(write ? "pthread_rwlock_wrlock" : "pthread_rwlock_rdlock", o);
  struct rwwait w = { o, write };
  if (!rw_free(&w)) {
    if (try) return EBUSY;
    long dl = abs ? ipf__vnow() + ms_until(abs, CLOCK_REALTIME) : -1;
    while (!rw_free(&w)) {
      long left = dl < 0 ? -1 : dl - ipf__vnow();
      if (dl >= 0 && left <= 0) return ETIMEDOUT;
      ipf_set_wait_reason(o->name);
      ipf__set_pred(rw_free);
      ipf__block(IPF_WAIT_PRED, &w, 0, left);
    }
  }
  if (write) o->u.rw.writer = me;
  else o->u.rw.readers++;
  IPF_HB_ACQUIRE(o);
  return 0;
}

int ipf__pt_rwlock_unlock(pthread_rwlock_t *r) {
  STEP();
  obj *o = rw_obj(r);
  IPF_HB_RELEASE(o);
  if (o->u.rw.writer == me_owner()) o->u.rw.writer = 0;
  else if (o->u.rw.readers > 0) o->u.rw.readers--;
  else return EPERM;
  IPF_POINT_SYNC("pthread_rwlock_unlock", o);
  return 0;
}

/* ---- barriers -------------------------------------------------------------------- */

struct barwait { const obj *o; unsigned long gen; };
static int bar_passed(const void *p) {
  const struct barwait *w = p;
  return w->o->u.bar.gen != w->gen;
}

int ipf__pt_barrier_init(pthread_barrier_t *b, unsigned count) {
  if (count == 0) return EINVAL;
  obj *o = init_obj(b, O_BARRIER);
  o->u.bar.count = count;
  return 0;
}
int ipf__pt_barrier_destroy(pthread_barrier_t *b) { (void)b; return 0; }

int ipf__pt_barrier_wait(pthread_barrier_t *b) {
  STEP();
  int fresh;
  obj *o = lookup(b, O_BARRIER, &fresh);
  if (fresh || o->u.bar.count == 0) return EINVAL;
  name_obj(o, NULL);
  IPF_POINT_SYNC("pthread_barrier_wait", o);
  IPF_HB_RELEASE(o);
  if (++o->u.bar.arrived == o->u.bar.count) {
    o->u.bar.arrived = 0;
    o->u.bar.gen++;
    IPF_HB_ACQUIRE(o);
    IPF_POINT_SYNC("pthread_barrier_wait", o);
    return PTHREAD_BARRIER_SERIAL_THREAD;
  }
  struct barwait w = { o, o->u.bar.gen };
  while (!bar_passed(&w)) {
    ipf_set_wait_reason(o->name);
    ipf__set_pred(bar_passed);
    ipf__block(IPF_WAIT_PRED, &w, 0, -1);
  }
  IPF_HB_ACQUIRE(o);
  return 0;
}

/* ---- semaphores ----------------------------------------------------------------- */

static obj *sem_obj(sem_t *s) {
  int fresh;
  obj *o = lookup(s, O_SEM, &fresh);
  if (fresh) {
    /* a semaphore the kit has not seen initialised (sem_open, or before the
     * run): start from the value the real one holds */
    int v = 0;
    sem_getvalue(s, &v);
    o->u.sem.value = v < 0 ? 0 : v;
  }
  return o;
}

int ipf__pt_sem_init(sem_t *s, unsigned value) {
  obj *o = init_obj(s, O_SEM);
  o->u.sem.value = value;
  return 0;
}
int ipf__pt_sem_destroy(sem_t *s) { (void)sem_obj(s); return 0; }

int ipf__pt_sem_wait(sem_t *s, const struct timespec *abs, int try) {
  STEP();
  obj *o = sem_obj(s);
  name_obj(o, NULL);
  if (try) return ipf_sem_trywait(&o->u.sem);
  if (abs) return ipf_sem_timedwait(&o->u.sem, ms_until(abs, CLOCK_REALTIME));
  return ipf_sem_wait(&o->u.sem);
}

int ipf__pt_sem_post(sem_t *s) {
  STEP();
  obj *o = sem_obj(s);
  name_obj(o, NULL);
  return ipf_sem_post(&o->u.sem);
}

int ipf__pt_sem_getvalue(sem_t *s, int *v) {
  *v = (int)sem_obj(s)->u.sem.value;
  return 0;
}

/* ---- yield, sleep ------------------------------------------------------------------ */

void ipf__pt_yield(void) { STEP(); ipf_yield(); }

void ipf__pt_sleep_ns(long long ns) {
  STEP();
  ipf_sleep(ns <= 0 ? 0 : (long)(ns / 1000000));
}
