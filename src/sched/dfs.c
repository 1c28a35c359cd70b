/* The systematic search (`--strategy dfs`): stateless depth-first search
 * over every decision of an execution, with a preemption bound, a fault
 * bound and partial-order reduction (DPOR with sleep sets).
 *
 * DESIGN. The search keeps one stack of decision frames: (kind, number of
 * options, option chosen, and for thread decisions the bound state and the
 * footprint of each option explored). An execution replays the stack as a
 * prefix, then takes the first allowed option of every new decision and
 * pushes a frame for it; afterwards backtrack() advances the deepest frame
 * that has an untried allowed option (reduced: one in its backtrack set)
 * and drops the frames above it. There
 * are no snapshots: every execution runs from the start (sched.c, as for any
 * other strategy), which is sound as long as the program is a deterministic
 * function of its decisions — a replayed frame whose option count differs is
 * reported as an error, never ignored.
 *
 * Decisions: which thread runs (ipf__dfs_pick), which waiter a signal wakes
 * and any other ipf_choose (ipf__dfs_value: every option), whether a fault
 * the plan allows fires (ipf__dfs_fault: no, then yes while fewer than
 * max-faults have fired in this execution).
 *
 * Preemption bound: option j of a thread decision costs one preemption when
 * the running thread could go on (cur >= 0) and j is another thread; an
 * option that would exceed the bound is not taken. Such a cut is noted
 * (bound_hit).
 *
 * Reduction: DPOR with sleep sets (Flanagan and Godefroid, POPL 2005).
 * The transition a thread runs between two thread decisions has a
 * footprint, gathered as it runs: the operation it announced at its point
 * (point.h) plus every sync object it touched (the happens-before edges,
 * blocks, fault-site counters; anything unmodelled is IPF_PK_OTHER,
 * dependent on everything). A new thread decision explores one option (the
 * running thread's, where it may go on); the others only once the race
 * analysis after an execution (races(), below) asks for them, in the
 * decision's backtrack set. After option j of a decision is explored, j's
 * thread sleeps in its later siblings' subtrees until a transition
 * dependent on j's footprint runs; a sleeping thread is not scheduled (that
 * branch is "pruned as equivalent"). When every candidate sleeps the
 * execution is redundant: it runs to its end without new frames and does
 * not count as a schedule (the scheduler cannot abandon threads cheaply
 * mid-run).
 *
 * Bound and reduction together. DPOR with sleep sets is sound for the full
 * (unbounded) search: every Mazurkiewicz trace is explored, and sleep sets
 * complete no two equivalent executions. Refusing options by preemptions
 * breaks that argument (Coons, Musuvathi, McKinley, "Bounded Partial-Order
 * Reduction", OOPSLA 2013: the bound makes otherwise independent
 * transitions dependent, and a pruned ordering's representative may be one
 * the bound cut). So a reduced search counts as a proof only when the bound
 * refused no option the reduction asked for: it was then exactly the
 * unbounded search, and covered every schedule at every preemption count.
 * When the bound did refuse one, the driver (explore.c) repeats that level
 * as plain bounded DFS, whose claim ("every schedule up to K preemptions")
 * needs no reduction argument. The guarantee is relative
 * to the scheduler's own rules (spin-waiters that yielded are not scheduled
 * while another thread can run) and to the dependence relation, which
 * assumes that threads share state only through scheduling points and the
 * kit's sync objects (a data race breaks it; that is a TSan finding).
 *
 * Processes (issue 13's runs). A decision a forked child takes must land on
 * the stack its root process backtracks, so all of this state lives in a
 * shared arena (below) that the run's processes inherit. Once a run has
 * forked, every footprint is "other" (dependent on everything): an address
 * no longer names one object (see fp_add), so after a fork the reduction
 * prunes nothing and the search is plain DFS, sound by construction.
 * A peer image (ipf_exec_peer) maps it at the same address (sched.c passes
 * its memfd along with the run's state). exec mode (src/cli/exec.c) uses
 * the same arena across an exec: the command runs ipf__dfs_search with a
 * runner that asks the program's forkserver for each execution, and the
 * program maps the arena at the command's address, so its executions push
 * and replay frames on the command's stack exactly as an in-process
 * execution does: no second copy of the search, and the prefix to replay
 * and the option counts to backtrack over never need a wire format.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "dfs.h"

#define FP_MAX 8

typedef struct fp { int other; int n; ipf__op op[FP_MAX]; } fp;

enum { F_THREAD, F_VALUE, F_FAULT };

typedef struct sleeper { int tid; fp f; } sleeper;

typedef struct frame {
  int type;
  unsigned n, chosen;
  int cur;                  /* thread: index of the running thread when leaving it preempts, else -1 */
  long pre;                 /* preemptions before this decision */
  int faults;               /* faults fired before this decision */
  int *tid;                 /* thread: candidates' ids */
  fp *fp;                   /* thread: footprint of each explored option */
  unsigned char *done;      /* thread: options explored */
  unsigned char *bt;        /* thread: options to explore (the backtrack set; every option in plain search) */
  unsigned char *seen;      /* thread: options whose footprint has been recorded */
  sleeper *sleep;           /* thread: the sleep set on entry */
  int nsleep;
  long sx, sp;              /* shard split: mixed-radix index and range of the split decisions above */
} frame;

