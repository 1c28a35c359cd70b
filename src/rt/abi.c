/* The `__tsan_*` ABI that gcc and clang emit for -fsanitize=thread, as the
 * kit's own runtime: `ipcfault cc` compiles with the instrumentation and
 * links this instead of libtsan.
 *
 * DESIGN. Signatures follow LLVM compiler-rt's tsan_interface.h and
 * tsan_interface_atomic.h (the ABI both compilers target; checked with
 * `nm -u` on C and C++ programs built by gcc 12 and clang 14). Each hook
 * costs one load and a branch outside a controlled run, so a program built
 * this way runs normally on its own. Atomic hooks always perform the real
 * operation with __atomic builtins at the requested order (gcc treats a
 * run-time order as seq_cst, clang switches on it: either is at least as
 * strong as asked). Inside a run, every atomic operation is a scheduling
 * point, announced before the operation; a load that finds a value this
 * thread already loaded from that address since its last write is a spin
 * iteration and is announced as IPF_PK_YIELD, so a correct spin-wait is
 * deprioritised like ipf_yield instead of exhausting the step bound. Plain
 * accesses go to shadow.c, which decides whether they are points.
 *
 * Reaching the scheduler: the rt may be in the program while the scheduler
 * is in the LD_PRELOAD library (hidden visibility). The preload exports one
 * function, ipf__rt_sched() (point.h), which returns the table of scheduler
 * entry points; the rt takes it at __tsan_init through a weak reference
 * (both in one binary, e.g. the ipcfault command's instrumented catalog) or
 * dlsym(RTLD_DEFAULT) (program under `ipcfault exec`). One exported symbol
 * and a versioned table keep the preload's surface small and let the two
 * sides be built separately; a program run alone finds nothing and stays
 * inert.
 *
 * Memory model: runs are sequentially consistent interleavings of these
 * points; release/acquire orders give happens-before edges for the race
 * detector (relaxed gives none, fences are not modelled). Not weak memory.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static const volatile unsigned rt_zero;
const struct ipf__rt_sched *ipf__rt_S;
const volatile unsigned *ipf__rt_livep = &rt_zero;
int ipf__rt_races = 1;
__thread ipf__rt_thr ipf__rt_self __attribute__((tls_model("initial-exec")));

extern const struct ipf__rt_sched *ipf__rt_sched(void) __attribute__((weak));

/* A fork inside a run (a scenario's child process): the child has none of
 * the run's other threads, so its hooks must not take scheduling decisions. */
static void rt_atfork_child(void) {
  if (*ipf__rt_livep) ipf__rt_livep = &rt_zero;
}

/* The scheduler's edges (point.h hooks), on the managed thread itself: a
 * lock, unlock, post or wait is progress, so the loads before it are no
 * spin (`lock; read flag; unlock; sched_yield` re-reads the flag each time
 * and is a wait only through its sched_yield); then the vector clocks. */
static void hb_acquire(int tid, const void *sync) {
  ipf__rt_self.nhist = 0;
  if (ipf__rt_races) ipf__rt_acquire(tid, sync);
}
static void hb_release(int tid, const void *sync) {
  ipf__rt_self.nhist = 0;
  if (ipf__rt_races) ipf__rt_release(tid, sync);
}

void __tsan_init(void) {
  static int done;
  if (done) return;
  done = 1;
  const struct ipf__rt_sched *(*f)(void) = ipf__rt_sched;
  if (!f) f = (const struct ipf__rt_sched *(*)(void))dlsym(RTLD_DEFAULT, "ipf__rt_sched");
  if (!f) return;
  const struct ipf__rt_sched *s = f();
  if (!s || s->version != IPF_RT_SCHED_VERSION) return;
  const char *e = getenv("IPCFAULT_RACES");
  ipf__rt_races = !(e && strcmp(e, "0") == 0);
  *s->hook_acquire = hb_acquire;
  *s->hook_release = hb_release;
  ipf__rt_S = s;
  pthread_atfork(NULL, NULL, rt_atfork_child);
  ipf__rt_livep = s->live;
}

