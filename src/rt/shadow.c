/* Plain accesses: the shadow table that decides which are scheduling
 * points, and the happens-before race detector (vector clocks) that checks
 * them.
 *
 * DESIGN. One open-addressing table keyed by 8-byte word, one cell per word
 * an instrumented access touched in this execution. Cells are tagged with
 * the run number, so a new execution starts with an empty table at no cost
 * (a stale cell is a free one); the table doubles when half full, and the
 * rehash depends only on which words are live, so what is a point never
 * depends on where memory happened to be. A word's first toucher owns it;
 * its accesses are not points until another managed thread touches the
 * word, from which access on every access to it is a point. So a switch
 * can fall between `a = 1` and `b = -1` once the two threads share them,
 * while thread-private heap traffic costs a table probe. Stacks (with the
 * static TLS glibc puts at their top) are skipped before the table.
 *
 * Spins on plain memory: a thread that loads the same value from the same
 * word again with no write of its own in between is waiting. On a shared
 * word that load is announced as IPF_PK_YIELD; on a word nobody else has
 * touched yet (main polling a counter its workers have not reached), after
 * 64 such repeats, so a polling loop lets the other threads run instead of
 * spinning for ever without a point.
 *
 * Race detection (FastTrack, Flanagan and Freund, PLDI 2009): each managed
 * thread has a vector clock, sync objects have one each (the scheduler's
 * edges in point.h and release/acquire atomics join them), and each cell
 * keeps the last write's epoch and the reads since (one epoch, or one per
 * thread once reads are concurrent), with byte masks so that neighbouring
 * fields of one word do not conflict. A write or read that is not ordered
 * after a conflicting earlier access of another thread ends the execution
 * with verdict BUG, kind data-race, naming both accesses. Where the cell
 * cannot keep everything (a write by another thread to different bytes of
 * the word replaces the old one) it forgets, which can only miss a race,
 * never invent one. All of it is per execution and driven by the
 * schedule, so a replay reports the same race at the same access.
 *
 * All memory here is mmap'd by the rt itself: the program's instrumented
 * code never touches it, and the scheduler is not instrumented.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ipcfault/run.h"
#include "rt.h"

#define MAXT 128                /* threads with a vector clock; beyond: detection off for the run */
#define CHUNK (1u << 20)

/* ---- per-execution arena ------------------------------------------------------ */

typedef struct chunk { struct chunk *next; size_t used; } chunk;
static chunk *arena_head, *arena_cur;

static void *arena_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n > CHUNK - sizeof(chunk)) return NULL;
  for (;;) {
    if (arena_cur && arena_cur->used + n <= CHUNK) {
      void *p = (char *)arena_cur + arena_cur->used;
      arena_cur->used += n;
      memset(p, 0, n);
      return p;
    }
    chunk *next = arena_cur ? arena_cur->next : arena_head;
    if (!next) {
      void *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED) return NULL;
      next = m;
      next->next = NULL;
      if (arena_cur) arena_cur->next = next; else arena_head = next;
    }
    next->used = (sizeof(chunk) + 15) & ~(size_t)15;
    arena_cur = next;
  }
}

static void arena_reset(void) {
  arena_cur = NULL;
}

/* ---- vector clocks ------------------------------------------------------------ */

typedef struct { uint32_t c[MAXT]; } vc;
typedef struct { uint32_t clk[MAXT]; uint8_t mask[MAXT]; uintptr_t pc[MAXT]; } rset;

static unsigned cur_gen;        /* the run the state below belongs to */
static int nthr;                /* 1 + highest managed id seen */
static int off;                 /* race detection given up for this run */
static vc *tvc[MAXT];

/* ---- the cell table ------------------------------------------------------------- */

typedef struct cell {
  uintptr_t key;                /* word address >> 3 */
  unsigned gen;
  int16_t owner;                /* first toucher */
  uint8_t shared;               /* touched by a second thread */
  uint8_t w_mask, r_mask;       /* bytes of the word the last write / read touched */
  uint16_t w_tid, r_tid;
  uint32_t w_clk, r_clk;
  uintptr_t w_pc, r_pc;
  rset *rs;                     /* concurrent reads, one epoch per thread */
} cell;

