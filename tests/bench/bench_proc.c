/* make bench, processes section (issue 13): what a scheduling point with a
 * switch costs when the two threads are in different processes of one run,
 * next to the same switch within one process and the raw futex handoffs
 * under both; and executions per second of a scenario with a forked child
 * next to its threaded twin.
 *
 * DESIGN. Since the run's state moved into a MAP_SHARED mapping the
 * scheduler's handoff is a *shared* futex (no FUTEX_PRIVATE_FLAG), so the
 * honest floor is measured three ways, all on the CPU the scheduler's
 * workers are pinned to: two threads with a private futex on private memory
 * (the old baseline), two threads with a shared futex on a MAP_SHARED word
 * (what a handoff within one process costs now), and two processes with a
 * shared futex on a MAP_SHARED word (what the kernel alone adds for crossing
 * processes: the address-space switch).
 * The scheduler is measured by one scenario body in two forms: main and a
 * second thread, or main and a forked child, each doing N ipf_store points
 * under round-robin with quantum 1 (seed 8), so every point hands the token
 * to the other side. Each side notes, after its point, whether the previous
 * point was the other side's (a tally in a MAP_SHARED page, so the child's
 * notes reach the parent): the alternations are counted by the program, not
 * inferred, and printed. A point's cost is the marginal one, (T(N) - T(0)) /
 * (steps(N) - steps(0)) with the best T of each over the rounds, so fork,
 * exit and reaping (the run's fixed cost) are not spread over the points.
 * A second pair of forms prices what a switch alone does not show: a point
 * taken while a thread of another process is blocked on an fd, a wait only
 * its own process can judge (body_fd_processes).
 * Best of seven short rounds (on a loaded machine more and shorter samples
 * find its quiet moments better than a few long ones), each round taking
 * every figure in turn; nothing asserted, the target (a cross-process switch
 * <= 2x a same-process one) is printed beside. Then executions per second
 * of pipe/fork-framed and of pipe/framed, the same protocol between threads
 * (random, the scenarios' default fault plans; best of three rounds of 300).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

void ipf_bench_proc(void);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
static double best(double a, double b) { return a < b ? a : b; }

/* ---- raw handoffs ---------------------------------------------------------- */

#define HO_ROUNDS 10000
enum { HO_THREADS_PRIVATE, HO_THREADS_SHARED, HO_PROCESSES };

static _Atomic uint32_t private_turn;
static _Atomic uint32_t *turn;          /* the word of the handoff being measured */
static int wait_op, wake_op;

static void hwait(uint32_t want) {
  uint32_t v;
  while ((v = atomic_load_explicit(turn, memory_order_acquire)) != want)
    syscall(SYS_futex, turn, wait_op, v, NULL, NULL, 0);
}
static void hpass(uint32_t to) {
  atomic_store_explicit(turn, to, memory_order_release);
  syscall(SYS_futex, turn, wake_op, 1, NULL, NULL, 0);
}
static void *hpong(void *arg) {
  (void)arg;
  for (int i = 0; i < HO_ROUNDS; i++) { hwait(1); hpass(0); }
  return NULL;
}

/* Seconds per one-way handoff of `kind`, both sides on the calling thread's
 * CPU (the caller pins it). shared_word: a MAP_SHARED word. 0 on failure. */
static double handoff(int kind, _Atomic uint32_t *shared_word) {
  turn = kind == HO_THREADS_PRIVATE ? &private_turn : shared_word;
  wait_op = kind == HO_THREADS_PRIVATE ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT;
  wake_op = kind == HO_THREADS_PRIVATE ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE;
  atomic_store(turn, 0);
  pthread_t t;
  pid_t pid = -1;
  if (kind == HO_PROCESSES) {
    /* the child inherits the pinning; it makes raw syscalls only, then _exit */
    pid = fork();
    if (pid < 0) return 0;
    if (pid == 0) { hpong(NULL); _exit(0); }
  } else if (pthread_create(&t, NULL, hpong, NULL)) {
    return 0;
  }
  double t0 = now();
  for (int i = 0; i < HO_ROUNDS; i++) { hpass(1); hwait(0); }
  double dt = now() - t0;
  if (kind == HO_PROCESSES) {
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  } else {
    pthread_join(t, NULL);
  }
  return dt / (2.0 * HO_ROUNDS);
}