/* The search's state: in the shared arena (below) once a search begins in
 * this process, so that every process of a run reads and extends the same
 * stack. */
typedef struct dstate {
  int on;
  frame *st; size_t nst, cap;
  size_t pos;               /* next frame to replay */
  size_t replayed;          /* frames this execution replays unchanged (the prefix) */
  int K, F, reduce;
  int faults;               /* fired in this execution */
  int redundant;            /* every candidate slept: the rest of this execution is free */
  long last_tf;             /* frame of the running transition's decision, -1 */
  fp cur;                   /* the running transition's footprint */
  int nondet;
  int unstable;             /* a replayed transition touched what it had not before */
  char why[200];
  long pruned;
  int bound_hit;
  int shard_i, shard_n;     /* search only the subtrees of shard I of N (ipf__dfs_shard) */
  long split;               /* split until this many subtrees (8 N: shards of similar size) */
  int foreign;              /* this execution left the shard's subtrees: not counted */
  long exec_pre;            /* preemptions this execution took (for a runner that cannot say) */
  /* object names (below) */
  struct slot *ids;
  size_t idcap;
  uint32_t idgen, nextid;
  /* the arena's allocator (below) */
  size_t used;
  void *freel[64];
} dstate;
static dstate D_boot, *Dp = &D_boot;
#define D (*Dp)

/* ---- the shared arena ----------------------------------------------------------
 * A run may span processes (ipf_fork): a decision a forked child takes is
 * pushed on the stack the parent backtracks. So the search's state (D, the
 * frame stack, every per-frame array, the name table) lives in one
 * MAP_SHARED | MAP_NORESERVE mapping made by the process that runs the
 * search, before its first execution and so before any fork of a run; the
 * run's processes inherit it at the same address, pointers included. Pages
 * cost memory only once touched. Only the thread holding the run's token
 * takes decisions, so the allocator needs no lock. It is a bump allocator
 * with a free list per power-of-two size class (a block's class is in the
 * 16 bytes before it): the stack grows and shrinks as the search
 * backtracks, and freed blocks are reused by the frames pushed next. A
 * process forked outside a run (a campaign's cell) inherits its parent's
 * arena, which is the parent's: it makes its own at its first search
 * (arena_pid tells), as sched.c does with the run's state. Exceeding the
 * arena is a clear error, never a silent cut. */
#define ARENA_BYTES ((size_t)1 << 30)
static char *arena;
static pid_t arena_pid;
static int arena_fd = -1;           /* a memfd: exec mode's program maps the same (ipf__dfs_attach) */

/* Below the run's state (sched.c's state_map hint, 0x3f0000000000; in TSan
 * builds 0x7e8100000000), for the same reason: away from where a fresh
 * image's loader, heap and stack go, so that a peer image or exec mode's
 * program finds the range free to map the arena at the same address. Only
 * a hint: taken, the kernel picks. */
static void *arena_hint(void) {
#ifdef IPF_TSAN
  return (void *)0x7e8000000000ull;
#else
  return (void *)0x3e0000000000ull;
#endif
}

