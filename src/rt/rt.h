/* The memory runtime's internals, shared by its two files: the `__tsan_*`
 * entry points (abi.c) and the shadow table with race detection (shadow.c).
 * Not installed.
 *
 * DESIGN. Every hook starts with one load of the scheduler's run number
 * (point.h: live) and returns when no controlled run is in progress, which
 * is all a program built with `ipcfault cc` pays when it runs alone. Inside
 * a run the calling thread's state (its managed id, its stack bounds, its
 * recent loads for spin detection) is thread-local, refreshed once per
 * execution when the run number changes. Only one managed thread runs at a
 * time, so the shared state in shadow.c needs no lock.
 */
#ifndef IPCFAULT_RT_RT_H
#define IPCFAULT_RT_RT_H

#include <stdint.h>
#include "../sched/point.h"

#define IPF_RT_SPIN_HIST 4

typedef struct ipf__rt_thr {
  unsigned gen;                 /* run number this state belongs to */
  int tid;                      /* managed id in that run, -1: not managed */
  uintptr_t stk_lo, stk_len;    /* this pthread's stack (and static TLS) block */
  /* spin detection: the loads since this thread's last write */
  struct { const void *addr; uint64_t val; } hist[IPF_RT_SPIN_HIST];
  unsigned nhist;
  unsigned repeats;             /* consecutive repeated loads not taken as points */
  /* the last word this thread looked up (shadow.c), valid while the
   * table's stamp is unchanged */
  uintptr_t ckey;
  void *ccell;
  unsigned cstamp;
} ipf__rt_thr;

extern const struct ipf__rt_sched *ipf__rt_S;      /* NULL until attached */
extern const volatile unsigned *ipf__rt_livep;     /* points at 0 until attached */
extern int ipf__rt_races;                          /* race detection on */
extern __thread ipf__rt_thr ipf__rt_self __attribute__((tls_model("initial-exec")));

void ipf__rt_refresh(ipf__rt_thr *t, unsigned gen);

/* The calling thread's state when it is managed in a live run, else NULL. */
static inline ipf__rt_thr *ipf__rt_me(void) {
  unsigned g = *ipf__rt_livep;
  if (__builtin_expect(g == 0, 1)) return 0;
  ipf__rt_thr *t = &ipf__rt_self;
  if (__builtin_expect(t->gen != g, 0)) ipf__rt_refresh(t, g);
  return t->tid >= 0 ? t : 0;
}

/* Spin detection (abi.c, shadow.c): has this thread loaded this value from
 * this address since its last write? Then the load is a wait, announced as
 * IPF_PK_YIELD. */
static inline int ipf__rt_seen(const ipf__rt_thr *t, const void *a, uint64_t v) {
  for (unsigned i = 0; i < t->nhist && i < IPF_RT_SPIN_HIST; i++)
    if (t->hist[i].addr == a && t->hist[i].val == v) return 1;
  return 0;
}
static inline void ipf__rt_note_load(ipf__rt_thr *t, const void *a, uint64_t v) {
  unsigned i = t->nhist++ % IPF_RT_SPIN_HIST;
  t->hist[i].addr = a;
  t->hist[i].val = v;
}
static inline void ipf__rt_note_write(ipf__rt_thr *t) { t->nhist = 0; t->repeats = 0; }

/* shadow.c: a plain access of size bytes at addr (any alignment, any size:
 * split into words), not on the thread's stack. */
void ipf__rt_plain(ipf__rt_thr *t, const void *addr, uintptr_t size, int write, uintptr_t pc);
/* shadow.c: happens-before edges (point.h hooks, and release/acquire atomics). */
void ipf__rt_acquire(int tid, const void *sync);
void ipf__rt_release(int tid, const void *sync);

#endif
