/* Fault sites at run time: the installed plan, per-site counters, the chain
 * evaluation, and the libfiu bridge.
 *
 * DESIGN. ipf_exec installs one plan per execution (ipf__fault_begin), and
 * every IPF_FAULT call walks that site's chain as fault.h describes. Every
 * decision with more than one outcome — a p% check, the length of a plain
 * `short` — is drawn with ipf_choose, so it is part of the run's choice
 * stream: recorded in the schedule string and replayed exactly, whichever
 * thread asks. Nothing here uses libfiu's generator or any other global
 * random state.
 *
 * The counters (calls, fired, the live n* counts) are relaxed atomics, and
 * the n* decrement is a compare-and-swap. In a controlled run only one
 * thread runs at a time, so they need no atomicity there; they are atomics
 * for chaos and plain runs, where real threads hit the same site at once
 * (each call still consumes exactly one count). Relaxed, and never a lock,
 * because this file is instrumented by ThreadSanitizer: a mutex taken at
 * every io call would add happens-before edges between the program's
 * threads and hide exactly the races the kit exists to show.
 *
 * libfiu is the second control plane, opt-in (ipf_fiu_enable, IPCFAULT_FIU=1,
 * --fiu): when the plan says off, the site asks fiu_fail(name), so
 * fiu_enable() in a test and fiu-ctrl on a running process reach every site.
 * libfiu's decisions are its own (they do not replay); see fault.h for the
 * failnum encoding. fiu_fail takes a read lock, so asking it at every call
 * cost the framed pipe 11% and the queue half its speed: with the bridge off,
 * a site outside executions is the inline test of ipf__fault_live in fault.h
 * and nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fiu-control.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fiu.h declares fiu_fail only with FIU_ENABLE defined. */
#define FIU_ENABLE 1
#include <fiu.h>

#include "ipcfault/sched.h"
#include "internal.h"
#include "../sched/internal.h"
#include "../sched/exec.h"

/* ---- sites ------------------------------------------------------------------ */

static const char *const site_names[IPF_SITE_COUNT] = {
#define IPF_X_NAME(e, name, doc) name,
  IPF_FAULT_SITES(IPF_X_NAME)
#undef IPF_X_NAME
};

const char *ipf_site_name(int site) {
  return site >= 0 && site < IPF_SITE_COUNT ? site_names[site] : "?";
}

int ipf_site_find(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < IPF_SITE_COUNT; i++)
    if (!strcmp(site_names[i], name)) return i;
  return -1;
}

/* The site's "just fail" fault: what sweep injects and libfiu's failnum 1
 * means. An error the caller must report for io, channel, setup and queue
 * sites; an exception for pool tasks; a wakeup nobody sent for the cond
 * wait; a one-step stall for scheduling points (they cannot fail). */
static int default_action(int site, long *arg) {
  switch (site) {
  case IPF_SITE_POOL_TASK: *arg = 0; return IPF_ACT_THROW;
  case IPF_SITE_COND_WAIT: *arg = 0; return IPF_ACT_SPURIOUS;
  case IPF_SITE_SCHED_POINT: *arg = 1; return IPF_ACT_DELAY;
  default: *arg = EIO; return IPF_ACT_ERROR;
  }
}

const char *ipf_site_default_term(int site) {
  switch (site) {
  case IPF_SITE_POOL_TASK: return "throw";
  case IPF_SITE_COND_WAIT: return "spurious";
  case IPF_SITE_SCHED_POINT: return "delay(1)";
  default: return "error(EIO)";
  }
}

/* ---- the installed plan ------------------------------------------------------- */

static _Atomic(const ipf_plan *) active;
/* The per-site counters and the live n* counts of `active` are one run's
 * across its processes (sched.c, "Processes"): a fault a forked child fires
 * is counted, and an n* budget spent, for the whole run. So they live in a
 * shared mapping, made by each process at its first execution (before any
 * fork of the run); until then, in this zeroed copy. */
static struct fcounts {
  _Atomic long calls[IPF_SITE_COUNT];
  _Atomic long fired[IPF_SITE_COUNT];
  _Atomic long remaining[IPF_PLAN_MAX_TERMS];
} F_boot, *F = &F_boot;
static pid_t F_pid;
#define calls (F->calls)
#define fired (F->fired)
#define remaining (F->remaining)
static __thread int in_fault;                         /* a delay must not re-enter */
void ipf__fault_thread_reset(void) { in_fault = 0; }

_Atomic int ipf__sched_point_armed;
static char clean_err[256];
static _Atomic int clean_set;

/* The inline gate of ipf_fault (fault.h): an execution is in progress, or
 * the bridge is on. A plain int read with __atomic relaxed loads. */
int ipf__fault_live;
static _Atomic int fiu_on;

int ipf_fiu_enable(void) {
  atomic_store_explicit(&fiu_on, 1, memory_order_relaxed);
  __atomic_store_n(&ipf__fault_live, 1, __ATOMIC_RELAXED);
  return 0;
}
int ipf_fiu_enabled(void) { return atomic_load_explicit(&fiu_on, memory_order_relaxed); }