void ipf__rt_refresh(ipf__rt_thr *t, unsigned gen) {
  t->gen = gen;
  t->tid = ipf__rt_S->tid();
  t->nhist = 0;
  t->repeats = 0;
  if (t->tid >= 0 && !t->stk_len) {
    pthread_attr_t a;
    void *lo;
    size_t len;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
      if (pthread_attr_getstack(&a, &lo, &len) == 0) { t->stk_lo = (uintptr_t)lo; t->stk_len = len; }
      pthread_attr_destroy(&a);
    }
  }
}

#define PC() ((uintptr_t)__builtin_return_address(0))

/* ---- plain accesses --------------------------------------------------------- */

static inline __attribute__((always_inline)) void access(const void *a, uintptr_t n, int w, uintptr_t pc) {
  ipf__rt_thr *t = ipf__rt_me();
  if (__builtin_expect(!t, 1)) return;
  if ((uintptr_t)a - t->stk_lo < t->stk_len) return;
  ipf__rt_plain(t, a, n, w, pc);
}

#define PLAIN(N)                                                                              \
  void __tsan_read##N(void *a) { access(a, N, 0, PC()); }                                    \
  void __tsan_write##N(void *a) { access(a, N, 1, PC()); }                                   \
  void __tsan_unaligned_read##N(const void *a) { access(a, N, 0, PC()); }                    \
  void __tsan_unaligned_write##N(void *a) { access(a, N, 1, PC()); }                         \
  void __tsan_volatile_read##N(void *a) { access(a, N, 0, PC()); }                           \
  void __tsan_volatile_write##N(void *a) { access(a, N, 1, PC()); }                          \
  void __tsan_unaligned_volatile_read##N(void *a) { access(a, N, 0, PC()); }                 \
  void __tsan_unaligned_volatile_write##N(void *a) { access(a, N, 1, PC()); }                \
  void __tsan_read##N##_pc(void *a, void *pc) { access(a, N, 0, (uintptr_t)pc); }            \
  void __tsan_write##N##_pc(void *a, void *pc) { access(a, N, 1, (uintptr_t)pc); }
PLAIN(1)
PLAIN(2)
PLAIN(4)
PLAIN(8)
PLAIN(16)

void __tsan_read_range(void *a, unsigned long n) { if (n) access(a, n, 0, PC()); }
void __tsan_write_range(void *a, unsigned long n) { if (n) access(a, n, 1, PC()); }
void __tsan_read_range_pc(void *a, unsigned long n, void *pc) { if (n) access(a, n, 0, (uintptr_t)pc); }
void __tsan_write_range_pc(void *a, unsigned long n, void *pc) { if (n) access(a, n, 1, (uintptr_t)pc); }

void *__tsan_memcpy(void *d, const void *s, uintptr_t n) {
  if (n) { access(s, n, 0, PC()); access(d, n, 1, PC()); }
  return memcpy(d, s, n);
}
void *__tsan_memmove(void *d, const void *s, uintptr_t n) {
  if (n) { access(s, n, 0, PC()); access(d, n, 1, PC()); }
  return memmove(d, s, n);
}
void *__tsan_memset(void *d, int c, uintptr_t n) {
  if (n) access(d, n, 1, PC());
  return memset(d, c, n);
}

/* C++: a virtual pointer's load and store. Its update during construction
 * and destruction is the object's own business (TSan reports only a racy
 * update that changes the value); a read is a plain read. */
void __tsan_vptr_read(void **p) { access(p, sizeof *p, 0, PC()); }
void __tsan_vptr_update(void **p, void *nv) { if (*p != nv) access(p, sizeof *p, 1, PC()); }

/* Shadow call stacks are not kept: reports name the access's own pc. */
void __tsan_func_entry(void *pc) { (void)pc; }
void __tsan_func_exit(void) {}
void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}

