/* The stall watchdog: a managed thread that runs without taking a
 * scheduling point (a spin on a plain or atomic flag in code the kit cannot
 * see, a long computation, a blocking call the kit does not intercept).
 *
 * DESIGN. The controller (the unmanaged thread in ipf_exec) used to sleep
 * until the run ended. With the watchdog it wakes four times a period
 * (default 5 ms; ipf_config.stall_ms, or $IPCFAULT_STALL_MS, 0 = off) and
 * reads two words the scheduler keeps anyway: which thread holds the token
 * and how many scheduling points the run has taken. When neither changed
 * while the running thread burnt half a period of its own CPU time (not
 * wall time: on a loaded machine a thread may wait for a CPU), it is
 * stalled: the controller sends it the kit's real-time signal
 * (ipf__stall_sig(), SIGRTMAX-2) with pthread_kill. The
 * handler runs on the stalled thread, reads its PC from the ucontext and
 *  - defers (returns at once) when the thread is inside the kit
 *    (ipf__pt_guard, or the PC is in the kit's own shared object) or in the
 *    C library / dynamic loader / vDSO: parking it there could leave a lock
 *    of libc or the kit's half-updated state to the thread that runs next.
 *    Kit code reaches a point within microseconds, so the next period
 *    decides again; a thread blocked in libc is signalled once per stall
 *    (a second EINTR would only disturb the program) and its PC kept for
 *    the reports;
 *  - otherwise hands the PC to the scheduler (ipf__stall_at, sched.c),
 *    which records a preemption and lets the strategy run another thread,
 *    parking this one in the handler on its futex (async-signal-safe). The
 *    cut fell wherever the signal landed, so the execution is marked "not
 *    exactly replayable" (ipf_result.inexact).
 * The livelock verdict (a spinner nobody can release) is the scheduler's,
 * see ipf__stall_at. In exec mode a wall-clock bound (--timeout) is kept
 * here too: at the bound the controller samples the running thread's PC
 * and ends the execution with a hang report that names where every thread
 * was.
 *
 * Cost when nothing stalls: a futex wait with a timeout instead of without
 * (one wake-up of the controller per period, reading two words); `make
 * bench` measures it on the exec bench program. The program's own signal
 * handlers and masks cannot take the signal away in exec mode: the
 * interposed sigaction/sigprocmask/pthread_sigmask (src/preload) keep it
 * unblocked and the kit's handler in place.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "exec.h"
#include "internal.h"

long ipf__wd_wall_ms;
int ipf__wd_wall_hit;
volatile int *ipf__wd_inexact_out;

/* What the controller asks of the handler (one request at a time). */
static _Atomic long req_steps;
static _Atomic int req_how;
static _Atomic long acks;
static _Atomic long libc_defers;   /* stalls the handler deferred because the PC was in libc (or the like) */

/* Code where a thread must not be parked: libc, the loader, the vDSO, and
 * the kit's own shared object (exec mode). Filled once, read by the
 * handler only. */
#define MAX_RANGES 32
static struct { uintptr_t lo, hi; } ranges[MAX_RANGES];
static int nranges;

int ipf__stall_sig(void) { return SIGRTMAX - 2; }

static int is_excluded_object(const char *name, uintptr_t base, const ElfW(Phdr) *ph, int n) {
  if (strstr(name, "/libc.so") || strstr(name, "/ld-linux") || strstr(name, "/libpthread") ||
      strstr(name, "linux-vdso") || strstr(name, "linux-gate") || strstr(name, "libipcfault_preload"))
    return 1;
  /* the object holding this file's code, when it is a shared object (in a
   * statically linked test program it is the program itself: not excluded) */
  if (!*name) return 0;
  uintptr_t me = (uintptr_t)&ipf__stall_sig;
  for (int i = 0; i < n; i++)
    if (ph[i].p_type == PT_LOAD && me >= base + ph[i].p_vaddr && me < base + ph[i].p_vaddr + ph[i].p_memsz)
      return 1;
  return 0;
}

