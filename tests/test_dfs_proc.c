/* Criterion tests of the systematic search across processes (issue 14 on
 * issue 13's runs): a decision a forked child takes is on the same search
 * stack as its parent's (dfs.c's shared arena), so the search enumerates
 * exactly the schedules of a two-process program counted by hand, finds an
 * ordering bug between processes at its depth, and leaves nothing behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"

#include "children.h"
#include "peers.h"

/* The hand-countable program: main forks c, which exits at once; main
 * waits for it.
 *
 * After the fork main stands at the fork's scheduling point (main or c may
 * run first). Main's steps from there: m1 (to waitpid's point) and m2
 * (waitpid: reaps c if it has exited, else blocks; a blocked main has no
 * alternative left, and its wake-up is forced). c's steps: c1 (its start,
 * to ipf_exit's point) and c2 (the exit; the controller hands the token on
 * once c is gone). Each interleaving of m1 m2 with c1 c2 is one schedule:
 * C(4,2) = 6. Preemptions (leaving a thread that could go on):
 *   m1 m2 c1 c2: 0       m1 c1 c2 m2: 1 (at waitpid's point)
 *   c1 c2 m1 m2: 1 (at the fork's point)
 *   m1 c1 m2 c2: 2 (waitpid's point, c's exit point)
 *   c1 m1 m2 c2: 2 (fork's point, c's exit point)
 *   c1 m1 c2 m2: 3 (fork's, c's exit, waitpid's)
 * so 1, 3, 5 schedules at bounds 0, 1, 2 and 6 unbounded. Every step after
 * the fork is dependent on every other (fork, exit and waitpid are
 * unmodelled, and addresses no longer name objects once a run has forked:
 * dfs.c), so sleep sets prune nothing: reduced, 6 too. Were c's decisions
 * lost to the parent (per-process search state), the counts would differ. */
static void fork_wait_body(void) {
  pid_t pid = ipf_fork("c");
  if (pid == 0) ipf_exit(0);
  int st = -1;
  ipf_check(ipf_waitpid(pid, &st, 0) == pid, "waitpid", "waitpid failed");
  ipf_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status", "status %d", st);
}
static const ipf_scenario fork_wait = { "test/dfs-fork-wait", IPF_EXPECT_OK, "fork, exit, waitpid",
                                        fork_wait_body, IPF_SC_FORKS, 0, NULL };

/* What dfs found replays like any schedule, to the same kind of bug. */
static void replays_as(const ipf_scenario *sc, const char *schedule, const char *kind) {
  ipf_config rc;
  ipf_config_init(&rc);
  rc.strategy = IPF_STRAT_REPLAY;
  rc.schedule = schedule;
  ipf_result rr;
  cr_assert_eq(ipf_exec(sc, &rc, &rr), IPF_VERDICT_BUG, "%s replay: %s", sc->name, rr.message);
  cr_assert_str_eq(rr.kind, kind);
  ipf_result_free(&rr);
}

static ipf_dfs_stats search(const ipf_scenario *sc, int bound, int exact, int reduce, int *v, ipf_result *r) {
  ipf_config c;
  ipf_config_init(&c);
  c.dfs_preemptions = bound;
  c.dfs_bound_exact = exact;
  c.dfs_reduction = reduce;
  ipf_dfs_stats st;
  *v = ipf_explore_dfs(sc, &c, 100000, r, &st, NULL);
  return st;
}

Test(dfs_proc, counts_every_schedule_of_a_fork_exit_waitpid) {
  long want[] = { 1, 3, 5 };
  for (int k = 0; k < 3; k++) {
    int v;
    ipf_result r;
    ipf_dfs_stats st = search(&fork_wait, k, 1, 0, &v, &r);
    cr_assert_eq(v, IPF_VERDICT_OK, "bound %d: %s", k, r.message);
    cr_assert(st.exhaustive && !st.unbounded, "bound %d", k);
    cr_assert_eq(st.schedules, want[k], "bound %d: %ld schedules", k, st.schedules);
    ipf_result_free(&r);
  }
  for (int reduce = 0; reduce < 2; reduce++) {
    int v;
    ipf_result r;
    ipf_dfs_stats st = search(&fork_wait, -1, 0, reduce, &v, &r);
    cr_assert_eq(v, IPF_VERDICT_OK, "%s", r.message);
    cr_assert(st.exhaustive && st.unbounded);
    cr_assert_eq(st.schedules, 6, "reduce=%d: %ld schedules", reduce, st.schedules);
    cr_assert_eq(st.pruned, 0);
    ipf_result_free(&r);
  }
  cr_assert_eq(nchildren(), 0, "processes left behind");
}

Test(dfs_proc, default_search_of_a_fork_is_exhaustive_at_bound_two) {
  int v;
  ipf_result r;
  ipf_dfs_stats st = search(&fork_wait, 2, 0, 1, &v, &r);
  cr_assert_eq(v, IPF_VERDICT_OK, "%s", r.message);
  cr_assert(st.exhaustive);
  cr_assert_eq(st.bound, 2);
  cr_assert_eq(st.schedules, 5, "%ld schedules", st.schedules);
  char line[512];
  ipf_dfs_summary(&st, line, sizeof line);
  cr_assert(strstr(line, "exhaustive: every schedule up to 2 preemptions and 1 fault explored (5 schedules"), "%s",
            line);
  ipf_result_free(&r);
}