/* Annotations a program (or a library built for TSan) may make itself. */
void __tsan_acquire(void *a) {
  ipf__rt_thr *t = ipf__rt_me();
  if (t && ipf__rt_races) ipf__rt_acquire(t->tid, a);
}
void __tsan_release(void *a) {
  ipf__rt_thr *t = ipf__rt_me();
  if (t && ipf__rt_races) ipf__rt_release(t->tid, a);
}

/* ---- atomics ------------------------------------------------------------------ */

enum { MO_RELAXED, MO_CONSUME, MO_ACQUIRE, MO_RELEASE, MO_ACQ_REL, MO_SEQ_CST };
#define MO(mo) ((int)(mo) & 0xff)   /* gcc may set HLE bits above the order */
static inline int mo_acq(int mo) { mo = MO(mo); return mo == MO_CONSUME || mo == MO_ACQUIRE || mo >= MO_ACQ_REL; }
static inline int mo_rel(int mo) { mo = MO(mo); return mo >= MO_RELEASE; }

/* Before an atomic operation: the scheduling point. A load whose value this
 * thread has seen since its last write is announced as a spin (a wait). */
static __attribute__((noinline)) ipf__rt_thr *atomic_pre(int kind, const volatile void *a, unsigned n,
                                                         uint64_t peek, uintptr_t pc) {
  ipf__rt_thr *t = ipf__rt_me();
  if (!t) return 0;
  const char *what = kind == IPF_PK_ATOMIC_LOAD ? "atomic load"
                     : kind == IPF_PK_ATOMIC_STORE ? "atomic store" : "atomic read-modify-write";
  if (kind != IPF_PK_ATOMIC_STORE && ipf__rt_seen(t, (const void *)a, peek)) {
    what = kind == IPF_PK_ATOMIC_LOAD ? "spinning on an atomic load" : "spinning on an atomic read-modify-write";
    kind = IPF_PK_YIELD;
  }
  ipf__rt_S->point_op(kind, what, (const void *)a, n, pc);
  if (kind == IPF_PK_ATOMIC_STORE) ipf__rt_note_write(t);
  return t;
}
/* After a read-modify-write: one that left the value as it was (a failed
 * CAS, an exchange of 1 for 1: a spinlock's try) is a load for spin
 * detection, any other a write. Only one managed thread runs, so the value
 * now is the operation's result. */
static inline void rmw_note(ipf__rt_thr *t, const volatile void *a, uint64_t old, uint64_t now) {
  if (old == now) ipf__rt_note_load(t, (const void *)a, old);
  else ipf__rt_note_write(t);
}
/* After it: the happens-before edges of its order (race detection on). */
static inline void atomic_post(ipf__rt_thr *t, const volatile void *a, int acq, int rel) {
  if (!ipf__rt_races) return;
  if (acq) ipf__rt_acquire(t->tid, (const void *)a);
  if (rel) ipf__rt_release(t->tid, (const void *)a);
}

#define LIVE() (__builtin_expect(*ipf__rt_livep != 0, 0))

#define ATOMIC_RMW(N, T, NAME, OP)                                                            \
  T __tsan_atomic##N##_##NAME(volatile T *a, T v, int mo) {                                   \
    ipf__rt_thr *t = LIVE() ? atomic_pre(IPF_PK_ATOMIC_RMW, a, sizeof(T),                     \
                                         (uint64_t)__atomic_load_n(a, __ATOMIC_RELAXED), PC()) : 0; \
    T r = OP(a, v, mo);                                                                       \
    if (t) {                                                                                  \
      rmw_note(t, a, (uint64_t)r, (uint64_t)__atomic_load_n(a, __ATOMIC_RELAXED));            \
      atomic_post(t, a, mo_acq(mo), mo_rel(mo));                                              \
    }                                                                                         \
    return r;                                                                                 \
  }