static int collect(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size; (void)arg;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (!is_excluded_object(name, info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum)) return 0;
  for (int i = 0; i < info->dlpi_phnum && nranges < MAX_RANGES; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD || !(p->p_flags & PF_X)) continue;
    ranges[nranges].lo = info->dlpi_addr + p->p_vaddr;
    ranges[nranges].hi = ranges[nranges].lo + p->p_memsz;
    nranges++;
  }
  return 0;
}

static int excluded_pc(uintptr_t pc) {
  for (int i = 0; i < nranges; i++) if (pc >= ranges[i].lo && pc < ranges[i].hi) return 1;
  return 0;
}

static uintptr_t pc_of(void *ucv) {
  ucontext_t *uc = ucv;
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.pc;
#elif defined(__i386__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_EIP];
#else
  (void)uc;
  return 0;
#endif
}

/* The registers of the interrupted code but its PC and flags, hashed: equal
 * at two stalls of a thread that only spins on a memory word. */
static uint64_t regs_of(void *ucv) {
  ucontext_t *uc = ucv;
  uint64_t h = 0xcbf29ce484222325ull;
#if defined(__x86_64__)
  static const int keep[] = { REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
                              REG_RDI, REG_RSI, REG_RBP, REG_RBX, REG_RDX, REG_RAX, REG_RCX, REG_RSP };
  for (unsigned i = 0; i < sizeof keep / sizeof keep[0]; i++)
    h = (h ^ (uint64_t)uc->uc_mcontext.gregs[keep[i]]) * 0x100000001b3ull;
#elif defined(__aarch64__)
  for (int i = 0; i < 31; i++) h = (h ^ (uint64_t)uc->uc_mcontext.regs[i]) * 0x100000001b3ull;
  h = (h ^ (uint64_t)uc->uc_mcontext.sp) * 0x100000001b3ull;
#else
  (void)uc;
#endif
  return h;
}

static void on_stall(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)si;
  int saved = errno;
  uintptr_t pc = pc_of(uc);
  long seen = atomic_load_explicit(&req_steps, memory_order_acquire);
  int how = atomic_load_explicit(&req_how, memory_order_relaxed);
  if (how == IPF_STALL_PREEMPT) {
    if (ipf__pt_guard) how = IPF_STALL_DEFER;           /* inside the kit: a point comes soon */
    else if (excluded_pc(pc)) {
      how = IPF_STALL_DEFER;                             /* libc, loader, the kit's object */
      atomic_fetch_add_explicit(&libc_defers, 1, memory_order_relaxed);
    }
  }
  ipf__stall_at(seen, pc, regs_of(uc), how);
  atomic_fetch_add_explicit(&acks, 1, memory_order_release);
  errno = saved;
}

/* Install the handler and learn the excluded code ranges, once per
 * process. exec mode calls it in the forkserver (ipf__wd_prepare), so that
 * no execution pays for it. */