/* The ordering bug: the child reads the pipe without waiting (O_NONBLOCK)
 * as if the parent had already written. Without a preemption main runs on
 * from the fork, writes, and blocks in waitpid: the child finds the byte.
 * One preemption at the fork's point runs the child first: it finds the
 * pipe empty and says so with its exit status, the parent's oracle. */
static void early_read_body(void) {
  int p[2];
  cr_assert_eq(ipf_pipe(p), 0);
  cr_assert_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
  pid_t pid = ipf_fork("reader");
  if (pid == 0) {
    ipf_close(p[1]);
    char b;
    ssize_t n = ipf_read(p[0], &b, 1);
    ipf_close(p[0]);
    ipf_exit(n == 1 && b == 'x' ? 0 : 1);
  }
  ipf_check(ipf_write(p[1], "x", 1) == 1, "write", "write: %s", strerror(errno));
  ipf_close(p[1]);
  int st = -1;
  ipf_waitpid(pid, &st, 0);
  ipf_close(p[0]);                      /* kept open until now: the write never meets EPIPE */
  ipf_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "read-before-write",
            "the child read the pipe before the parent wrote (status %d)", st);
}
static const ipf_scenario early_read = { "test/dfs-early-read", IPF_EXPECT_BUG, "read before write",
                                         early_read_body, IPF_SC_FORKS | IPF_SC_FDS, 0, NULL };

Test(dfs_proc, finds_a_read_before_the_write_between_processes_at_depth_one_and_replays_it) {
  int v;
  ipf_result r;
  ipf_dfs_stats st = search(&early_read, 2, 0, 1, &v, &r);
  cr_assert_eq(v, IPF_VERDICT_BUG, "%s", r.message);
  cr_assert_str_eq(r.kind, "read-before-write");
  cr_assert_eq(st.depth, 1, "depth %d", st.depth);
  cr_assert_eq(st.bound, 1);
  replays_as(&early_read, r.schedule, "read-before-write");
  ipf_result_free(&r);
  cr_assert_eq(nchildren(), 0, "processes left behind");
}

/* A search run by a process forked outside any run (a campaign's cell)
 * makes its own arena: its parent's is not its to extend, and the parent's
 * next search is not disturbed. */
Test(dfs_proc, a_forked_searcher_has_its_own_state) {
  int v;
  ipf_result r;
  search(&fork_wait, 1, 1, 0, &v, &r);           /* the parent's arena exists */
  ipf_result_free(&r);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    ipf_dfs_stats st = search(&fork_wait, 2, 1, 0, &v, &r);
    _exit(v == IPF_VERDICT_OK && st.exhaustive && st.schedules == 5 ? 0 : 1);
  }
  int ws;
  cr_assert_eq(waitpid(pid, &ws, 0), pid);
  cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "child search: status %d", ws);
  ipf_dfs_stats st = search(&fork_wait, -1, 0, 0, &v, &r);
  cr_assert_eq(v, IPF_VERDICT_OK, "%s", r.message);
  cr_assert_eq(st.schedules, 6);
  ipf_result_free(&r);
}

/* A peer image (ipf_exec_peer) takes its decisions on the same stack: the
 * bug below needs a preemption inside the peer, between its two writes,
 * so a search that lost the peer's decisions would call it clean. The
 * role is registered before sched.c's peer hook looks for it. */
static int two_writes(int argc, char **argv) {
  if (argc < 2) return 10;
  int fd = ipf_open(argv[1], O_WRONLY, 0);
  if (fd < 0) return 11;
  if (ipf_write(fd, "x", 1) != 1 || ipf_write(fd, "y", 1) != 1) return 12;
  ipf_close(fd);
  return 0;
}
__attribute__((constructor(200))) static void dfs_peers(void) { ipf_register_peer("dfs-two-writes", two_writes); }

static void peer_split_body(void) {
  char dir[128], path[160];
  peer_fifo(dir, sizeof dir, path, sizeof path);
  pid_t w = fork_peer("writer", "dfs-two-writes", path);
  int fd = ipf_open(path, O_RDONLY, 0);
  char a = 0, b = 0;
  ssize_t n1 = fd >= 0 ? ipf_read(fd, &a, 1) : -1;
  if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  ssize_t n2 = fd >= 0 ? ipf_read(fd, &b, 1) : -1;     /* BUG: assumes both writes are done */
  int st = -1;
  ipf_waitpid(w, &st, 0);
  if (fd >= 0) ipf_close(fd);
  ipf_tmpdir_remove(dir);
  ipf_check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer", "writer status %#x", st);
  ipf_check(n1 == 1 && a == 'x' && n2 == 1 && b == 'y', "split-write", "read %zd then %zd", n1, n2);
}
static const ipf_scenario peer_split = { "test/dfs-peer-split", IPF_EXPECT_BUG, "a preemption inside a peer",
                                         peer_split_body, IPF_SC_FORKS | IPF_SC_FDS, 0, NULL };

Test(dfs_proc, finds_a_bug_that_needs_a_preemption_inside_a_peer_image, .timeout = 120) {
  int v;
  ipf_result r;
  ipf_dfs_stats st = search(&peer_split, 2, 0, 1, &v, &r);
  cr_assert_eq(v, IPF_VERDICT_BUG, "%s (%ld schedules)", r.message, st.schedules);
  cr_assert_str_eq(r.kind, "split-write", "%s", r.message);
  cr_assert_geq(st.depth, 1);
  replays_as(&peer_split, r.schedule, "split-write");
  ipf_result_free(&r);
  cr_assert_eq(nchildren(), 0, "processes left behind");
}