static void arena_make(void) {
  if (arena && arena_pid == getpid()) return;
  int si = D.shard_i, sn = D.shard_n;            /* settings made before (ipf__dfs_shard) */
  long split = D.split;
  if (arena) {                                   /* a forked copy's inheritance: the parent's */
    Dp = &D_boot;
    munmap(arena, ARENA_BYTES);
    close(arena_fd);
    arena = NULL;
    arena_fd = -1;
  }
  int fd = memfd_create("ipcfault-dfs", MFD_CLOEXEC);
  char *m = MAP_FAILED;
  if (fd >= 0 && ftruncate(fd, (off_t)ARENA_BYTES) == 0)
    m = mmap(arena_hint(), ARENA_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (m == MAP_FAILED) {
    fprintf(stderr, "ipcfault: dfs: cannot map the search's shared arena (%zu MiB): %s\n", ARENA_BYTES >> 20,
            strerror(errno));
    abort();
  }
  dstate *d = (dstate *)m;
  d->shard_i = si;
  d->shard_n = sn;
  d->split = split;
  d->used = (sizeof *d + 63) & ~(size_t)63;
  arena = m;
  arena_fd = fd;
  arena_pid = getpid();
  Dp = d;
}

int ipf__dfs_arena(void **base, size_t *size) {
  arena_make();
  *base = arena;
  *size = ARENA_BYTES;
  return arena_fd;
}

int ipf__dfs_arena_now(void **base, size_t *size) {
  if (!arena || arena_fd < 0) return -1;
  *base = arena;
  *size = ARENA_BYTES;
  return arena_fd;
}

int ipf__dfs_attach(int fd, void *base, size_t size, int keep) {
  if (size != ARENA_BYTES) { errno = EINVAL; return -EINVAL; }     /* another build of the kit */
  char *m = mmap(base, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, fd, 0);
  if (m == MAP_FAILED) return -errno;
  if (m != base) { munmap(m, size); errno = EEXIST; return -EEXIST; }   /* a kernel without MAP_FIXED_NOREPLACE */
  arena = m;
  arena_pid = getpid();
  if (keep) arena_fd = fd;
  Dp = (dstate *)m;
  return 0;
}

/* The search's bookkeeping is invisible to TSan (this file is built
 * uninstrumented in TSan builds, like the scheduler: no happens-before edge
 * the program lacks). TSan still intercepts memset and memcpy, even from
 * uninstrumented code, and the arena is not its allocator's: so in TSan
 * builds the arena's memory is cleared and copied by plain loops, which are
 * not calls. */
#ifdef IPF_TSAN
static void sh_zero(void *p, size_t n) {
  volatile unsigned char *c = p;
  while (n--) *c++ = 0;
}
static void sh_copy(void *d, const void *s, size_t n) {
  volatile unsigned char *a = d;
  const volatile unsigned char *b = s;
  while (n--) *a++ = *b++;
}
#else
#define sh_zero(p, n) memset((p), 0, (n))
#define sh_copy(d, s, n) memcpy((d), (s), (n))
#endif

static void *sh_alloc(size_t bytes) {
  unsigned c = 4;                              /* 16 bytes at least */
  while (((size_t)1 << c) < bytes + 16) c++;
  size_t sz = (size_t)1 << c;
  char *b = D.freel[c];
  if (b) {
    D.freel[c] = *(void **)(b + 16);
    sh_zero(b + 16, sz - 16);
  } else {
    if (D.used + sz > ARENA_BYTES) {
      fprintf(stderr, "ipcfault: dfs: the search's state outgrew its shared arena (%zu MiB)\n",
              ARENA_BYTES >> 20);
      abort();
    }
    b = arena + D.used;                        /* never used: zero */
    D.used += sz;
  }
  *(unsigned *)b = c;
  return b + 16;
}

static void sh_free(void *p) {
  if (!p) return;
  char *b = (char *)p - 16;
  unsigned c = *(unsigned *)b;
  *(void **)p = D.freel[c];
  D.freel[c] = b;
}

static void *sh_realloc(void *p, size_t old, size_t bytes) {
  if (p && ((size_t)1 << *(unsigned *)((char *)p - 16)) >= bytes + 16) return p;
  void *n = sh_alloc(bytes);
  if (p) { sh_copy(n, p, old < bytes ? old : bytes); sh_free(p); }
  return n;
}

/* ---- object names ------------------------------------------------------------ */

/* Footprints outlive the execution that recorded them, but addresses do
 * not mean the same thing in two executions: a heap object may sit
 * elsewhere next time. So an object is named by the order in which this
 * execution first touched it (memory by its 8-byte word). Two executions
 * that share a prefix give the objects touched in it the same names; the
 * first object a transition after the prefix touches gets the same next
 * name in both, so two transitions that each touch something new always
 * look dependent: names can only add dependences, never hide one. Static
 * data (the globals of the program and of every library loaded) stays where
 * it is, so an object there keeps its address as its name: two globals
 * first touched in another order are not mistaken for one "new" object. */
static uint32_t obj_id(uintptr_t key);

#define MAX_RANGES 32
static struct { uintptr_t lo, hi; } ranges[MAX_RANGES];
static int nranges = -1;

static int add_ranges(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size; (void)arg;
  for (int i = 0; i < info->dlpi_phnum && nranges < MAX_RANGES; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
    ranges[nranges].lo = info->dlpi_addr + ph->p_vaddr;
    ranges[nranges].hi = ranges[nranges].lo + ph->p_memsz;
    nranges++;
  }
  return 0;
}

static uintptr_t name_of(uintptr_t key) {
  if (nranges < 0) { nranges = 0; dl_iterate_phdr(add_ranges, NULL); }
  for (int i = 0; i < nranges; i++)
    if (key >= ranges[i].lo && key < ranges[i].hi) return key;
  return obj_id(key) + 1;               /* small numbers: never an address */
}

struct slot { uintptr_t key; uint32_t id, gen; };

static void ids_reset(void) {
  if (++D.idgen == 0) { sh_zero(D.ids, D.idcap * sizeof *D.ids); D.idgen = 1; }
  D.nextid = 0;
}

static size_t slot_of(uintptr_t key, size_t cap) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

static uint32_t obj_id(uintptr_t key) {
  if (2 * (size_t)(D.nextid + 1) > D.idcap) {
    size_t cap = D.idcap ? 2 * D.idcap : 1024;
    struct slot *n = sh_alloc(cap * sizeof *n), *o = D.ids;
    for (size_t i = 0; i < D.idcap; i++)
      if (o[i].gen == D.idgen) {
        size_t h = slot_of(o[i].key, cap);
        while (n[h].gen == D.idgen) h = (h + 1) & (cap - 1);
        n[h] = o[i];
      }
    sh_free(o);
    D.ids = n; D.idcap = cap;
  }
  size_t h = slot_of(key, D.idcap);
  while (D.ids[h].gen == D.idgen) {
    if (D.ids[h].key == key) return D.ids[h].id;
    h = (h + 1) & (D.idcap - 1);
  }
  D.ids[h] = (struct slot){ key, D.nextid, D.idgen };
  return D.nextid++;
}

/* ---- footprints ------------------------------------------------------------- */

static void fp_put(fp *f, int kind, const void *obj, unsigned size) {
  if (f->other) return;
  for (int i = 0; i < f->n; i++)
    if (f->op[i].kind == kind && f->op[i].obj == obj && f->op[i].size == size) return;
  if (f->n == FP_MAX) { f->other = 1; return; }      /* too much to list: dependent on all */
  f->op[f->n++] = (ipf__op){ .kind = kind, .obj = obj, .size = size };
}

/* Add an operation as the program sees it (an address), named (above). */
static void fp_add(fp *f, int kind, const void *obj, unsigned size) {
  if (f->other) return;
  /* Once the run has forked, an address no longer names one object: the
   * same private address is two objects (harmless: a false dependence), but
   * one shared object mapped after the fork may sit at two addresses, and
   * two names would hide the dependence. Dependent on everything, then. */
  if (ipf__multiproc()) { f->other = 1; return; }
  if (kind == IPF_PK_OTHER || (!obj && kind != IPF_PK_YIELD)) { f->other = 1; return; }
  if (kind == IPF_PK_YIELD) return;                      /* independent of everything */
  int mem = kind >= IPF_PK_READ && kind <= IPF_PK_ATOMIC_RMW;
  if (!mem) {
    fp_put(f, kind, (const void *)name_of((uintptr_t)obj), 0);
    return;
  }
  uintptr_t a = (uintptr_t)obj, end = a + (size ? size : 1);
  for (uintptr_t w = a & ~(uintptr_t)7; w < end && !f->other; w += 8)
    fp_put(f, kind, (const void *)name_of(w | 1), 1);   /* |1: a word is not the object at its address */
}

static void fp_union(fp *a, const fp *b) {
  if (b->other) a->other = 1;
  for (int i = 0; i < b->n && !a->other; i++) fp_put(a, b->op[i].kind, b->op[i].obj, b->op[i].size);
}

static int fp_has(const fp *f, const ipf__op *o) {
  for (int i = 0; i < f->n; i++)
    if (f->op[i].kind == o->kind && f->op[i].obj == o->obj && f->op[i].size == o->size) return 1;
  return 0;
}

static int fp_subset(const fp *a, const fp *b) {
  if (b->other) return 1;
  if (a->other) return 0;
  for (int i = 0; i < a->n; i++) if (!fp_has(b, &a->op[i])) return 0;
  return 1;
}

static int fp_dep(const fp *a, const fp *b) {
  if (a->other || b->other) return 1;
  for (int i = 0; i < a->n; i++)
    for (int j = 0; j < b->n; j++)
      if (ipf__op_dependent(&a->op[i], &b->op[j])) return 1;
  return 0;
}

void ipf__dfs_touch(int kind, const void *obj) {
  if (D.on && !D.redundant) fp_add(&D.cur, kind, obj, 0);
}

/* ---- frames ------------------------------------------------------------------- */

/* Sharding (campaign --shard I/N). The decisions with more than one
 * option, from the first, are split decisions until the product of their
 * option counts reaches 8 N (not N: the tree is lopsided, and many small
 * subtrees dealt round-robin give shards of more similar sizes); the options
 * taken at them form a mixed-radix number X, and a schedule belongs to shard X mod N. Every schedule has one
 * X, so the shards partition the tree exactly: their union is the unsharded
 * search and no schedule is in two. At the last split decision only the
 * options of this shard are taken (whole subtrees are skipped); a schedule
 * that ends before the split is complete is run by every shard and counted
 * by its owner only. The option counts at a decision are the same in every
 * shard (the same prefix), so all shards agree on X. Plain search only: a
 * sleep set is built from the siblings explored before, which another shard
 * explores (ipf__dfs_search turns reduction off when N > 1). */
static void split_state(size_t i, long *sx, long *sp) {
  *sx = 0; *sp = 1;
  if (i == 0) return;
  const frame *p = &D.st[i - 1];
  *sx = p->sx; *sp = p->sp;
  if (D.shard_n > 1 && p->sp < D.split && p->n > 1) { *sx = p->sx * p->n + p->chosen; *sp = p->sp * p->n; }
}

static int in_shard(const frame *f, unsigned j) {
  if (D.shard_n <= 1 || f->sp >= D.split || f->n < 2 || f->sp * (long)f->n < D.split) return 1;
  return (f->sx * (long)f->n + j) % D.shard_n == D.shard_i;
}

/* The execution just run is this shard's. */
static int owned(void) {
  if (D.shard_n <= 1) return 1;
  if (D.foreign) return 0;
  long sx, sp;
  split_state(D.nst, &sx, &sp);
  return sp >= D.split || sx % D.shard_n == D.shard_i;
}

void ipf__dfs_shard(int i, int n) {
  arena_make();
  D.shard_i = n > 1 ? i : 0;
  D.shard_n = n > 1 ? n : 1;
  D.split = 8L * D.shard_n;
}

static frame *push(int type, unsigned n) {
  if (D.nst == D.cap) {
    size_t cap = D.cap ? 2 * D.cap : 256;
    D.st = sh_realloc(D.st, D.cap * sizeof *D.st, cap * sizeof *D.st);
    D.cap = cap;
  }
  frame *f = &D.st[D.nst++];
  sh_zero(f, sizeof *f);
  split_state(D.nst - 1, &f->sx, &f->sp);
  f->type = type;
  f->n = n;
  f->cur = -1;
  f->faults = D.faults;
  return f;
}

static void frame_free(frame *f) {
  sh_free(f->tid); sh_free(f->fp); sh_free(f->done); sh_free(f->bt); sh_free(f->seen); sh_free(f->sleep);
}

static int asleep(const frame *f, int tid) {
  for (int i = 0; i < f->nsleep; i++) if (f->sleep[i].tid == tid) return 1;
  return 0;
}

static int within_bound(const frame *f, unsigned j) {
  long cost = (f->cur >= 0 && (int)j != f->cur) ? 1 : 0;
  return D.K < 0 || f->pre + cost <= D.K;
}

static int allowed(const frame *f, unsigned j) {
  if (!in_shard(f, j)) return 0;
  switch (f->type) {
  case F_THREAD: return !asleep(f, f->tid[j]) && within_bound(f, j);
  case F_FAULT: return j == 0 || f->faults < D.F;
  default: return 1;
  }
}

/* The running transition ends: its footprint joins its option's. */
static void close_transition(void) {
  if (D.last_tf < 0) return;
  frame *p = &D.st[D.last_tf];
  /* The same transition again (a replayed prefix): what it touches must be
   * what was recorded, or the footprints name objects by addresses that
   * moved between executions (heap objects allocated in another order) and
   * cannot be compared. */
  if (p->seen[p->chosen] && D.pos <= D.replayed && !fp_subset(&D.cur, &p->fp[p->chosen]))
    D.unstable = 1;
  fp_union(&p->fp[p->chosen], &D.cur);
  p->seen[p->chosen] = 1;
}

static void mismatch(const char *what, size_t at, unsigned had, unsigned now) {
  if (!D.nondet)
    snprintf(D.why, sizeof D.why, "dfs: decision %zu (%s) had %u options when first reached and %u when "
             "replayed: the program is not a deterministic function of the scheduler's decisions",
             at + 1, what, had, now);
  D.nondet = 1;
  D.redundant = 1;
}

/* ---- decisions ------------------------------------------------------------------ */

static void add_sleeper(frame *f, int tid, const fp *x) {
  sleeper *s = sh_realloc(f->sleep, (size_t)f->nsleep * sizeof *s, (size_t)(f->nsleep + 1) * sizeof *s);
  f->sleep = s;
  s[f->nsleep].tid = tid;
  sh_copy(&s[f->nsleep].f, x, sizeof *x);
  f->nsleep++;
}

unsigned ipf__dfs_pick(unsigned n, const int *tid, const ipf__op *const *pend, int cur, long pre) {
  unsigned v = cur >= 0 ? (unsigned)cur : 0;       /* what a redundant run takes */
  if (!D.on) return v;      /* ipf_exec with IPF_STRAT_DFS outside a search: no preemption, first option */
  close_transition();
  D.last_tf = -1;
  if (D.redundant) goto begin;
  if (D.pos < D.nst) {
    frame *f = &D.st[D.pos];
    if (f->type != F_THREAD || f->n != n) { mismatch("which thread runs", D.pos, f->n, n); goto begin; }
    v = f->chosen;
    D.last_tf = (long)D.pos++;
    goto begin;
  }
  {
    long parent = -1;
    for (long i = (long)D.nst - 1; i >= 0; i--) if (D.st[i].type == F_THREAD) { parent = i; break; }
    frame *f = push(F_THREAD, n);
    f->cur = cur;
    f->pre = pre;
    f->tid = sh_alloc(n * sizeof *f->tid);
    f->fp = sh_alloc(n * sizeof *f->fp);
    f->done = sh_alloc(n);
    f->bt = sh_alloc(n);
    f->seen = sh_alloc(n);
    sh_copy(f->tid, tid, n * sizeof *tid);
    if (D.reduce && parent >= 0) {
      /* the parent's sleepers and its options explored before this one
       * (every done option but the chosen), where independent of the
       * transition that just ran */
      const frame *p = &D.st[parent];
      for (int i = 0; i < p->nsleep; i++)
        if (!fp_dep(&p->sleep[i].f, &D.cur)) add_sleeper(f, p->sleep[i].tid, &p->sleep[i].f);
      for (unsigned j = 0; j < p->n; j++)
        if (j != p->chosen && p->done[j] && !fp_dep(&p->fp[j], &D.cur)) add_sleeper(f, p->tid[j], &p->fp[j]);
    }
    int found = -1, cut = 0;
    for (unsigned j = 0; j < n; j++) {
      if (!in_shard(f, j)) continue;
      int sl = asleep(f, tid[j]), in = within_bound(f, j);
      cut |= !sl && !in;
      if (!sl && in && found < 0) found = (int)j;
    }
    /* Plain search explores every option: one the bound refuses is a cut.
     * Reduced, options are asked for by races (add_bt); here only when no
     * way on is left but ones the bound refuses. */
    if (cut && (!D.reduce || found < 0)) D.bound_hit = 1;
    /* Reduced, the first way on is the running thread's where it may go
     * on (no preemption spent: the schedules a bound keeps most of); the
     * others are explored only once a race asks for them (races()). */
    if (D.reduce && cur >= 0 && (unsigned)cur < n && allowed(f, (unsigned)cur)) found = cur;
    if (!D.reduce) for (unsigned j = 0; j < n; j++) f->bt[j] = 1;
    if (found < 0) {                 /* every way on is equivalent to one explored, or another shard's */
      int other = 0;
      for (unsigned j = 0; j < n; j++) other |= !in_shard(f, j);
      frame_free(f);
      D.nst--;
      D.redundant = 1;
      if (other) D.foreign = 1;
      goto begin;
    }
    f->chosen = (unsigned)found;
    f->done[found] = 1;
    f->bt[found] = 1;
    v = (unsigned)found;
    D.last_tf = (long)(D.nst - 1);
    D.pos = D.nst;
  }
begin:
  D.exec_pre = pre + (cur >= 0 && (int)v != cur);
  sh_zero(&D.cur, sizeof D.cur);
  fp_add(&D.cur, pend[v]->kind, pend[v]->obj, pend[v]->size);
  return v;
}

static unsigned other_decision(int type, unsigned n) {
  if (!D.on || D.redundant) return 0;
  if (D.pos < D.nst) {
    frame *f = &D.st[D.pos];
    if (f->type != type || f->n != n) {
      mismatch(type == F_FAULT ? "does a fault fire" : "a choice", D.pos, f->n, n);
      return 0;
    }
    D.pos++;
    return f->chosen;
  }
  frame *f = push(type, n);
  D.pos = D.nst;
  for (unsigned j = 0; j < n; j++)
    if (allowed(f, j)) { f->chosen = j; return j; }
  /* none of this shard's (a fault cannot fire: option 1 is never the only one) */
  D.nst--;
  D.redundant = D.foreign = 1;
  return 0;
}

unsigned ipf__dfs_value(unsigned n) { return other_decision(F_VALUE, n); }

int ipf__dfs_fault(void) {
  int v = (int)other_decision(F_FAULT, 2);
  if (v) D.faults++;
  return v;
}

/* ---- races (the reduction's backtrack sets) ------------------------------------------
 * After each execution of a reduced search, Flanagan and Godefroid's race
 * analysis (DPOR) on the transitions it ran, those of its thread decisions
 * D.st[0..pos). Their algorithm looks, at every state s and for every
 * thread p, at p's next transition t: the latest transition i before s that
 * is dependent with t (fp_dep) and that p does not know of (i does not
 * happen before p's state: vector clocks over the dependences and program
 * order) is a race, and p joins the backtrack set of i's decision (every
 * candidate does where p could not run there: a persistent set,
 * conservatively). Done afterwards on the transitions that ran, t is the
 * transition k that p ran next, and s ranges over the states between p's
 * previous transition pp and k: that is every unknown dependent transition
 * after pp, and the latest one at or before pp. Only the latest transition
 * of each other thread is joined into k's clock (an earlier one of the same
 * thread happens before it).
 *
 * With a preemption bound a backtrack option may be one the bound refuses;
 * the search is then no longer the unbounded one and its claim no longer
 * holds (add_bt notes it as bound_hit; explore.c then searches the level
 * plainly). Bounded POR (Coons, Musuvathi and McKinley, OOPSLA 2013) adds
 * conservative backtrack points at the context switch before each race to
 * stay sound under the bound; implementations of it here (several
 * variants of where the conservative point falls) still missed outcomes
 * that plain bounded DFS reaches on 1 to 2 of 40 random lock programs
 * (tests/test_dfs.c, reduced_search_reaches_every_outcome...), so it is not
 * used: a proof must not rest on it. */
static struct {
  size_t cap, wcap;
  long *idx;                /* thread frames, in order */
  int *who, *loc;           /* their thread, and its transitions before */
  int *vc;                  /* vector clock of each (m x w) */
  int *tc, *cnt, *mark;     /* per thread: its clock, transitions run, last k it was joined at */
  long *last;               /* per thread: its latest transition so far */
} rs;

/* Ask for option o of f. One the bound refuses is a cut: the search is
 * then no longer the unbounded one (bound_hit). */
static void want(frame *f, unsigned o) {
  f->bt[o] = 1;
  if (!within_bound(f, o)) D.bound_hit = 1;
}

/* Ask for thread tid's option at f (every option where tid cannot run
 * there: a persistent set, conservatively). */
static void add_bt(frame *f, int tid) {
  for (unsigned o = 0; o < f->n; o++)
    if (f->tid[o] == tid) { want(f, o); return; }
  for (unsigned o = 0; o < f->n; o++) want(f, o);
}

/* p resized to n elements, 0; or kept as it was, -1. */
#define GROW(p, n) ((nw = realloc((p), (n) * sizeof *(p))) ? ((p) = nw, 0) : -1)

static int rs_grow(size_t m, size_t w) {
  void *nw;
  if (m > rs.cap) {
    if (GROW(rs.idx, m) || GROW(rs.who, m) || GROW(rs.loc, m)) return -1;
    rs.cap = m;
  }
  if (w > rs.wcap) {
    if (GROW(rs.tc, w * w) || GROW(rs.cnt, w) || GROW(rs.mark, w) || GROW(rs.last, w)) return -1;
    rs.wcap = w;
  }
  return GROW(rs.vc, m * w);
}

static void races(void) {
  size_t m = 0, w = 0;
  for (size_t i = 0; i < D.pos; i++) {
    const frame *f = &D.st[i];
    if (f->type != F_THREAD) continue;
    m++;
    if ((size_t)f->tid[f->chosen] + 1 > w) w = (size_t)f->tid[f->chosen] + 1;
  }
  if (m < 2) return;
  if (m * w > ((size_t)1 << 22) || rs_grow(m, w) < 0) {
    /* too big to analyse: every option of every decision, as plain DFS
     * (and what the bound refuses of them is a cut, as for any request) */
    for (size_t i = 0; i < D.pos; i++)
      if (D.st[i].type == F_THREAD) for (unsigned o = 0; o < D.st[i].n; o++) want(&D.st[i], o);
    return;
  }
  size_t k = 0;
  for (size_t i = 0; i < D.pos; i++)
    if (D.st[i].type == F_THREAD) { rs.idx[k] = (long)i; rs.who[k] = D.st[i].tid[D.st[i].chosen]; k++; }
  memset(rs.tc, 0, w * w * sizeof *rs.tc);
  memset(rs.cnt, 0, w * sizeof *rs.cnt);
  for (size_t t = 0; t < w; t++) rs.mark[t] = -1;
  for (size_t t = 0; t < w; t++) rs.last[t] = -1;
  for (k = 0; k < m; k++) {
    int p = rs.who[k];
    int *cp = &rs.tc[(size_t)p * w], *vk = &rs.vc[k * w];
    memcpy(vk, cp, w * sizeof *vk);
    rs.loc[k] = rs.cnt[p]++;
    long pp = rs.last[p];
    rs.last[p] = (long)k;
    const frame *fk = &D.st[rs.idx[k]];
    const fp *x = &fk->fp[fk->chosen];
    for (long i = (long)k - 1; i >= 0; i--) {
      int q = rs.who[i];
      if (q == p) continue;
      const frame *fi = &D.st[rs.idx[i]];
      if (!fp_dep(&fi->fp[fi->chosen], x)) continue;
      if (rs.mark[q] != (int)k) {               /* the latest of q's: its clock covers q's earlier ones */
        rs.mark[q] = (int)k;
        const int *vi = &rs.vc[(size_t)i * w];
        for (size_t t = 0; t < w; t++) if (vi[t] > vk[t]) vk[t] = vi[t];
      }
      if (cp[q] > rs.loc[i]) continue;          /* p knew of it: ordered, no race */
      add_bt(&D.st[rs.idx[i]], p);
      if (i <= pp) break;                       /* before p's previous transition: only the latest */
    }
    vk[p] = rs.loc[k] + 1;
    memcpy(cp, vk, w * sizeof *vk);
  }
}

/* ---- the search --------------------------------------------------------------------- */

/* An option of f still to explore. A thread decision's options are
 * explored in any order (a race may add an option below the chosen one),
 * the others' in order. */
static int pending(const frame *f, unsigned j) {
  if (f->type == F_THREAD) return f->bt[j] && !f->done[j] && allowed(f, j);
  return j > f->chosen && allowed(f, j);
}

/* Advance to the next schedule; 0 when the tree is done. */
static int backtrack(void) {
  while (D.nst) {
    frame *f = &D.st[D.nst - 1];
    for (unsigned j = 0; j < f->n; j++) {
      if (!pending(f, j)) continue;
      f->chosen = j;
      if (f->type == F_THREAD) f->done[j] = 1;
      return 1;
    }
    /* Done with this decision: the options the bound and the shard allowed
     * but no race asked for (or that slept) were equivalent to explored ones. */
    if (f->type == F_THREAD && D.reduce)
      for (unsigned j = 0; j < f->n; j++) D.pruned += !f->done[j] && within_bound(f, j) && in_shard(f, j);
    frame_free(f);
    D.nst--;
  }
  return 0;
}

/* Untried options left on the stack: each is one schedule at least. */
static long remaining(void) {
  long r = 0;
  for (size_t i = 0; i < D.nst; i++)
    for (unsigned j = 0; j < D.st[i].n; j++) r += pending(&D.st[i], j);
  return r;
}

static void reset(void) {
  for (size_t i = 0; i < D.nst; i++) frame_free(&D.st[i]);
  D.nst = 0;
  D.pruned = 0;
  D.bound_hit = 0;
  D.nondet = 0;
}

static ipf__dfs_runner runner;
static void *runner_arg;

void ipf__dfs_set_runner(ipf__dfs_runner run, void *arg) {
  runner = run;
  runner_arg = arg;
}

long ipf__dfs_preemptions(void) { return D.exec_pre; }

int ipf__dfs_search(const ipf_scenario *sc, const ipf_config *cfg, int k, int reduce,
                    long *budget, ipf_result *res, int *have_res, struct ipf__dfs_level *lv, int (*stop)(void)) {
  arena_make();
  reset();
  memset(lv, 0, sizeof *lv);
  if (D.shard_n > 1) reduce = 0;               /* see split_state */
  D.K = k;
  D.F = cfg->dfs_max_faults < 0 ? 0 : cfg->dfs_max_faults;
  D.reduce = reduce;
  ipf_config c = *cfg;
  c.strategy = IPF_STRAT_DFS;
  int v = IPF_VERDICT_OK;
  for (;;) {
    if (*budget <= 0 || (stop && stop())) { lv->at_least = lv->schedules + remaining(); break; }
    D.pos = 0;
    D.replayed = D.nst ? D.nst - 1 : 0;    /* the last frame takes a new option */
    D.unstable = 0;
    ids_reset();
    D.faults = 0;
    D.redundant = 0;
    D.foreign = 0;
    D.last_tf = -1;
    sh_zero(&D.cur, sizeof D.cur);
    if (*have_res) ipf_result_free(res);
    D.exec_pre = 0;
    D.on = 1;
    v = runner ? runner(runner_arg, sc, &c, res) : ipf_exec(sc, &c, res);
    D.on = 0;
    close_transition();
    *have_res = 1;
    (*budget)--;
    lv->executions++;
    if (D.nondet) {
      res->verdict = v = IPF_VERDICT_ERROR;
      snprintf(res->kind, sizeof res->kind, "error");
      snprintf(res->message, sizeof res->message, "%s", D.why);
      break;
    }
    if (D.unstable && reduce) { lv->unstable = 1; break; }
    if (reduce) races();
    if (reduce && D.bound_hit) break;            /* no longer a proof: the caller searches plainly */
    int mine = owned();
    if (!D.redundant && mine) lv->schedules++;
    if (v != IPF_VERDICT_OK && mine) break;     /* another shard's bug is that shard's to report */
    if (!backtrack()) { lv->complete = 1; break; }
  }
  lv->pruned = D.pruned;
  lv->bound_hit = D.bound_hit;
  reset();
  return v;
}