__attribute__((constructor)) static void fiu_from_env(void) {
  const char *e = getenv("IPCFAULT_FIU");
  if (e && *e && strcmp(e, "0")) ipf_fiu_enable();
}

/* A peer image (sched.c, ipf_exec_peer) joins the run's plan: the same
 * text, parsed in this image, over the run's counters (not reset). */
const char *ipf__fault_plan_text_now(void) {
  const ipf_plan *p = atomic_load_explicit(&active, memory_order_relaxed);
  return p ? ipf__plan_text(p) : NULL;
}

int ipf__fault_adopt(const char *text) {
  int created;
  struct fcounts *m = ipf__shared_get(IPF_SHK_FAULT, sizeof *m, &created);
  if (m) { F = m; F_pid = getpid(); }
  __atomic_store_n(&ipf__fault_live, 1, __ATOMIC_RELAXED);
  if (!text || !*text) return 0;
  ipf_plan *p = NULL;
  char err[256];
  if (ipf_plan_parse(text, "plan", &p, err, sizeof err)) return -EINVAL;
  atomic_store_explicit(&ipf__sched_point_armed, ipf_plan_has(p, IPF_SITE_SCHED_POINT), memory_order_relaxed);
  atomic_store_explicit(&active, p->total ? p : NULL, memory_order_release);   /* kept for the image's life */
  return 0;
}

void ipf__fault_begin(const ipf_plan *p) {
  if (F_pid != getpid()) {
    int created;
    struct fcounts *m = ipf__shared_get(IPF_SHK_FAULT, sizeof *m, &created);
    if (m) { F = m; F_pid = getpid(); }
  }
  __atomic_store_n(&ipf__fault_live, 1, __ATOMIC_RELAXED);
  atomic_store_explicit(&active, NULL, memory_order_relaxed);
  atomic_store_explicit(&ipf__sched_point_armed, ipf_plan_has(p, IPF_SITE_SCHED_POINT), memory_order_relaxed);
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    atomic_store_explicit(&calls[i], 0, memory_order_relaxed);
    atomic_store_explicit(&fired[i], 0, memory_order_relaxed);
  }
  for (int i = 0; p && i < p->total; i++)
    atomic_store_explicit(&remaining[i], p->terms[i].count, memory_order_relaxed);
  atomic_store_explicit(&clean_set, 0, memory_order_relaxed);
  clean_err[0] = 0;
  /* release: a thread that sees the plan sees its counts reset (the
   * execution's threads are started after this anyway) */
  atomic_store_explicit(&active, p && p->total ? p : NULL, memory_order_release);
}

void ipf__fault_end(void) {
  atomic_store_explicit(&ipf__sched_point_armed, 0, memory_order_relaxed);
  atomic_store_explicit(&active, NULL, memory_order_release);
  __atomic_store_n(&ipf__fault_live, ipf_fiu_enabled(), __ATOMIC_RELAXED);
}

void ipf_fault_stats(int site, long *c, long *f) {
  int ok = site >= 0 && site < IPF_SITE_COUNT;
  if (c) *c = ok ? atomic_load_explicit(&calls[site], memory_order_relaxed) : 0;
  if (f) *f = ok ? atomic_load_explicit(&fired[site], memory_order_relaxed) : 0;
}

/* Take one from a live count; 0 when it is used up (another thread may
 * have taken the last one in a chaos run). */
static int take_count(int i) {
  long r = atomic_load_explicit(&remaining[i], memory_order_relaxed);
  while (r > 0)
    if (atomic_compare_exchange_weak_explicit(&remaining[i], &r, r - 1, memory_order_relaxed,
                                              memory_order_relaxed))
      return 1;
  return 0;
}

/* Walk the site's chain; see fault.h for the semantics. */
static int eval_chain(const ipf_plan *p, int site, long *arg, int *matched) {
  *matched = 0;
  int first = p->first[site], n = p->nterms[site];
  for (int i = first; i < first + n; i++) {
    const ipf_term *t = &p->terms[i];
    if (t->count >= 0 && atomic_load_explicit(&remaining[i], memory_order_relaxed) <= 0) continue;
    if (t->pct < 100) {
      /* one recorded decision: did the p% draw hit? 0% never draws */
      if (t->pct == 0 || !ipf__fault_hit((unsigned)t->pct)) continue;
    }
    if (t->count >= 0 && !take_count(i)) continue;
    *matched = 1;
    *arg = t->arg;
    return t->action;
  }
  return IPF_ACT_OFF;
}

/* ---- libfiu -------------------------------------------------------------------- */

