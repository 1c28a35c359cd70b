/* make bench: speed as ratios against baselines measured in the same run.
 *
 * DESIGN. The machine is shared and noisy, so absolute times drift; every
 * figure is printed next to a baseline taken in the same process a moment
 * earlier: the scheduler's cost per scheduling point against a raw futex
 * ping-pong between two threads pinned to one CPU (the floor for any handoff),
 * and executions per second of a catalog scenario. Each figure is the best of
 * five rounds, the usual defence against interference. Families add their own
 * sections (ipf_bench_proc, ipf_bench_stream, ipf_bench_queue, ipf_bench_exec) in files of their own. Nothing
 * here is asserted: targets are printed beside the figures.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipcfault/run.h"
#include "ipcfault/sched.h"

void ipf_bench_stream(void) __attribute__((weak));
void ipf_bench_queue(void) __attribute__((weak));
void ipf_bench_exec(void) __attribute__((weak));
void ipf_bench_dfs(void) __attribute__((weak));
void ipf_bench_mem(void) __attribute__((weak));
void ipf_bench_proc(void) __attribute__((weak));

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- raw futex ping-pong -------------------------------------------------- */

#define PP_ROUNDS 20000
static _Atomic uint32_t turn;

static void fwait(uint32_t want) {
  uint32_t v;
  while ((v = atomic_load_explicit(&turn, memory_order_acquire)) != want)
    syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}
static void fpass(uint32_t to) {
  atomic_store_explicit(&turn, to, memory_order_release);
  syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
static void *pong(void *arg) {
  (void)arg;
  for (int i = 0; i < PP_ROUNDS; i++) { fwait(1); fpass(0); }
  return NULL;
}

/* Seconds per one-way handoff between two threads on CPU cpu_a and cpu_b. */
static double pingpong(int cpu_a, int cpu_b) {
  pthread_t t;
  pthread_attr_t a;
  cpu_set_t set;
  pthread_attr_init(&a);
  CPU_ZERO(&set);
  CPU_SET(cpu_b, &set);
  pthread_attr_setaffinity_np(&a, sizeof set, &set);
  CPU_ZERO(&set);
  CPU_SET(cpu_a, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  atomic_store(&turn, 0);
  pthread_create(&t, &a, pong, NULL);
  double t0 = now();
  for (int i = 0; i < PP_ROUNDS; i++) { fpass(1); fwait(0); }
  double dt = now() - t0;
  pthread_join(t, NULL);
  pthread_attr_destroy(&a);
  return dt / (2.0 * PP_ROUNDS);
}

/* ---- scheduler cost per point ------------------------------------------------ */

#define SW_OPS 20000
static int word;
static void storer(void *arg) {
  (void)arg;
  for (int i = 0; i < SW_OPS; i++) ipf_store(&word, i);
}
static void two_storers(void) {
  ipf_thread_t a, b;
  ipf_thread_create(&a, "a", storer, NULL);
  ipf_thread_create(&b, "b", storer, NULL);
  ipf_thread_join(&a);
  ipf_thread_join(&b);
}
static void one_storer(void) {
  ipf_thread_t a;
  ipf_thread_create(&a, "a", storer, NULL);
  ipf_thread_join(&a);
}

/* Seconds per scheduling point of body under cfg. */
static double per_point(void (*body)(void), ipf_strategy s, uint64_t seed) {
  ipf_scenario sc = { "bench/points", IPF_EXPECT_OK, "", body, 0, 0, NULL };
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = s;
  c.seed = seed;
  c.max_steps = 10 * SW_OPS;
  ipf_result r;
  double t0 = now();
  ipf_exec(&sc, &c, &r);
  double dt = now() - t0;
  double per = dt / (double)r.steps;
  ipf_result_free(&r);
  return per;
}

static double best(double a, double b) { return a < b ? a : b; }

int main(void) {
  int cpu = sched_getcpu();
  int other = cpu == 0 ? 1 : 0;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  printf("ipcfault bench (best of 5 rounds; ratios against baselines from this run)\n\n");

  double pp_same = 1, pp_cross = 1;
  for (int k = 0; k < 5; k++) {
    double s = pingpong(cpu, cpu);
    pp_same = k ? best(pp_same, s) : s;
    if (ncpu > 1) { double x = pingpong(cpu, other); pp_cross = k ? best(pp_cross, x) : x; }
  }
  /* undo the pinning pingpong left on this thread */
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int i = 0; i < ncpu && i < CPU_SETSIZE; i++) CPU_SET(i, &all);
  pthread_setaffinity_np(pthread_self(), sizeof all, &all);

  printf("raw futex handoff, one CPU      %8.2f us\n", pp_same * 1e6);
  if (ncpu > 1) printf("raw futex handoff, across CPUs  %8.2f us  (%.1fx the one-CPU cost: why workers are pinned)\n",
                       pp_cross * 1e6, pp_cross / pp_same);

  /* rr with seed 8 has quantum 1: every point hands over to the other thread */
  double sw = 1, stay = 1;
  for (int k = 0; k < 5; k++) {
    double s = per_point(two_storers, IPF_STRAT_RR, 8);
    double t = per_point(one_storer, IPF_STRAT_RANDOM, 1);
    sw = k ? best(sw, s) : s;
    stay = k ? best(stay, t) : t;
  }
  printf("scheduler, point with a switch  %8.2f us  = %.2fx raw handoff (target <= 2x)\n", sw * 1e6, sw / pp_same);
  printf("scheduler, point without switch %8.3f us\n", stay * 1e6);

  const ipf_scenario *sc = ipf_scenario_find("shm/continue-atomic");
  if (sc) {
    double eps = 0;
    for (int k = 0; k < 5; k++) {
      ipf_config c;
      ipf_config_init(&c);
      c.strategy = IPF_STRAT_PCT;
      c.seed = (uint64_t)k + 1;
      ipf_result r;
      long n;
      double t0 = now();
      ipf_explore(sc, &c, 3000, &r, &n);
      double e = n / (now() - t0);
      if (e > eps) eps = e;
      ipf_result_free(&r);
    }
    printf("shm/continue-atomic under pct   %8.0f executions/s (target >= 5000)\n", eps);
  }
  if (ipf_bench_proc) { printf("\n"); ipf_bench_proc(); }
  if (ipf_bench_stream) { printf("\n"); ipf_bench_stream(); }
  if (ipf_bench_queue) { printf("\n"); ipf_bench_queue(); }
  if (ipf_bench_exec) { printf("\n"); ipf_bench_exec(); }
  if (ipf_bench_dfs) ipf_bench_dfs();
  if (ipf_bench_mem) { printf("\n"); ipf_bench_mem(); }
  return 0;
}