#define ATOMICS(N, T)                                                                         \
  T __tsan_atomic##N##_load(const volatile T *a, int mo) {                                   \
    ipf__rt_thr *t = LIVE() ? atomic_pre(IPF_PK_ATOMIC_LOAD, a, sizeof(T),                    \
                                         (uint64_t)__atomic_load_n(a, __ATOMIC_RELAXED), PC()) : 0; \
    T r = __atomic_load_n(a, MO(mo));                                                         \
    if (t) { ipf__rt_note_load(t, (const void *)a, (uint64_t)r); atomic_post(t, a, mo_acq(mo), 0); } \
    return r;                                                                                 \
  }                                                                                           \
  void __tsan_atomic##N##_store(volatile T *a, T v, int mo) {                                 \
    ipf__rt_thr *t = LIVE() ? atomic_pre(IPF_PK_ATOMIC_STORE, a, sizeof(T), 0, PC()) : 0;     \
    __atomic_store_n(a, v, MO(mo));                                                           \
    if (t) atomic_post(t, a, 0, mo_rel(mo));                                                  \
  }                                                                                           \
  ATOMIC_RMW(N, T, exchange, XCHG)                                                            \
  ATOMIC_RMW(N, T, fetch_add, FADD)                                                           \
  ATOMIC_RMW(N, T, fetch_sub, FSUB)                                                           \
  ATOMIC_RMW(N, T, fetch_and, FAND)                                                           \
  ATOMIC_RMW(N, T, fetch_or, FOR)                                                             \
  ATOMIC_RMW(N, T, fetch_xor, FXOR)                                                           \
  ATOMIC_RMW(N, T, fetch_nand, FNAND)                                                         \
  static inline int cas##N(volatile T *a, T *c, T v, int mo, int fmo, int weak, uintptr_t pc) { \
    ipf__rt_thr *t = LIVE() ? atomic_pre(IPF_PK_ATOMIC_RMW, a, sizeof(T),                     \
                                         (uint64_t)__atomic_load_n(a, __ATOMIC_RELAXED), pc) : 0; \
    T old = *c;                                                                               \
    int ok = __atomic_compare_exchange_n(a, c, v, weak, MO(mo), MO(fmo));                     \
    if (t) {                                                                                  \
      rmw_note(t, a, ok ? (uint64_t)old : (uint64_t)*c, (uint64_t)__atomic_load_n(a, __ATOMIC_RELAXED)); \
      atomic_post(t, a, ok ? mo_acq(mo) : mo_acq(fmo), ok && mo_rel(mo));                     \
    }                                                                                         \
    return ok;                                                                                \
  }                                                                                           \
  int __tsan_atomic##N##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo) { \
    return cas##N(a, c, v, mo, fmo, 0, PC());                                                 \
  }                                                                                           \
  int __tsan_atomic##N##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo) {   \
    return cas##N(a, c, v, mo, fmo, 1, PC());                                                 \
  }                                                                                           \
  T __tsan_atomic##N##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo) {       \
    cas##N(a, &c, v, mo, fmo, 0, PC());                                                       \
    return c;                                                                                 \
  }

#define XCHG(a, v, mo) __atomic_exchange_n(a, v, MO(mo))
#define FADD(a, v, mo) __atomic_fetch_add(a, v, MO(mo))
#define FSUB(a, v, mo) __atomic_fetch_sub(a, v, MO(mo))
#define FAND(a, v, mo) __atomic_fetch_and(a, v, MO(mo))
#define FOR(a, v, mo) __atomic_fetch_or(a, v, MO(mo))
#define FXOR(a, v, mo) __atomic_fetch_xor(a, v, MO(mo))
#define FNAND(a, v, mo) __atomic_fetch_nand(a, v, MO(mo))

ATOMICS(8, uint8_t)
ATOMICS(16, uint16_t)
ATOMICS(32, uint32_t)
ATOMICS(64, uint64_t)

/* Fences order the thread's own accesses around them; the scheduler's
 * interleavings are sequentially consistent already, and the race detector
 * does not model fence-based synchronisation (as TSan, it may then report
 * a race that a fence pairing prevents). The real fence is still issued. */
void __tsan_atomic_thread_fence(int mo) { __atomic_thread_fence(MO(mo)); }
void __tsan_atomic_signal_fence(int mo) { __atomic_signal_fence(MO(mo)); }
