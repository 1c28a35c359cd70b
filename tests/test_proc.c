/* Criterion tests of runs that span processes (issue 13): ipf_fork is a
 * scheduling point, the child a managed thread of the same run; blocking
 * across processes is seen (deadlocks named with both pids); a child killed
 * by a signal, never reaped, or still running at the end is an oracle
 * failure; schedules replay; nothing is left behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

#include "children.h"
#include "peers.h"

static int run(const ipf_scenario *sc, int strategy, uint64_t seed, const char *schedule, ipf_result *r) {
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = strategy;
  c.seed = seed;
  c.schedule = schedule;
  return ipf_exec(sc, &c, r);
}

/* ---- parent and child over a pipe, the child writes, the parent drains ---- */
static int drain_first = 1;
static size_t child_bytes = 64;
static void body_pipe(void) {
  int p[2];
  cr_assert_eq(ipf_pipe(p), 0);
  pid_t pid = ipf_fork("writer");
  if (pid == 0) {
    ipf_close(p[0]);
    char b[4096];
    memset(b, 'x', sizeof b);
    for (size_t done = 0; done < child_bytes;) {
      size_t k = child_bytes - done < sizeof b ? child_bytes - done : sizeof b;
      ssize_t w = ipf_write(p[1], b, k);
      if (w <= 0) ipf_exit(3);
      done += (size_t)w;
    }
    ipf_close(p[1]);
    ipf_exit(0);
  }
  ipf_close(p[1]);
  int st = -1;
  if (!drain_first) ipf_waitpid(pid, &st, 0);
  size_t got = 0;
  char b[4096];
  for (;;) {
    ssize_t n = ipf_read(p[0], b, sizeof b);
    if (n <= 0) break;
    got += (size_t)n;
  }
  ipf_close(p[0]);
  if (drain_first) ipf_waitpid(pid, &st, 0);
  if (got != child_bytes) ipf_fail("count", "read %zu of %zu bytes", got, child_bytes);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) ipf_fail("child", "child status %#x", st);
}
static const ipf_scenario sc_pipe = { "test/proc-pipe", IPF_EXPECT_OK, "", body_pipe, IPF_SC_FDS | IPF_SC_FORKS, 0, NULL };

Test(proc, drain_then_wait_is_clean_and_leaves_nothing, .timeout = 60) {
  drain_first = 1;
  child_bytes = 3 * 4096 + 17;
  int before = nchildren();
  for (int i = 0; i < 200; i++) {
    ipf_result r;
    int v = run(&sc_pipe, i % 2 ? IPF_STRAT_PCT : IPF_STRAT_RANDOM, (uint64_t)i, NULL, &r);
    cr_assert_eq(v, IPF_VERDICT_OK, "seed %d: %s: %s", i, r.kind, r.message);
    cr_assert_eq(r.nthreads, 2, "one thread per process");
    ipf_result_free(&r);
  }
  cr_assert_eq(nchildren(), before, "a process of a run outlived it");
}

Test(proc, wait_before_drain_is_a_deadlock_naming_both_processes, .timeout = 60) {
  drain_first = 0;
  child_bytes = 200000;                /* more than a pipe holds */
  ipf_result r;
  int v = run(&sc_pipe, IPF_STRAT_RANDOM, 1, NULL, &r);
  cr_assert_eq(v, IPF_VERDICT_BUG, "%s", r.message);
  cr_assert_str_eq(r.kind, "deadlock", "%s", r.message);
  cr_assert(strstr(r.message, "parent (pid "), "%s", r.message);
  cr_assert(strstr(r.message, "writer (pid "), "%s", r.message);
  cr_assert(strstr(r.message, "waitpid"), "%s", r.message);
  cr_assert(strstr(r.message, "pipe"), "%s", r.message);
  char *sched = strdup(r.schedule);
  ipf_result_free(&r);
  for (int i = 0; i < 5; i++) {
    v = run(&sc_pipe, IPF_STRAT_REPLAY, 0, sched, &r);
    cr_assert_eq(v, IPF_VERDICT_BUG, "replay %d: %s", i, r.message);
    cr_assert_str_eq(r.kind, "deadlock");
    ipf_result_free(&r);
  }
  free(sched);
  cr_assert_eq(nchildren(), 0);
}

/* ---- the interleaving of two processes replays exactly ---- */
static int shared_log[64];
static void body_order(void) {
  int p[2];
  cr_assert_eq(ipf_pipe(p), 0);
  pid_t pid = ipf_fork(NULL);
  if (pid == 0) {
    ipf_close(p[0]);
    for (int i = 0; i < 6; i++) { char c = (char)('a' + i); ipf_write(p[1], &c, 1); }
    ipf_exit(0);
  }
  ipf_close(p[1]);
  /* the parent records, between its own steps, what it has read so far */
  int n = 0;
  char c;
  for (int i = 0; i < 20; i++) {
    ipf_yield();
    shared_log[i] = n;
    if (n < 6 && i % 3 == 0 && ipf_read(p[0], &c, 1) == 1) n++;
  }
  while (ipf_read(p[0], &c, 1) == 1) n++;
  ipf_close(p[0]);
  int st;
  ipf_waitpid(pid, &st, 0);
  if (n != 6) ipf_fail("count", "read %d", n);
}
static const ipf_scenario sc_order = { "test/proc-order", IPF_EXPECT_OK, "", body_order, IPF_SC_FDS | IPF_SC_FORKS, 0, NULL };