static int fiu_action(int site, long *arg) {
  /* libfiu's own locks (pthread_rwlock) are libfiu's business, not the
   * program's: the interposers pass them through (src/sched/real.h) */
  int guard = ipf__pt_guard;
  ipf__pt_guard = 1;
  int failnum = fiu_fail(site_names[site]);
  long info = failnum ? (long)(intptr_t)fiu_failinfo() : 0;
  ipf__pt_guard = guard;
  if (!failnum) return IPF_ACT_OFF;
  if (failnum < 0) { *arg = -(long)failnum; return IPF_ACT_ERROR; }
  if (failnum >= IPF_ACT_SHORT && failnum <= IPF_ACT_CRASH) {
    *arg = info;
    if (failnum == IPF_ACT_DELAY && info == 0) *arg = 1;
    return failnum;
  }
  return default_action(site, arg);
}

/* ---- the site ---------------------------------------------------------------------- */

static const char *act_name(int a) {
  static const char *const n[] = { "off", "error", "short", "eof", "reset", "epipe", "eintr",
                                   "delay", "spurious", "throw", "crash" };
  return a >= 0 && a <= IPF_ACT_CRASH ? n[a] : "?";
}

int ipf__fault_decide(int site, long *arg) {
  long dummy;
  if (!arg) arg = &dummy;
  *arg = 0;
  if (site < 0 || site >= IPF_SITE_COUNT || in_fault) return IPF_ACT_OFF;
  atomic_fetch_add_explicit(&calls[site], 1, memory_order_relaxed);
  int act = IPF_ACT_OFF, matched = 0;
  const ipf_plan *p = atomic_load_explicit(&active, memory_order_acquire);
  if (p && p->nterms[site]) {
    ipf__dfs_touch(IPF_PK_SYNC, &calls[site]);
    act = eval_chain(p, site, arg, &matched);
  }
  if (act == IPF_ACT_OFF && atomic_load_explicit(&fiu_on, memory_order_relaxed)) {
    act = fiu_action(site, arg);
    if (act == IPF_ACT_OFF) *arg = 0;
  }
  if (act == IPF_ACT_OFF) return act;
  /* what a fired fault does is not modelled for dfs (a disconnect swaps
   * the object behind an fd): dependent on everything */
  ipf__dfs_touch(IPF_PK_OTHER, NULL);
  atomic_fetch_add_explicit(&fired[site], 1, memory_order_relaxed);
  ipf__fault_fired();
  if (act == IPF_ACT_ERROR || act == IPF_ACT_DELAY || act == IPF_ACT_SHORT)
    ipf_note("fault %s: %s(%ld)%s", site_names[site], act_name(act), act == IPF_ACT_DELAY && *arg < 0 ? -*arg : *arg,
             act == IPF_ACT_DELAY && *arg < 0 ? " ms" : "");
  else
    ipf_note("fault %s: %s", site_names[site], act_name(act));
  if (act == IPF_ACT_DELAY) {
    /* carried out here, so a caller may treat delay as off; sites reached
     * from inside the delay (none today) are not faulted again */
    in_fault = 1;
    if (*arg > 0) for (long k = 0; k < *arg; k++) ipf_yield();
    else ipf_sleep(-*arg);
    in_fault = 0;
  }
  return act;
}

size_t ipf_fault_short_len(long arg, size_t len) {
  if (len <= 1) return len ? len : 1;
  if (arg > 0) return (size_t)arg < len ? (size_t)arg : len;
  size_t span = len - 1;
  if (span > 0xFFFFFFFFu) span = 0xFFFFFFFFu;
  return 1 + ipf_choose((unsigned)span);
}

/* ---- clean errors --------------------------------------------------------------------- */

void ipf_clean_error(const char *fmt, ...) {
  int expected = 0;
  /* the first one wins; relaxed, so that a second caller's failed exchange
   * adds no happens-before edge between program threads (TSan) */
  if (!atomic_compare_exchange_strong_explicit(&clean_set, &expected, 1, memory_order_relaxed,
                                               memory_order_relaxed))
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(clean_err, sizeof clean_err, fmt, ap);
  va_end(ap);
  atomic_store_explicit(&clean_set, 2, memory_order_release);
}

const char *ipf_clean_error_text(void) {
  return atomic_load_explicit(&clean_set, memory_order_acquire) == 2 ? clean_err : NULL;
}

/* ---- libfiu remote control ---------------------------------------------------------- */

int ipf_fiu_remote(const char *prefix) {
  char def[4096];
  if (!prefix) {
    const char *tmp = getenv("TMPDIR");
    /* fiu-ctrl's own default, so that `fiu-ctrl -c ... PID` finds us */
    snprintf(def, sizeof def, "%s/fiu-ctrl", tmp && *tmp ? tmp : "/tmp");
    prefix = def;
  }
  ipf_fiu_enable();
  if (fiu_init(0) != 0) return -EIO;
  /* libfiu creates prefix-PID.in/.out (mode 0600), serves them from a
   * thread of its own and unlinks them at exit (atexit) */
  errno = 0;
  if (fiu_rc_fifo(prefix) != 0) return errno ? -errno : -EIO;
  return 0;
}