/* ---- the scheduler: one switch per point, within and across processes -------- */

#define SW_OPS 10000
#define ROUNDS 7
/* Relaxed atomics only so that a TSan build of the bench, which does not
 * see the handoff, reports nothing: the token already orders them. */
struct tally {
  _Atomic int last;         /* which side took the last point: 1 main, 2 the other */
  _Atomic long alternations;   /* points after one of the other side's */
  _Atomic long points;
};
static struct tally *tally; /* MAP_SHARED */
static int sw_ops;
static int sw_word;

static void side(int me) {
  for (int i = 0; i < sw_ops; i++) {
    ipf_store(&sw_word, i);
    /* after the point, holding the token: nobody else runs */
    int last = atomic_load_explicit(&tally->last, memory_order_relaxed);
    if (last && last != me) atomic_fetch_add_explicit(&tally->alternations, 1, memory_order_relaxed);
    atomic_store_explicit(&tally->last, me, memory_order_relaxed);
    atomic_fetch_add_explicit(&tally->points, 1, memory_order_relaxed);
  }
}
static void other_thread(void *arg) { (void)arg; side(2); }
static void body_threads(void) {
  ipf_thread_t t;
  ipf_thread_create(&t, "other", other_thread, NULL);
  side(1);
  ipf_thread_join(&t);
}
static void body_processes(void) {
  pid_t pid = ipf_fork("other");
  if (pid == 0) { side(2); ipf_exit(0); }
  if (pid < 0) { ipf_fail("setup", "ipf_fork failed"); return; }
  side(1);
  int st;
  ipf_waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) ipf_fail("child", "the other process ended with status %#x", st);
}

/* ---- a point while a thread of another process waits on an fd --------------------
 * main blocks reading pipe p; the other side writes n single bytes into pipe q
 * (which nobody reads: no wait changes), then one into p. Each write may
 * change what main's fd wait sees, so with main in another process each of
 * those points asks main's process (a query: two handoffs and the
 * predicate there, DESIGN "Processes"); within one process the picker
 * evaluates the predicate itself. */
#define FD_OPS 4000
static int fp[2], fq[2];
static void writes(void) {
  char c = 'x';
  for (int i = 0; i < sw_ops; i++) ipf_write(fq[1], &c, 1);
  ipf_write(fp[1], &c, 1);
}
static void writes_thread(void *arg) { (void)arg; writes(); }
static void close_pipes(void) { ipf_close(fp[0]); ipf_close(fp[1]); ipf_close(fq[0]); ipf_close(fq[1]); }
static int open_pipes(void) {
  if (ipf_pipe(fp) < 0) return -1;
  if (ipf_pipe(fq) < 0) { ipf_close(fp[0]); ipf_close(fp[1]); return -1; }
  return 0;
}
static void body_fd_threads(void) {
  if (open_pipes() < 0) { ipf_fail("setup", "pipe failed"); return; }
  ipf_thread_t t;
  ipf_thread_create(&t, "other", writes_thread, NULL);
  char c;
  ipf_read(fp[0], &c, 1);
  ipf_thread_join(&t);
  close_pipes();
}
static void body_fd_processes(void) {
  if (open_pipes() < 0) { ipf_fail("setup", "pipe failed"); return; }
  pid_t pid = ipf_fork("other");
  if (pid == 0) { writes(); close_pipes(); ipf_exit(0); }
  if (pid < 0) { ipf_fail("setup", "ipf_fork failed"); close_pipes(); return; }
  char c;
  ipf_read(fp[0], &c, 1);
  close_pipes();
  int st;
  ipf_waitpid(pid, &st, 0);
}