static void install(void) {
  static int done;
  if (done) return;
  done = 1;
  dl_iterate_phdr(collect, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_stall;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  ipf__real_sigaction(ipf__stall_sig(), &sa, NULL);
}

/* The default sigaction, for builds without the preload library (which
 * overrides this weak definition with libc's real one). */
__attribute__((weak)) int ipf__real_sigaction(int sig, const struct sigaction *sa, struct sigaction *old) {
  return sigaction(sig, sa, old);
}

void ipf__wd_prepare(void) {
  install();
  ipf__wd_thread_start();             /* resolves the interposed pthread_sigmask once, too */
}

long ipf__wd_period(const ipf_config *cfg) {
  if (cfg->stall_ms < 0) return 0;
  if (cfg->stall_ms > 0) return cfg->stall_ms;
  static long env = -2;
  if (env == -2) {
    const char *e = getenv("IPCFAULT_STALL_MS");
    char *end;
    long v = e ? strtol(e, &end, 10) : -1;
    env = (e && *e && !*end && v >= 0) ? v : -1;
  }
  return env >= 0 ? env : 5;
}

/* A worker starts a managed thread: the thread inherits its creator's mask
 * (the controller blocks everything in exec mode), so unblock the signal. */
void ipf__wd_thread_start(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, ipf__stall_sig());
  pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

static long ms_since(const struct timespec *t0) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

static long long thread_cpu_ns(pthread_t pt) {
  clockid_t c;
  struct timespec ts;
  if (pthread_getcpuclockid(pt, &c) || clock_gettime(c, &ts)) return -1;
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void ask(pthread_t pt, long steps, int how) {
  atomic_store_explicit(&req_how, how, memory_order_relaxed);
  atomic_store_explicit(&req_steps, steps, memory_order_release);
  pthread_kill(pt, ipf__stall_sig());
}

int ipf__wd_wait(_Atomic uint32_t *done, long period_ms) {
  long wall = ipf__wd_wall_ms;
  if (period_ms <= 0 && wall <= 0) {
    /* no watchdog: still a tick, for a process of the run that died
     * holding the token (sched.c, ipf__sched_tick) */
    while (atomic_load_explicit(done, memory_order_acquire) == 0) {
      struct timespec ts = { 0, 2000000 };
      syscall(SYS_futex, (uint32_t *)done, FUTEX_WAIT, 0, &ts, NULL, 0);
      ipf__sched_tick();
    }
    return 0;
  }
  install();
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  /* wake four times a period, so that a stall is seen soon after the
   * thread has burnt half a period of CPU time without a point */
  long tick_us = period_ms > 0 ? period_ms * 250 : 100000;
  uintptr_t last_w = 0;
  long last_steps = -1, last_defers = atomic_load_explicit(&libc_defers, memory_order_relaxed);
  long long last_cpu = -1;
  for (;;) {
    long left_us = tick_us;
    if (wall > 0) {
      long w = wall - ms_since(&t0);
      if (w <= 0) break;
      if (w * 1000 < left_us) left_us = w * 1000;
    }
    struct timespec ts = { left_us / 1000000, (left_us % 1000000) * 1000L };
    syscall(SYS_futex, (uint32_t *)done, FUTEX_WAIT, 0, &ts, NULL, 0);
    ipf__sched_tick();
    if (atomic_load_explicit(done, memory_order_acquire)) return 0;
    if (period_ms <= 0) continue;
    pthread_t pt;
    long steps;
    uintptr_t w = ipf__sched_probe(&pt, &steps);
    /* A stall is a whole period of the thread's own CPU time without a
     * point, not of the clock: on a loaded machine a thread that was
     * handed the token may not get a CPU for a period, and must not be
     * taken for a spinner (nor its next stall for a blind one). */
    long long cpu = w ? thread_cpu_ns(pt) : -1;
    /* A stall the handler deferred because the thread was in libc counts
     * its CPU time afresh: a thread blocked there burns none and is not
     * signalled again (a second EINTR would only disturb the program),
     * while one that went on into a spin of its own burns another half
     * period and is asked again. (Never asking again at that step count
     * could leave such a spinner running until the step bound; a livelock
     * test under ASan hung so, with the spinner in its own loop.) */
    long defers = atomic_load_explicit(&libc_defers, memory_order_relaxed);
    if (defers != last_defers) {
      last_defers = defers;
      last_cpu = cpu;
    } else if (w && w == last_w && steps == last_steps && cpu >= 0 && last_cpu >= 0 &&
               cpu - last_cpu >= period_ms * 500000LL)
      ask(pt, steps, IPF_STALL_PREEMPT);
    if (!(w == last_w && steps == last_steps)) last_cpu = cpu;
    last_w = w;
    last_steps = steps;
  }
  /* The wall-clock bound: where is the running thread? */
  pthread_t pt;
  long steps;
  if (ipf__sched_probe(&pt, &steps)) {
    long a = atomic_load_explicit(&acks, memory_order_acquire);
    ask(pt, steps, IPF_STALL_SAMPLE);
    for (int i = 0; i < 50 && atomic_load_explicit(&acks, memory_order_acquire) == a; i++) {
      struct timespec ms = { 0, 1000000L };
      nanosleep(&ms, NULL);
    }
  }
  if (atomic_load_explicit(done, memory_order_acquire)) return 0;
  ipf__wd_wall_hit = 1;
  return 1;
}

void ipf__wd_mark_inexact(int why) {
  if (ipf__wd_inexact_out) *ipf__wd_inexact_out |= why;
}