static cell *tab;
static unsigned tbits;
static size_t tlive;
static unsigned tstamp = 1;     /* changes whenever cells move or die (grow, new run) */

static inline size_t slot_of(uintptr_t key, unsigned bits) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

static int tab_grow(void) {
  unsigned nb = tbits ? tbits + 1 : 16;
  size_t n = (size_t)1 << nb;
  cell *t = mmap(NULL, n * sizeof *t, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (t == MAP_FAILED) return -1;
  if (tab) {
    size_t on = (size_t)1 << tbits;
    for (size_t i = 0; i < on; i++) {
      if (tab[i].gen != cur_gen) continue;
      size_t j = slot_of(tab[i].key, nb);
      while (t[j].gen == cur_gen) j = (j + 1) & (n - 1);
      t[j] = tab[i];
    }
    munmap(tab, on * sizeof *tab);
  }
  tab = t;
  tbits = nb;
  if (++tstamp == 0) tstamp = 1;
  return 0;
}

/* The word's cell; *fresh when this access is its first in the run. NULL:
 * out of memory (the access is then ignored). */
static cell *cell_get(uintptr_t key, int tid, int *fresh) {
  if (!tab || tlive + 1 > ((size_t)1 << tbits) / 2) if (tab_grow() < 0 && !tab) return NULL;
  size_t mask = ((size_t)1 << tbits) - 1;
  size_t i = slot_of(key, tbits);
  for (;;) {
    cell *c = &tab[i];
    if (c->gen != cur_gen) {
      if (tlive + 1 > mask) return NULL;          /* full and could not grow */
      memset(c, 0, sizeof *c);
      c->key = key;
      c->gen = cur_gen;
      c->owner = (int16_t)tid;
      tlive++;
      *fresh = 1;
      return c;
    }
    if (c->key == key) { *fresh = 0; return c; }
    i = (i + 1) & mask;
  }
}

/* ---- sync objects --------------------------------------------------------------- */

typedef struct { const void *key; unsigned gen; vc *v; } syncent;
static syncent *stab;
static unsigned sbits;
static size_t slive;

static vc *sync_vc(const void *key) {
  if (!stab || slive + 1 > ((size_t)1 << sbits) / 2) {
    unsigned nb = sbits ? sbits + 1 : 10;
    size_t n = (size_t)1 << nb;
    syncent *t = mmap(NULL, n * sizeof *t, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED) return NULL;
    if (stab) {
      size_t on = (size_t)1 << sbits;
      for (size_t i = 0; i < on; i++) {
        if (stab[i].gen != cur_gen) continue;
        size_t j = slot_of((uintptr_t)stab[i].key, nb);
        while (t[j].gen == cur_gen) j = (j + 1) & (n - 1);
        t[j] = stab[i];
      }
      munmap(stab, on * sizeof *stab);
    }
    stab = t;
    sbits = nb;
  }
  size_t mask = ((size_t)1 << sbits) - 1;
  size_t i = slot_of((uintptr_t)key, sbits);
  for (;;) {
    syncent *e = &stab[i];
    if (e->gen != cur_gen) {
      vc *v = arena_alloc(sizeof *v);
      if (!v) return NULL;
      e->key = key;
      e->gen = cur_gen;
      e->v = v;
      slive++;
      return v;
    }
    if (e->key == key) return e->v;
    i = (i + 1) & mask;
  }
}

/* ---- per-execution state ----------------------------------------------------------- */

static void new_run(unsigned gen) {
  cur_gen = gen;
  if (++tstamp == 0) tstamp = 1;
  tlive = slive = 0;
  nthr = 0;
  off = 0;
  arena_reset();
  memset(tvc, 0, sizeof tvc);
}

static inline void sync_gen(void) {
  unsigned g = *ipf__rt_livep;
  if (g != cur_gen) new_run(g);
}

/* Thread tid's clock, created at its first event of the run. */
static vc *thr_vc(int tid) {
  if (tid < 0 || tid >= MAXT) { off = 1; return NULL; }
  if (!tvc[tid]) {
    vc *v = arena_alloc(sizeof *v);
    if (!v) { off = 1; return NULL; }
    v->c[tid] = 1;
    tvc[tid] = v;
    if (tid + 1 > nthr) nthr = tid + 1;
  }
  return tvc[tid];
}

void ipf__rt_acquire(int tid, const void *sync) {
  if (!*ipf__rt_livep) return;
  sync_gen();
  vc *t = thr_vc(tid), *s = sync_vc(sync);
  if (!t || !s) { off = 1; return; }
  for (int i = 0; i < nthr; i++) if (s->c[i] > t->c[i]) t->c[i] = s->c[i];
}

void ipf__rt_release(int tid, const void *sync) {
  if (!*ipf__rt_livep) return;
  sync_gen();
  vc *t = thr_vc(tid), *s = sync_vc(sync);
  if (!t || !s) { off = 1; return; }
  for (int i = 0; i < nthr; i++) if (t->c[i] > s->c[i]) s->c[i] = t->c[i];
  t->c[tid]++;
}

/* ---- reports ------------------------------------------------------------------------- */

static __attribute__((noreturn)) void race(const void *addr, int prev_tid, int prev_write, uintptr_t prev_pc,
                                           int tid, int write, uintptr_t pc) {
  char obj[128], f1[256], f2[256], msg[1024];
  const struct ipf__rt_sched *S = ipf__rt_S;
  S->name_addr(addr, obj, sizeof obj);
  S->name_pc(prev_pc, f1, sizeof f1);
  S->name_pc(pc, f2, sizeof f2);
  snprintf(msg, sizeof msg,
           "data race on %s: %s by %s at %s, then %s by %s at %s, not ordered by happens-before",
           obj, prev_write ? "write" : "read", S->thread_name(prev_tid), f1,
           write ? "write" : "read", S->thread_name(tid), f2);
  S->report(IPF_VERDICT_BUG, "data-race", msg);
  abort();                      /* report() does not return */
}

/* FastTrack's checks and updates for one word; mask = the bytes accessed. */
static void check(cell *c, const void *addr, int tid, int write, uint8_t m, uintptr_t pc) {
  vc *T = thr_vc(tid);
  if (!T || off) return;
  const uint32_t *C = T->c;
  uint32_t now = C[tid];
  /* FastTrack's same-epoch rules: this thread already made this access
   * since its last release, and nothing since could be ordered after it
   * without that release, so there is nothing new to check or record */
  if (write) {
    if (c->w_tid == tid && c->w_clk == now && (c->w_mask & m) == m && !c->rs && !(c->r_mask & m)) return;
  } else if (!c->rs && c->r_tid == tid && c->r_clk == now && (c->r_mask & m) == m) {
    return;
  }
  if ((c->w_mask & m) && c->w_tid != tid && c->w_clk > C[c->w_tid])
    race(addr, c->w_tid, 1, c->w_pc, tid, write, pc);
  if (write) {
    if (c->rs) {
      for (int u = 0; u < nthr; u++)
        if (u != tid && (c->rs->mask[u] & m) && c->rs->clk[u] > C[u]) race(addr, u, 0, c->rs->pc[u], tid, 1, pc);
    } else if ((c->r_mask & m) && c->r_tid != tid && c->r_clk > C[c->r_tid]) {
      race(addr, c->r_tid, 0, c->r_pc, tid, 1, pc);
    }
    c->w_mask = (c->w_tid == tid && c->w_clk == now) ? (uint8_t)(c->w_mask | m) : m;
    c->w_tid = (uint16_t)tid;
    c->w_clk = now;
    c->w_pc = pc;
    /* reads of these bytes are ordered before this write now (checked) */
    if (c->rs) {
      int any = 0;
      for (int u = 0; u < nthr; u++) { c->rs->mask[u] &= (uint8_t)~m; any |= c->rs->mask[u]; }
      if (!any) c->rs = NULL;
    } else {
      c->r_mask &= (uint8_t)~m;
    }
    return;
  }
  if (c->rs) {
    c->rs->mask[tid] = c->rs->clk[tid] == now ? (uint8_t)(c->rs->mask[tid] | m) : m;
    c->rs->clk[tid] = now;
    c->rs->pc[tid] = pc;
    return;
  }
  if (!c->r_mask || c->r_tid == tid ||
      (c->r_clk <= C[c->r_tid] && (c->r_mask & (uint8_t)~m) == 0)) {
    /* the last read is this thread's or ordered before this one */
    c->r_mask = (c->r_tid == tid && c->r_clk == now) ? (uint8_t)(c->r_mask | m) : m;
    c->r_tid = (uint16_t)tid;
    c->r_clk = now;
    c->r_pc = pc;
    return;
  }
  rset *rs = arena_alloc(sizeof *rs);
  if (!rs) { off = 1; return; }
  rs->clk[c->r_tid] = c->r_clk;
  rs->mask[c->r_tid] = c->r_mask;
  rs->pc[c->r_tid] = c->r_pc;
  rs->clk[tid] = now;
  rs->mask[tid] = m;
  rs->pc[tid] = pc;
  c->rs = rs;
  c->r_mask = 0;
}

static uint64_t peek(const void *a, uintptr_t n) {
  uint64_t v = 0;
  memcpy(&v, a, n < 8 ? n : 8);
  return v;
}

/* Words of larger ranges (memset of a big buffer) beyond this many are not
 * looked at: the cost of a hook must stay bounded. */
#define MAX_WORDS 4096

void ipf__rt_plain(ipf__rt_thr *t, const void *addr, uintptr_t size, int write, uintptr_t pc) {
  sync_gen();
  uintptr_t a = (uintptr_t)addr, end = a + size;
  uintptr_t w0 = a >> 3, w1 = (end - 1) >> 3;
  if (w1 - w0 >= MAX_WORDS) w1 = w0 + MAX_WORDS - 1;
  /* first pass: is this access a point? */
  int point = 0;
  cell *c0 = NULL;
  for (uintptr_t w = w0; w <= w1; w++) {
    int fresh = 0;
    cell *c;
    if (w == t->ckey && t->cstamp == tstamp) {
      c = t->ccell;
    } else {
      c = cell_get(w, t->tid, &fresh);
      if (!c) return;
      t->ckey = w;
      t->ccell = c;
      t->cstamp = tstamp;
    }
    if (!c0) c0 = c;
    if (!fresh && !c->shared && c->owner != t->tid) c->shared = 1;
    if (c->shared) point = 1;
  }
  int switched = point;
  if (write) ipf__rt_note_write(t);
  uint64_t v = 0;
  if (!write && size <= 8) {
    v = peek(addr, size);
    if (ipf__rt_seen(t, addr, v)) {
      if (point || ++t->repeats >= 64) {
        t->repeats = 0;
        ipf__rt_S->point_op(IPF_PK_YIELD, "spinning on a shared read", addr, (unsigned)size, pc);
        sync_gen();
        switched = 1;
        point = 0;
      }
    } else {
      t->repeats = 0;
    }
  }
  if (point) {
    ipf__rt_S->point_op(write ? IPF_PK_WRITE : IPF_PK_READ, write ? "write" : "read", addr,
                        (unsigned)(size > 0xffffffffu ? 0xffffffffu : size), pc);
    sync_gen();
  }
  /* spin history: the value the program is about to load (others may have
   * written it while this thread waited at the point) */
  if (!write && size <= 8) ipf__rt_note_load(t, addr, peek(addr, size));
  if (!ipf__rt_races || off) return;
  /* second pass: the checks (after a switch the table may have grown while
   * others ran: look the cells up again) */
  for (uintptr_t w = w0; w <= w1; w++) {
    int fresh;
    cell *c = (w == w0 && !switched) ? c0 : cell_get(w, t->tid, &fresh);
    if (!c) return;
    uintptr_t lo = w << 3, hi = lo + 8;
    uintptr_t s = a > lo ? a : lo, e = end < hi ? end : hi;
    uint8_t m = (uint8_t)(((1u << (e - s)) - 1) << (s - lo));
    check(c, (const void *)(w == w0 ? a : lo), t->tid, write, m, pc);
  }
}