Test(proc, a_schedule_replays_the_same_interleaving_of_processes, .timeout = 60) {
  for (int seed = 1; seed <= 10; seed++) {
    ipf_result r;
    cr_assert_eq(run(&sc_order, IPF_STRAT_RANDOM, (uint64_t)seed, NULL, &r), IPF_VERDICT_OK, "%s", r.message);
    int log1[64];
    memcpy(log1, shared_log, sizeof log1);
    long steps = r.steps;
    char *sched = strdup(r.schedule);
    ipf_result_free(&r);
    cr_assert_eq(run(&sc_order, IPF_STRAT_REPLAY, 0, sched, &r), IPF_VERDICT_OK, "%s", r.message);
    cr_assert_eq(r.steps, steps, "seed %d: %ld steps, replay %ld", seed, steps, r.steps);
    cr_assert_arr_eq(shared_log, log1, sizeof log1, "seed %d: the replay interleaved differently", seed);
    ipf_result_free(&r);
    free(sched);
  }
}

/* ---- process oracles ---- */
static int mode;
static void body_oracle(void) {
  int p[2];
  cr_assert_eq(ipf_pipe(p), 0);
  pid_t pid = ipf_fork("victim");
  if (pid == 0) {
    ipf_close(p[1]);
    if (mode == 0) raise(SIGKILL);                     /* killed by a signal */
    if (mode == 2) { char c; ipf_read(p[0], &c, 1); }  /* blocks until the parent closes */
    ipf_close(p[0]);
    ipf_exit(0);
  }
  ipf_close(p[0]);
  if (mode == 0) { int st; ipf_waitpid(pid, &st, 0); }
  if (mode == 1) { for (int i = 0; i < 10; i++) ipf_yield(); }  /* never reaps */
  if (mode == 2) { ipf_yield(); }                  /* returns with the child still reading */
  if (mode != 2) ipf_close(p[1]);
  else {
    /* keep the write end open past the end of main: the child is alive */
    static int keep;
    keep = p[1];
    (void)keep;
  }
}
static const ipf_scenario sc_oracle = { "test/proc-oracle", IPF_EXPECT_OK, "", body_oracle, IPF_SC_FORKS, 0, NULL };

Test(proc, process_oracles_are_named, .timeout = 60) {
  static const char *kinds[] = { "process-killed", "zombie", "process-alive" };
  for (mode = 0; mode < 3; mode++) {
    ipf_result r;
    int v = run(&sc_oracle, IPF_STRAT_RANDOM, 3, NULL, &r);
    cr_assert_eq(v, IPF_VERDICT_BUG, "mode %d: %s", mode, r.message);
    cr_assert_str_eq(r.kind, kinds[mode], "mode %d: %s", mode, r.message);
    cr_assert(strstr(r.message, "victim (pid "), "%s", r.message);
    ipf_result_free(&r);
  }
  cr_assert_eq(nchildren(), 0);
}

/* ---- separately exec'd programs stay in the run (ipf_exec_peer) ---- */
/* this test binary is the peers' image too (the kit's constructor hands a
 * peer image to its role before criterion's main) */
static int peer_writer(int argc, char **argv) {
  if (argc < 2) return 10;
  int fd = ipf_open(argv[1], O_WRONLY, 0);
  if (fd < 0) return 11;
  for (int i = 0; i < 5; i++) { char c = (char)('0' + i); if (ipf_write(fd, &c, 1) != 1) return 12; }
  ipf_close(fd);
  return 0;
}
static int peer_reader(int argc, char **argv) {
  if (argc < 2) return 20;
  int fd = ipf_open(argv[1], O_RDONLY, 0);
  if (fd < 0) return 21;
  char b[16];
  int n = 0;
  ssize_t k;
  while ((k = ipf_read(fd, b + n, sizeof b - (size_t)n)) > 0) n += (int)k;
  ipf_close(fd);
  return n == 5 && !memcmp(b, "01234", 5) ? 0 : 22;
}
__attribute__((constructor(200))) static void peers(void) {
  ipf_register_peer("test-writer", peer_writer);
  ipf_register_peer("test-reader", peer_reader);
}
static void body_peers(void) {
  char dir[128], path[160];
  peer_fifo(dir, sizeof dir, path, sizeof path);
  pid_t w = fork_peer("writer", "test-writer", path);
  pid_t r = fork_peer("reader", "test-reader", path);
  int sw = -1, sr = -1;
  ipf_waitpid(w, &sw, 0);
  ipf_waitpid(r, &sr, 0);
  ipf_tmpdir_remove(dir);
  if (!WIFEXITED(sw) || WEXITSTATUS(sw)) ipf_fail("writer", "status %#x", sw);
  if (!WIFEXITED(sr) || WEXITSTATUS(sr)) ipf_fail("reader", "status %#x", sr);
}
static const ipf_scenario sc_peers = { "test/proc-peers", IPF_EXPECT_OK, "", body_peers, IPF_SC_FDS | IPF_SC_FORKS, 0, NULL };

Test(proc, exec_peers_meet_on_a_fifo_and_replay, .timeout = 120) {
  for (int seed = 1; seed <= 30; seed++) {
    ipf_result r;
    int v = run(&sc_peers, seed % 2 ? IPF_STRAT_PCT : IPF_STRAT_RANDOM, (uint64_t)seed, NULL, &r);
    cr_assert_eq(v, IPF_VERDICT_OK, "seed %d: %s", seed, r.message);
    long steps = r.steps;
    char *sched = strdup(r.schedule);
    ipf_result_free(&r);
    cr_assert_eq(run(&sc_peers, IPF_STRAT_REPLAY, 0, sched, &r), IPF_VERDICT_OK, "%s", r.message);
    cr_assert_eq(r.steps, steps, "seed %d: replay took %ld steps, not %ld", seed, r.steps, steps);
    ipf_result_free(&r);
    free(sched);
  }
  cr_assert_eq(nchildren(), 0);
}