struct sw { double secs; long steps, preemptions, alternations, points; int ok; };

static struct sw one_run(void (*body)(void), unsigned flags, int ops) {
  ipf_scenario sc = { "bench/switch", IPF_EXPECT_OK, "", body, flags, 0, NULL };
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = IPF_STRAT_RR;
  c.seed = 8;                                  /* quantum 1: every point a switch */
  c.max_steps = 10L * SW_OPS;
  atomic_store(&tally->last, 0);
  atomic_store(&tally->alternations, 0);
  atomic_store(&tally->points, 0);
  sw_ops = ops;
  ipf_result r;
  double t0 = now();
  int v = ipf_exec(&sc, &c, &r);
  struct sw s = { now() - t0, r.steps, r.preemptions, tally->alternations, tally->points, v == IPF_VERDICT_OK };
  if (v != IPF_VERDICT_OK) printf("  (bench/switch: %s: %s)\n", r.kind, r.message);
  ipf_result_free(&r);
  return s;
}

/* One form of the measurement: body with ops points per side, and with none. */
struct form {
  void (*body)(void);
  unsigned flags;
  int ops;
  double base, full;        /* best seconds of an execution with 0 and with ops points per side */
  long base_steps;
  struct sw at;             /* the counts of the best full execution */
  int bad;                  /* an execution did not end ok */
};
static void form_round(struct form *f) {
  struct sw b = one_run(f->body, f->flags, 0), x = one_run(f->body, f->flags, f->ops);
  if (!b.ok || !x.ok) { f->bad = 1; return; }
  if (!f->base || b.secs < f->base) { f->base = b.secs; f->base_steps = b.steps; }
  if (!f->full || x.secs < f->full) { f->full = x.secs; f->at = x; }
}
/* Marginal seconds per point, from the best of each (a best-of difference
 * of single rounds goes negative when one base run meets a burst of load);
 * 0 when not measured. */
static double form_cost(const struct form *f) {
  if (f->bad || !f->full || f->at.steps <= f->base_steps) return 0;
  double d = (f->full - f->base) / (double)(f->at.steps - f->base_steps);
  return d > 0 ? d : 0;
}

/* ---- executions per second of a catalog scenario ---------------------------- */

/* Executions per second of n executions of the named scenario (random, seeds
 * 1..n, its default fault plan, as `ipcfault run` does); *bad counts the
 * executions whose verdict was not ok. 0 when it is not in the catalog. */
static double eps(const char *name, int n, int *bad) {
  const ipf_scenario *sc = ipf_scenario_find(name);
  if (!sc) return 0;
  double t0 = now();
  for (int i = 0; i < n; i++) {
    ipf_config c;
    ipf_config_init(&c);
    c.seed = (uint64_t)i + 1;
    ipf_result r;
    if (ipf_exec(sc, &c, &r) != IPF_VERDICT_OK) ++*bad;
    ipf_result_free(&r);
  }
  return n / (now() - t0);
}

/* The CPU the scheduler's workers are pinned to: where the raw handoffs
 * must run to be their floor (the machine is shared; the other CPU may be
 * busier). */
static int pool_cpu = -1;
static void body_cpu(void) { pool_cpu = sched_getcpu(); }
static int find_pool_cpu(void) {
  ipf_scenario sc = { "bench/cpu", IPF_EXPECT_OK, "", body_cpu, 0, 0, NULL };
  ipf_config c;
  ipf_config_init(&c);
  ipf_result r;
  ipf_exec(&sc, &c, &r);
  ipf_result_free(&r);
  return pool_cpu < 0 ? 0 : pool_cpu;
}

void ipf_bench_proc(void) {
  _Atomic uint32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  tally = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (word == MAP_FAILED || tally == MAP_FAILED) { printf("processes: no shared mapping, skipped\n"); return; }
  printf("processes (issue 13): a switch per point, within one process and across two (best of %d)\n", ROUNDS);

  cpu_set_t saved, one;
  pthread_getaffinity_np(pthread_self(), sizeof saved, &saved);
  CPU_ZERO(&one);
  CPU_SET(find_pool_cpu(), &one);
  /* every round measures all of them, so that a burst of load elsewhere on the
   * machine falls on all of them alike */
  double ho[3] = { 0, 0, 0 };
  struct form same = { .body = body_threads, .ops = SW_OPS },
              cross = { .body = body_processes, .flags = IPF_SC_FORKS, .ops = SW_OPS },
              fd_same = { .body = body_fd_threads, .flags = IPF_SC_FDS, .ops = FD_OPS },
              fd_cross = { .body = body_fd_processes, .flags = IPF_SC_FDS | IPF_SC_FORKS, .ops = FD_OPS };
  for (int k = 0; k < ROUNDS; k++) {
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    for (int kind = 0; kind < 3; kind++) {
      double h = handoff(kind, word);
      if (h > 0) ho[kind] = ho[kind] > 0 ? best(ho[kind], h) : h;
    }
    pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    form_round(&same);
    form_round(&cross);
    form_round(&fd_same);
    form_round(&fd_cross);
  }

  if (!ho[0] || !ho[1] || !ho[2]) { printf("  raw handoffs: a thread or process could not start, not measured\n"); return; }
  printf("  raw futex handoff, threads, private futex      %8.2f us\n", ho[0] * 1e6);
  printf("  raw futex handoff, threads, shared futex       %8.2f us  (%.2fx private: the scheduler's handoff now)\n",
         ho[1] * 1e6, ho[1] / ho[0]);
  printf("  raw futex handoff, two processes, shared futex %8.2f us  (%.2fx threads, shared: the kernel's share)\n",
         ho[2] * 1e6, ho[2] / ho[1]);
  double cs = form_cost(&same), cx = form_cost(&cross), fs = form_cost(&fd_same), fx = form_cost(&fd_cross);
  if (!cs || !cx) { printf("  scheduler figures: a run did not end ok, not measured\n"); return; }
  printf("  scheduler, switch within one process           %8.2f us  = %.2fx raw threads shared (%ld of %ld points"
         " alternate threads, %ld preemptions)\n", cs * 1e6, cs / ho[1], same.at.alternations, same.at.points,
         same.at.preemptions);
  printf("  scheduler, switch across processes             %8.2f us  = %.2fx raw processes  (%ld of %ld points"
         " alternate processes, %ld preemptions)\n", cx * 1e6, cx / ho[2], cross.at.alternations, cross.at.points,
         cross.at.preemptions);
  printf("  cross-process switch / same-process switch     %8.2fx (target <= 2x)\n", cx / cs);
  if (fs && fx) {
    printf("  scheduler, a write while main waits on an fd:\n");
    printf("    main in the same process                     %8.2f us\n", fs * 1e6);
    printf("    main in another process                      %8.2f us  = %.2fx (each point asks main's process"
           " whether its wait holds)\n", fx * 1e6, fx / fs);
  }

  int bad_t = 0, bad_f = 0;
  double framed = 0, fork_framed = 0;
  for (int k = 0; k < 3; k++) {
    double a = eps("pipe/framed", 300, &bad_t), b = eps("pipe/fork-framed", 300, &bad_f);
    if (a > framed) framed = a;
    if (b > fork_framed) fork_framed = b;
  }
  printf("  pipe/framed (writer a thread)                  %8.0f executions/s\n", framed);
  printf("  pipe/fork-framed (writer a forked child)       %8.0f executions/s  (%.2fx pipe/framed)\n", fork_framed,
         framed > 0 ? fork_framed / framed : 0);
  if (bad_t || bad_f)
    printf("  (not ok: %d of pipe/framed's and %d of pipe/fork-framed's 900 executions)\n", bad_t, bad_f);
}
