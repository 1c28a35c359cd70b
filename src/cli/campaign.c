/* ipcfault campaign: many scenarios x strategies, fork-isolated, findings
 * deduplicated and shrunk; and ipcfault merge.
 *
 * DESIGN. The campaign process itself never runs an execution: it stays
 * single-threaded and forks a child per (scenario, strategy, plan) cell; the
 * child runs the cell's executions back to back in-process (thousands per
 * second, as explore does) and reports each failing one over a pipe. So a
 * crash (SIGSEGV, abort) or a hang past the wall-clock watchdog costs one
 * child: the parent records it as a finding at the execution the child was
 * in (published in shared memory, with the decisions taken so far, so even a
 * crash leaves a replayable schedule) and forks a new child that goes on from
 * the next execution. This is a forkserver whose server is the parent:
 * because the parent has no threads, fork() is safe and cheap, and each
 * child builds its own pool of parked workers.
 *
 * Findings are deduplicated by scenario, kind and place: the oracle that
 * failed, or the set of blocked threads with digits and addresses removed,
 * or the crash signal; a hang by the threads still running (the spinners),
 * not by what the others happened to be blocked in. Each keeps the lowest execution index that found it,
 * so a sharded campaign merged is the same as an unsharded one. Each
 * distinct finding is then shrunk in a child of its own: the decisions are
 * replayed as a byte stream while a delta-debugging loop cuts the tail and
 * zeroes chunks, keeping a candidate only if it fails the same way with no
 * more preemptions; the replay line printed is the shrunk one.
 *
 * Execution i of a cell belongs to shard I/N when i % N == I. A dfs cell
 * runs the systematic search instead (ipf_explore_dfs, plain bounded DFS:
 * the budget caps its executions), and sharding splits its search tree, not
 * execution indices: shard I takes the subtrees of the first branching
 * decisions whose mixed-radix index is I mod N (dfs.c, split_state), so the
 * shards' schedules partition the unsharded search's. Sleep-set reduction is
 * off in campaigns: it prunes a subtree by the siblings explored before it,
 * which may be another shard's, and a merged count must equal the unsharded
 * one. merge adds the shards' schedules and calls a cell exhaustive only
 * when every one of the N shards was. The results
 * directory holds results.tsv (one line per cell and per finding; what merge
 * reads), summary.txt, and findings/NNN.txt each with its replay line, and
 * campaign.args, the command line.
 *
 * Interruption: results are rewritten as each cell finishes (results.tsv
 * through a rename, so it is never half-written); SIGINT/SIGTERM stop the
 * running cell, mark it partial and write what was done. --resume DIR runs
 * DIR/campaign.args again, skipping the cells results.tsv lists as done (a
 * partial one runs again from its first execution: execution i is the same
 * execution in any run). Children ignore both signals (the parent ends them)
 * and die with the parent (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "ipcfault/fault.h"
#include "ipcfault/run.h"

void ipf__dfs_shard(int i, int n);     /* src/sched/dfs.h (internal) */

#define MIRROR_CAP (1u << 20)
#define MAX_CELLS 1024
#define MAX_FINDINGS 4096

typedef struct finding {
  char scenario[64];
  char strategy[16];
  char plan[256];            /* plan file name, "" for the default */
  char kind[32];
  char key[512];
  char message[2048];
  char schedule[8192];       /* replay line's schedule (shrunk when possible) */
  long index;                /* execution index in the cell */
  int rank;                  /* the cell's position: with index, which duplicate to keep */
  long preempt_before, preempt_after;
  char shrink_note[160];     /* why shrinking left the preemptions as they were */
  int crashed;               /* crash or watchdog hang: not shrunk */
  uint32_t *dec;             /* decisions of the failing execution */
  size_t ndec;
} finding;

typedef struct cell {
  const ipf_scenario *sc;
  ipf_strategy strategy;
  const char *plan_file;     /* NULL: default plan */
  const ipf_plan *plan;
  long executions;
  int found;                 /* findings in this cell */
  int hangs;                 /* watchdog hangs: each costs --watchdog seconds */
  int state;                 /* CELL_TODO, CELL_DONE, CELL_PARTIAL (interrupted) */
  double secs;               /* wall-clock time the cell took (JUnit) */
  /* dfs: what the search covered (merged: summed over dfs_shards shards) */
  int dfs_shards, dfs_exhaustive, dfs_unbounded, dfs_bound, dfs_depth, dfs_max_faults;
  long dfs_schedules, dfs_pruned, dfs_at_least;
} cell;

enum { CELL_TODO, CELL_DONE, CELL_PARTIAL };

typedef struct shared_state {
  volatile long cur;         /* execution index being run, -1 between */
  volatile long done;        /* executions finished */
  volatile size_t mlen;
  uint32_t mirror[MIRROR_CAP];
} shared_state;

static struct {
  long budget;
  double time_limit;
  int shard_i, shard_n;
  uint64_t seed;
  double watchdog;
  const char *out;
  const char *junit;
  const char *resume;        /* --resume DIR */
  int tap, json, shrink, quiet;
  int dfs_k, dfs_f, dfs_opt;   /* --preemptions, --max-faults (dfs cells); given */
  ipf_strategy strategies[8]; int nstrat;
  const char *plan_files[16]; ipf_plan *plans[16]; int nplans;
  const ipf_scenario *scen[256]; int nscen;
} O;

static cell cells[MAX_CELLS];
/* SIGINT/SIGTERM: the parent stops the running cell and writes what was
 * done; children ignore both (the parent ends them), so that a Ctrl-C sent
 * to the process group is not mistaken for a crash of the code under test. */
static volatile sig_atomic_t got_signal;
static void on_signal(int sig) { got_signal = sig; }

static void in_child(pid_t parent) {
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  ipf__die_with_parent(parent);
}
static int ncells;
static finding *finds;
static int nfinds;
static int tty;
static long total_execs;
static double t_start;

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", ipf__prog());
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

static const char *strat_name(ipf_strategy s) {
  switch (s) {
  case IPF_STRAT_PCT: return "pct";
  case IPF_STRAT_RR: return "rr";
  case IPF_STRAT_RANDOM: return "random";
  case IPF_STRAT_DFS: return "dfs";
  default: return "?";
  }
}

/* ---- write-fully / read-fully over the child pipe -------------------------- */

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t k = write(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    c += k;
    n -= (size_t)k;
  }
  return 0;
}

static int read_all(int fd, void *p, size_t n) {
  char *c = p;
  while (n) {
    ssize_t k = read(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    c += k;
    n -= (size_t)k;
  }
  return 0;
}

/* A record: type, index, preemptions, then three strings and the decisions. */
enum { REC_FINDING = 1, REC_DONE = 2, REC_SHRUNK = 3, REC_DFS = 4 };
struct rec_head { int32_t type; int32_t lens[3]; int64_t index; int64_t preempt; uint64_t ndec; };

static void send_rec(int fd, int type, long index, long preempt, const char *a, const char *b, const char *c,
                     const uint32_t *dec, size_t ndec) {
  struct rec_head h = { type, { (int32_t)strlen(a), (int32_t)strlen(b), (int32_t)strlen(c) }, index, preempt, ndec };
  write_all(fd, &h, sizeof h);
  write_all(fd, a, (size_t)h.lens[0]);
  write_all(fd, b, (size_t)h.lens[1]);
  write_all(fd, c, (size_t)h.lens[2]);
  if (ndec) write_all(fd, dec, ndec * sizeof *dec);
}

/* ---- dedup keys -------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Kind and place: for deadlocks and threads left alive, the set of
 * "who is blocked in what" lines (for hangs, only the runnable threads':
 * where they loop), without the free-text wait reasons (they
 * carry counts and history), digits, addresses or temporary paths; two
 * consumers blocked on the same queue are the same place as one. */
static void normalize_line(const char *in, char *out, size_t len) {
  size_t o = 0;
  const char *end = strstr(in, " \xe2\x80\x94 ");      /* " — " starts the wait reason */
  if (!end) end = in + strlen(in);
  for (const char *r = in; r < end && o + 1 < len; r++) {
    if (r[0] == '0' && r[1] == 'x') { r++; while (r[1] && strchr("0123456789abcdef", r[1])) r++; continue; }
    if (*r >= '0' && *r <= '9') continue;
    if (*r == '/' && (r == in || r[-1] == ' ' || r[-1] == '(')) {
      /* a path: keep its last component only */
      const char *q = r, *last = r;
      while (q < end && *q != ' ' && *q != ')' && *q != ':' && *q != ',') { if (*q == '/') last = q + 1; q++; }
      while (last < q && o + 1 < len) out[o++] = *last++;
      r = q - 1;
      continue;
    }
    out[o++] = *r;
  }
  out[o] = 0;
}

static void make_key(const char *scenario, const char *kind, const char *message, char *key, size_t len) {
  int place = !strcmp(kind, "deadlock") || !strcmp(kind, "hang") || !strcmp(kind, "threads-alive");
  if (!strcmp(kind, "crash")) {            /* the signal is the place */
    char n[256];
    normalize_line(message, n, sizeof n);
    snprintf(key, len, "%s|%s|%s", scenario, kind, n);
    return;
  }
  if (!place) { snprintf(key, len, "%s|%s", scenario, kind); return; }
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", message);
  static char norm[64][256];
  char *lines[64];
  int n = 0;
  for (char *save, *l = strtok_r(buf, "\n", &save); l && n < 64; l = strtok_r(NULL, "\n", &save)) {
    if (l == buf) continue;                /* the headline carries the step count */
    normalize_line(l, norm[n], sizeof norm[n]);
    int dup = 0;
    for (int k = 0; k < n && !dup; k++) dup = !strcmp(norm[k], norm[n]);
    if (!dup) { lines[n] = norm[n]; n++; }
  }
  if (!strcmp(kind, "hang")) {
    /* a hang is the threads that could still run, looping, whatever the
     * others happened to be blocked in when the bound struck and wherever
     * in its loop each spinner was caught: keep only the runnable threads'
     * names (every line when none is listed) */
    int k = 0;
    for (int i = 0; i < n; i++) {
      char *r = strstr(lines[i], ": runnable");
      if (!r) continue;
      r[strlen(": runnable")] = 0;       /* not where in its loop the bound caught it */
      lines[k++] = lines[i];
    }
    if (k) n = k;
  }
  qsort(lines, (size_t)n, sizeof *lines, cmp_str);
  size_t o = (size_t)snprintf(key, len, "%s|%s", scenario, kind);
  for (int i = 0; i < n && o < len; i++) o += (size_t)snprintf(key + o, len - o, "|%s", lines[i]);
}

/* ---- the child: one cell's executions ------------------------------------------ */

/* PCT's step estimate is fixed per cell, so that execution i is the same
 * execution in every shard and every child: the longest of three random
 * executions (seeds 0-2), measured in a child of its own because a scenario
 * may crash; 100 when it does. */
static long pct_estimate(const ipf_scenario *sc, const ipf_plan *plan) {
  int p[2];
  if (pipe(p) < 0) return 100;
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) { close(p[0]); close(p[1]); return 100; }
  if (pid == 0) {
    in_child(parent);
    close(p[0]);
    long k = 0;
    for (uint64_t seed = 0; seed < 3; seed++) {
      ipf_config c;
      ipf_config_init(&c);
      c.plan = plan;
      c.seed = seed;
      ipf_result r;
      ipf_exec(sc, &c, &r);
      if (r.steps > k) k = r.steps;
      ipf_result_free(&r);
    }
    write_all(p[1], &k, sizeof k);
    _exit(0);
  }
  close(p[1]);
  long k = 0;
  struct pollfd pf = { p[0], POLLIN, 0 };
  if (poll(&pf, 1, (int)(O.watchdog * 1000)) <= 0 || read_all(p[0], &k, sizeof k) < 0 || k <= 0) {
    kill(pid, SIGKILL);
    k = 100;
  } else {
    k += k / 2;
  }
  close(p[0]);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  return k;
}

/* A dfs cell's child: one search, its stop hook publishing progress. */
static shared_state *dfs_sh;
static double dfs_deadline;
static long dfs_calls;
static int dfs_stop(void) {
  /* called before each execution: the ones before it are done (the
   * watchdog watches done move) */
  dfs_sh->done = dfs_calls++;
  dfs_sh->cur = dfs_sh->done;
  return dfs_deadline > 0 && ipf__now_s() > dfs_deadline;
}

static void child_dfs(const cell *ce, double deadline, shared_state *sh, int fd) {
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = IPF_STRAT_DFS;
  c.plan = ce->plan;
  c.mirror = sh->mirror;
  c.mirror_cap = MIRROR_CAP;
  c.mirror_len = &sh->mlen;
  c.dfs_reduction = 0;                 /* see DESIGN: shards partition the plain search */
  c.dfs_preemptions = O.dfs_k;
  c.dfs_max_faults = O.dfs_f;
  ipf__dfs_shard(O.shard_i, O.shard_n);
  dfs_sh = sh;
  dfs_deadline = deadline;
  ipf_result r;
  ipf_dfs_stats st;
  /* executions are counted by the stop hook's caller: done = executions so far */
  int v = ipf_explore_dfs(ce->sc, &c, O.budget, &r, &st, dfs_stop);
  sh->done = st.executions;
  sh->cur = -1;
  if (v != IPF_VERDICT_OK)
    send_rec(fd, REC_FINDING, st.executions - 1, r.preemptions, r.kind, r.message, r.schedule ? r.schedule : "",
             sh->mirror, sh->mlen < MIRROR_CAP ? sh->mlen : MIRROR_CAP);
  char stats[256];
  snprintf(stats, sizeof stats, "%d %d %d %d %d %ld %ld %ld", st.exhaustive, st.unbounded, st.bound, st.depth,
           st.max_faults, st.schedules, st.pruned, st.exhaustive ? st.schedules : st.at_least);
  send_rec(fd, REC_DFS, 0, 0, stats, "", "", NULL, 0);
  if (st.executions) ipf_result_free(&r);
  send_rec(fd, REC_DONE, 0, 0, "", "", "", NULL, 0);
}

static void child_cell(const cell *ce, long from, double deadline, long pct_k, shared_state *sh, int fd) {
  if (ce->strategy == IPF_STRAT_DFS) { child_dfs(ce, deadline, sh, fd); return; }
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = ce->strategy;
  c.plan = ce->plan;
  c.mirror = sh->mirror;
  c.mirror_cap = MIRROR_CAP;
  c.mirror_len = &sh->mlen;
  c.pct_steps = pct_k;
  for (long i = from; i < O.budget; i++) {
    if (i % O.shard_n != O.shard_i) continue;
    if (deadline > 0 && ipf__now_s() > deadline) break;
    c.seed = ipf_exec_seed(O.seed, i);
    sh->cur = i;
    ipf_result r;
    int v = ipf_exec(ce->sc, &c, &r);
    sh->cur = -1;
    sh->done++;
    if (v != IPF_VERDICT_OK)
      send_rec(fd, REC_FINDING, i, r.preemptions, r.kind, r.message, r.schedule ? r.schedule : "",
               sh->mirror, sh->mlen < MIRROR_CAP ? sh->mlen : MIRROR_CAP);
    ipf_result_free(&r);
  }
  send_rec(fd, REC_DONE, 0, 0, "", "", "", NULL, 0);
}

/* ---- shrinking (in a child) ------------------------------------------------------ */

struct trial { int fails; long preempt; size_t len; uint64_t weight; char *schedule; };

static struct trial try_bytes(const ipf_scenario *sc, const ipf_plan *plan, const unsigned char *b, size_t n,
                              const char *key, long max_steps, uint32_t *mirror, size_t *mlen) {
  ipf_config c;
  ipf_config_init(&c);
  c.max_steps = max_steps;
  c.strategy = IPF_STRAT_BYTES;
  c.plan = plan;
  c.bytes = b;
  c.nbytes = n;
  c.mirror = mirror;
  c.mirror_cap = MIRROR_CAP;
  c.mirror_len = (volatile size_t *)mlen;
  ipf_result r;
  struct trial t = { 0, 0, 0, 0, NULL };
  if (ipf_exec(sc, &c, &r) == IPF_VERDICT_BUG) {
    char k[512];
    make_key(sc->name, r.kind, r.message, k, sizeof k);
    if (!strcmp(k, key)) {
      t.fails = 1;
      t.preempt = r.preemptions;
      t.len = *mlen;
      for (size_t i = 0; i < *mlen && i < MIRROR_CAP; i++) t.weight += mirror[i] ? 1 : 0;
      t.schedule = r.schedule;
      r.schedule = NULL;
    }
  }
  ipf_result_free(&r);
  return t;
}

/* Is a strictly simpler than b: fewer preemptions, then fewer decisions,
 * then fewer non-default decisions. */
static int better(const struct trial *a, const struct trial *b) {
  if (a->preempt != b->preempt) return a->preempt < b->preempt;
  if (a->len != b->len) return a->len < b->len;
  return a->weight < b->weight;
}

static void child_shrink(const ipf_scenario *sc, const ipf_plan *plan, const finding *f, int fd) {
  static uint32_t mirror[MIRROR_CAP];
  size_t mlen = 0;
  for (size_t i = 0; i < f->ndec; i++)
    if (f->dec[i] > 255) {
      send_rec(fd, REC_SHRUNK, 0, f->preempt_before, "", "a decision had more than 256 options (not a byte stream)", "", NULL, 0);
      return;
    }
  size_t n = f->ndec;
  unsigned char *cur = malloc(n + 1), *cand = malloc(n + 1);
  for (size_t i = 0; i < n; i++) cur[i] = (unsigned char)f->dec[i];
  /* Candidates that wander into long runs cost time and are no simpler:
   * bound them near the original length (hangs keep the original bound,
   * which their replay needs). */
  long bound = !strcmp(f->kind, "hang") ? 100000 : (long)(4 * n + 1000);
  if (bound > 100000) bound = 100000;
  struct trial best = try_bytes(sc, plan, cur, n, f->key, 100000, mirror, &mlen);
  if (!best.fails) {
    send_rec(fd, REC_SHRUNK, 0, f->preempt_before, "", "its decisions, replayed as bytes, did not fail the same way", "", NULL, 0);
    return;
  }
  int tried = 0;
  int budget = 400;
  /* 1. the shortest prefix that still fails (past it, every choice is 0) */
  size_t lo = 0, hi = n;
  while (lo < hi && budget-- > 0) {
    size_t mid = lo + (hi - lo) / 2;
    struct trial t = try_bytes(sc, plan, cur, mid, f->key, bound, mirror, &mlen);
    tried++;
    if (t.fails && !better(&best, &t)) { hi = mid; free(best.schedule); best = t; }
    else { lo = mid + 1; free(t.schedule); }
  }
  n = hi;
  /* 2. zero chunks: fewer deviations from the default choice */
  for (size_t chunk = n / 2 ? n / 2 : 1; chunk >= 1 && budget > 0; chunk /= 2) {
    for (size_t pos = 0; pos < n && budget > 0; pos += chunk) {
      size_t end = pos + chunk < n ? pos + chunk : n;
      int nonzero = 0;
      for (size_t i = pos; i < end; i++) nonzero |= cur[i];
      if (!nonzero) continue;
      memcpy(cand, cur, n);
      memset(cand + pos, 0, end - pos);
      budget--;
      tried++;
      struct trial t = try_bytes(sc, plan, cand, n, f->key, bound, mirror, &mlen);
      if (t.fails && better(&t, &best)) {
        memcpy(cur, cand, n);
        free(best.schedule);
        best = t;
      } else {
        free(t.schedule);
      }
    }
    if (chunk == 1) break;
  }
  char note[160] = "";
  if (f->preempt_before == 0)
    snprintf(note, sizeof note, "no preemption to remove");
  else if (best.preempt >= f->preempt_before)
    snprintf(note, sizeof note, "none of %d simpler candidates failed the same way with fewer preemptions", tried);
  send_rec(fd, REC_SHRUNK, 0, best.preempt, best.schedule ? best.schedule : "", note, "", NULL, 0);
  free(best.schedule);
  free(cur);
  free(cand);
}

/* ---- the parent ---------------------------------------------------------------- */

static void progress(const cell *ce, long done_in_cell, double cell_budget_left) {
  if (!tty || O.quiet) return;
  double el = ipf__now_s() - t_start;
  int distinct = nfinds;
  fprintf(stderr, "\r\033[K%s %s: %ld execs, %.0f/s, %d finding%s, %.0fs elapsed",
          ce->sc->name, strat_name(ce->strategy), total_execs + done_in_cell,
          el > 0 ? (total_execs + done_in_cell) / el : 0.0, distinct, distinct == 1 ? "" : "s", el);
  if (cell_budget_left >= 0) fprintf(stderr, ", %.0fs left", cell_budget_left);
  else fprintf(stderr, ", %ld%%", O.budget ? 100 * (done_in_cell * O.shard_n) / O.budget : 0);
}

static finding *add_finding(const cell *ce, const char *kind, const char *msg, const char *sched, long index,
                            long preempt, const uint32_t *dec, size_t ndec, int crashed) {
  char key[512];
  make_key(ce->sc->name, kind, msg, key, sizeof key);
  int rank = 0;
  for (int k = 0; k < ncells; k++)
    if (cells[k].sc == ce->sc && cells[k].strategy == ce->strategy &&
        !strcmp(cells[k].plan_file ? cells[k].plan_file : "", ce->plan_file ? ce->plan_file : "")) { rank = k; break; }
  for (int i = 0; i < nfinds; i++) {
    if (!strcmp(finds[i].key, key)) {
      /* keep the first cell's, lowest execution's: the one an unsharded run
       * keeps, whatever order shards are merged in */
      if (rank > finds[i].rank || (rank == finds[i].rank && index >= finds[i].index)) return NULL;
      free(finds[i].dec);
      nfinds--;
      memmove(&finds[i], &finds[i + 1], (size_t)(nfinds - i) * sizeof *finds);
      break;
    }
  }
  if (nfinds >= MAX_FINDINGS) return NULL;
  finding *f = &finds[nfinds++];
  memset(f, 0, sizeof *f);
  snprintf(f->scenario, sizeof f->scenario, "%s", ce->sc->name);
  snprintf(f->strategy, sizeof f->strategy, "%s", strat_name(ce->strategy));
  snprintf(f->plan, sizeof f->plan, "%s", ce->plan_file ? ce->plan_file : "");
  snprintf(f->kind, sizeof f->kind, "%s", kind);
  snprintf(f->key, sizeof f->key, "%s", key);
  snprintf(f->message, sizeof f->message, "%s", msg);
  snprintf(f->schedule, sizeof f->schedule, "%s", sched);
  f->index = index;
  f->rank = rank;
  f->preempt_before = f->preempt_after = preempt;
  f->crashed = crashed;
  if (ndec) {
    f->dec = malloc(ndec * sizeof *dec);
    if (f->dec) { memcpy(f->dec, dec, ndec * sizeof *dec); f->ndec = ndec; }
  }
  return f;
}

static int read_rec(int fd, struct rec_head *h, char **a, char **b, char **c, uint32_t **dec) {
  if (read_all(fd, h, sizeof *h) < 0) return -1;
  char **s[3] = { a, b, c };
  for (int i = 0; i < 3; i++) {
    if (h->lens[i] < 0 || h->lens[i] > (1 << 24)) return -1;
    *s[i] = malloc((size_t)h->lens[i] + 1);
    if (read_all(fd, *s[i], (size_t)h->lens[i]) < 0) return -1;
    (*s[i])[h->lens[i]] = 0;
  }
  *dec = NULL;
  if (h->ndec) {
    if (h->ndec > MIRROR_CAP) return -1;
    *dec = malloc(h->ndec * sizeof **dec);
    if (read_all(fd, *dec, h->ndec * sizeof **dec) < 0) return -1;
  }
  return 0;
}

/* Returns 0 when the cell is over, 1 when a signal interrupted it. */
static int run_cell(cell *ce, double cell_seconds, shared_state *sh) {
  long from = 0;
  double deadline = cell_seconds > 0 ? ipf__now_s() + cell_seconds : 0;
  long pct_k = ce->strategy == IPF_STRAT_PCT ? pct_estimate(ce->sc, ce->plan) : 0;
  for (;;) {
    if (got_signal) return 1;
    int p[2];
    if (pipe(p) < 0) die_usage("pipe: %s", strerror(errno));
    sh->cur = -1;
    sh->done = 0;
    sh->mlen = 0;
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) die_usage("fork: %s", strerror(errno));
    if (pid == 0) {
      in_child(parent);
      close(p[0]);
      child_cell(ce, from, deadline, pct_k, sh, p[1]);
      close(p[1]);
      _exit(0);
    }
    close(p[1]);
    int done = 0, died = 0, status = 0, interrupted = 0;
    long last_done = -1;
    double last_change = ipf__now_s();
    while (!done) {
      struct pollfd pf = { p[0], POLLIN, 0 };
      int k = poll(&pf, 1, 200);
      if (got_signal) {
        kill(pid, SIGKILL);
        interrupted = 1;
        break;
      }
      if (k > 0) {
        struct rec_head h;
        char *a, *b, *c;
        uint32_t *dec;
        if (read_rec(p[0], &h, &a, &b, &c, &dec) < 0) { died = 1; break; }
        if (h.type == REC_DONE) done = 1;
        else if (h.type == REC_DFS) {
          if (sscanf(a, "%d %d %d %d %d %ld %ld %ld", &ce->dfs_exhaustive, &ce->dfs_unbounded, &ce->dfs_bound,
                     &ce->dfs_depth, &ce->dfs_max_faults, &ce->dfs_schedules, &ce->dfs_pruned,
                     &ce->dfs_at_least) == 8)
            ce->dfs_shards = 1;
        } else if (h.type == REC_FINDING) {
          add_finding(ce, a, b, c, (long)h.index, (long)h.preempt, dec, (size_t)h.ndec, 0);
          ce->found++;
        }
        free(a); free(b); free(c); free(dec);
      }
      long d = sh->done;
      if (d != last_done) { last_done = d; last_change = ipf__now_s(); }
      progress(ce, d, deadline > 0 ? deadline - ipf__now_s() : -1);
      if (ipf__now_s() - last_change > O.watchdog) {
        kill(pid, SIGKILL);
        died = 2;
        break;
      }
    }
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    total_execs += sh->done;
    ce->executions += sh->done;
    if (done) return 0;
    if (interrupted || got_signal) return 1;
    long at = sh->cur;
    if (at < 0) {
      /* died between executions (while reporting): give up on the cell */
      fprintf(stderr, "%s%s: %s %s: child died outside an execution (status %d); cell skipped\n",
              tty ? "\n" : "", ipf__prog(), ce->sc->name, strat_name(ce->strategy), status);
      return 0;
    }
    char msg[512];
    const char *kind;
    if (died == 2) {
      kind = "hang";
      snprintf(msg, sizeof msg, "hang: execution %ld made no progress for %.0f s of wall-clock time "
               "(watchdog); the replay schedule stops where it was stuck", at, O.watchdog);
    } else if (WIFSIGNALED(status)) {
      kind = "crash";
      snprintf(msg, sizeof msg, "crash: execution %ld was killed by %s", at, ipf__signal_name(WTERMSIG(status)));
    } else {
      kind = "crash";
      snprintf(msg, sizeof msg, "crash: execution %ld exited the process (status %d)", at,
               WIFEXITED(status) ? WEXITSTATUS(status) : status);
    }
    ipf_config c;
    ipf_config_init(&c);
    c.plan = ce->plan;
    size_t n = sh->mlen < MIRROR_CAP ? sh->mlen : MIRROR_CAP;
    char *s = ipf_schedule_make(ce->sc, &c, sh->mirror, n);
    char marked[8300];
    /* a watchdog hang's schedule says so: its replay reports the hang where
     * the recorded decisions end (see replay --help) */
    snprintf(marked, sizeof marked, "%s%s", s ? s : "", died == 2 ? "/hang" : "");
    add_finding(ce, kind, msg, marked, at, 0, NULL, 0, 1);
    free(s);
    ce->found++;
    ce->executions++;
    total_execs++;
    from = at + 1;
    /* a search's stack died with its child: the cell ends here, with no
     * coverage claimed (no REC_DFS: not exhaustive) */
    if (ce->strategy == IPF_STRAT_DFS) return 0;
    if (died == 2 && ++ce->hangs >= 3) {
      /* every further hang would cost another watchdog period */
      fprintf(stderr, "%s%s: %s %s: stopped after 3 wall-clock hangs at execution %ld\n", tty ? "\n" : "",
              ipf__prog(), ce->sc->name, strat_name(ce->strategy), at);
      return 0;
    }
    if (from >= O.budget || (deadline > 0 && ipf__now_s() > deadline)) return 0;
  }
}

static void shrink_all(void) {
  for (int i = 0; i < nfinds; i++) {
    finding *f = &finds[i];
    if (!O.shrink) { snprintf(f->shrink_note, sizeof f->shrink_note, "--no-shrink"); continue; }
    if (f->crashed) {
      snprintf(f->shrink_note, sizeof f->shrink_note, "not shrunk: a %s is replayed in a child, not in-process",
               !strcmp(f->kind, "hang") ? "wall-clock hang" : "crash");
      continue;
    }
    if (!f->ndec) {
      snprintf(f->shrink_note, sizeof f->shrink_note, "not shrunk: found by an earlier run (--resume, merge)");
      continue;
    }
    if (got_signal) { snprintf(f->shrink_note, sizeof f->shrink_note, "not shrunk: interrupted"); continue; }
    const ipf_scenario *sc = ipf_scenario_find(f->scenario);
    const ipf_plan *plan = NULL;
    for (int k = 0; k < ncells; k++)
      if (cells[k].sc == sc && !strcmp(f->plan, cells[k].plan_file ? cells[k].plan_file : "")) plan = cells[k].plan;
    int p[2];
    if (pipe(p) < 0) continue;
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      in_child(parent);
      close(p[0]);
      child_shrink(sc, plan, f, p[1]);
      _exit(0);
    }
    close(p[1]);
    struct rec_head h;
    char *a = NULL, *b = NULL, *c = NULL;
    uint32_t *dec = NULL;
    struct pollfd pf = { p[0], POLLIN, 0 };
    int k = poll(&pf, 1, (int)(O.watchdog * 1000 * 4));
    if (k > 0 && read_rec(p[0], &h, &a, &b, &c, &dec) == 0 && h.type == REC_SHRUNK) {
      if (a[0]) {
        snprintf(f->schedule, sizeof f->schedule, "%s", a);
        f->preempt_after = (long)h.preempt;
      }
      snprintf(f->shrink_note, sizeof f->shrink_note, "%s", b);
    } else {
      snprintf(f->shrink_note, sizeof f->shrink_note, "%s", got_signal ? "not shrunk: interrupted" :
               k == 0 ? "shrinking took longer than 4 x --watchdog" : "the shrinking child died");
      kill(pid, SIGKILL);
    }
    free(a); free(b); free(c); free(dec);
    close(p[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  }
}

/* ---- reports ---------------------------------------------------------------------- */

static void replay_line(const finding *f, char *buf, size_t len) {
  /* a crash or a watchdog hang replays in a child of its own, as found */
  char t[64] = "";
  if (!strcmp(f->kind, "crash")) snprintf(t, sizeof t, " --isolate");
  else if (strlen(f->schedule) > 5 && !strcmp(f->schedule + strlen(f->schedule) - 5, "/hang"))
    snprintf(t, sizeof t, " --isolate --timeout %.0f", O.watchdog > 0 ? O.watchdog : 10);
  snprintf(buf, len, "%s replay %s --schedule %s%s%s%s", ipf__self(), f->scenario, f->schedule,
           f->plan[0] ? " --plan " : "", f->plan, t);
}

static void xml_text(FILE *o, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", o); break;
    case '>': fputs("&gt;", o); break;
    case '&': fputs("&amp;", o); break;
    case '"': fputs("&quot;", o); break;
    default:
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') fputc(' ', o);
      else fputc(*s, o);
    }
  }
}

/* A scenario passes when what was found matches what it is expected to do. */
static int scenario_found(const ipf_scenario *sc) {
  for (int i = 0; i < nfinds; i++) if (!strcmp(finds[i].scenario, sc->name)) return 1;
  return 0;
}
static long scenario_execs(const ipf_scenario *sc) {
  long n = 0;
  for (int i = 0; i < ncells; i++) if (cells[i].sc == sc) n += cells[i].executions;
  return n;
}
/* The wall-clock time of the scenario's cells: a testcase's JUnit time. */
static double scenario_secs(const ipf_scenario *sc) {
  double t = 0;
  for (int i = 0; i < ncells; i++) if (cells[i].sc == sc) t += cells[i].secs;
  return t;
}
static int scenario_ok(const ipf_scenario *sc) {
  int found = scenario_found(sc);
  /* tsan: a data race the kit's own detector (src/rt) reports */
  return sc->expect == IPF_EXPECT_OK ? !found : found;
}

/* How many shards a dfs cell's coverage must add up from to be called
 * exhaustive: 1 in a campaign, N in a merge of N shards. */
static int dfs_expect_shards = 1;

/* A dfs cell's coverage in one line: never exhaustive unless the search ran
 * to its end in every shard. */
static void dfs_line(const cell *c, char *out, size_t len) {
  if (!c->dfs_shards) {
    snprintf(out, len, "not exhaustive: the search did not report its coverage (interrupted or crashed)");
    return;
  }
  if (c->dfs_depth >= 0) {
    snprintf(out, len, "found at preemption bound %d (depth %d), %ld schedules explored", c->dfs_depth, c->dfs_depth,
             c->dfs_schedules);
    return;
  }
  ipf_dfs_stats st = { 0 };
  st.exhaustive = c->dfs_exhaustive && c->dfs_shards == dfs_expect_shards;
  st.unbounded = st.exhaustive && c->dfs_unbounded;
  st.bound = c->dfs_bound;
  st.max_faults = c->dfs_max_faults;
  st.schedules = c->dfs_schedules;
  st.pruned = c->dfs_pruned;
  st.at_least = c->dfs_at_least;
  st.depth = -1;
  ipf_dfs_summary(&st, out, len);
  size_t o = strlen(out);
  if (O.shard_n > 1 && o < len)
    snprintf(out + o, len - o, " (shard %d/%d's subtrees of the search tree)", O.shard_i, O.shard_n);
  else if (c->dfs_exhaustive && c->dfs_shards != dfs_expect_shards && o < len)
    snprintf(out + o, len - o, " (%d of %d shards merged)", c->dfs_shards, dfs_expect_shards);
  else if (!st.exhaustive && scenario_found(c->sc) && o > 13 && !strcmp(out + o - 13, "nothing found"))
    snprintf(out + o - 13, len - (o - 13), "stopped at a finding");
}

static void write_junit(const char *path, double secs) {
  FILE *o = fopen(path, "w");
  if (!o) die_usage("--junit %s: %s", path, strerror(errno));
  int failures = 0;
  for (int i = 0; i < O.nscen; i++) failures += !scenario_ok(O.scen[i]);
  fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(o, "<testsuites name=\"ipcfault\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n",
          O.nscen, failures, secs);
  fprintf(o, "  <testsuite name=\"ipcfault.campaign\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
          O.nscen, failures, secs);
  for (int i = 0; i < O.nscen; i++) {
    const ipf_scenario *sc = O.scen[i];
    fprintf(o, "    <testcase classname=\"ipcfault.%.*s\" name=\"", (int)strcspn(sc->name, "/"), sc->name);
    xml_text(o, sc->name);
    fprintf(o, "\" time=\"%.3f\">\n", scenario_secs(sc));
    if (!scenario_ok(sc)) {
      if (sc->expect == IPF_EXPECT_BUG) {
        fprintf(o, "      <failure message=\"expected bug not found\" type=\"missed\">expected bug not found in %ld executions</failure>\n",
                scenario_execs(sc));
      } else {
        for (int k = 0; k < nfinds; k++) {
          if (strcmp(finds[k].scenario, sc->name)) continue;
          char rl[9000];
          replay_line(&finds[k], rl, sizeof rl);
          fprintf(o, "      <failure message=\"");
          xml_text(o, finds[k].kind);
          fprintf(o, "\" type=\"");
          xml_text(o, finds[k].kind);
          fprintf(o, "\">");
          xml_text(o, finds[k].message);
          fprintf(o, "\nReplay: ");
          xml_text(o, rl);
          fprintf(o, "</failure>\n");
          break;
        }
      }
    }
    fprintf(o, "      <system-out>");
    for (int k = 0; k < nfinds; k++) {
      if (strcmp(finds[k].scenario, sc->name)) continue;
      char rl[9000];
      replay_line(&finds[k], rl, sizeof rl);
      xml_text(o, finds[k].kind);
      fprintf(o, ": ");
      xml_text(o, rl);
      fprintf(o, "\n");
    }
    for (int k = 0; k < ncells; k++) {
      if (cells[k].sc != sc || cells[k].strategy != IPF_STRAT_DFS) continue;
      char dl[512];
      dfs_line(&cells[k], dl, sizeof dl);
      fprintf(o, "dfs: ");
      xml_text(o, dl);
      fprintf(o, "\n");
    }
    fprintf(o, "</system-out>\n    </testcase>\n");
  }
  fprintf(o, "  </testsuite>\n</testsuites>\n");
  fclose(o);
}

static void write_tap(FILE *o) {
  fprintf(o, "TAP version 13\n1..%d\n", O.nscen);
  for (int i = 0; i < O.nscen; i++) {
    const ipf_scenario *sc = O.scen[i];
    int ok = scenario_ok(sc);
    fprintf(o, "%s %d - %s (expect %s)\n", ok ? "ok" : "not ok", i + 1, sc->name,
            sc->expect == IPF_EXPECT_BUG ? "bug" : sc->expect == IPF_EXPECT_OK ? "ok" : "tsan");
    for (int k = 0; k < nfinds; k++) {
      if (strcmp(finds[k].scenario, sc->name)) continue;
      char rl[9000];
      replay_line(&finds[k], rl, sizeof rl);
      fprintf(o, "  # %s: %s\n", finds[k].kind, rl);
    }
  }
}

/* JSON schema "ipcfault.campaign/1": documented in README. */
static void write_json(FILE *o, double secs) {
  fprintf(o, "{\"schema\":\"ipcfault.campaign/1\",\"shard\":\"%d/%d\",\"seed\":%" PRIu64
          ",\"executions\":%ld,\"seconds\":%.3f,\"scenarios\":[", O.shard_i, O.shard_n, O.seed, total_execs, secs);
  for (int i = 0; i < O.nscen; i++) {
    const ipf_scenario *sc = O.scen[i];
    fprintf(o, "%s{\"name\":", i ? "," : "");
    ipf__json_str(o, sc->name);
    fprintf(o, ",\"expect\":\"%s\",\"executions\":%ld,\"passed\":%s}",
            sc->expect == IPF_EXPECT_BUG ? "bug" : sc->expect == IPF_EXPECT_OK ? "ok" : "tsan",
            scenario_execs(sc), scenario_ok(sc) ? "true" : "false");
  }
  fprintf(o, "],\"findings\":[");
  for (int k = 0; k < nfinds; k++) {
    const finding *f = &finds[k];
    char rl[9000];
    replay_line(f, rl, sizeof rl);
    fprintf(o, "%s{\"scenario\":", k ? "," : "");
    ipf__json_str(o, f->scenario);
    fprintf(o, ",\"strategy\":\"%s\",\"kind\":", f->strategy);
    ipf__json_str(o, f->kind);
    fprintf(o, ",\"key\":");
    ipf__json_str(o, f->key);
    fprintf(o, ",\"message\":");
    ipf__json_str(o, f->message);
    fprintf(o, ",\"execution\":%ld,\"schedule\":", f->index);
    ipf__json_str(o, f->schedule);
    fprintf(o, ",\"plan\":");
    ipf__json_str(o, f->plan);
    fprintf(o, ",\"preemptions_found\":%ld,\"preemptions_shrunk\":%ld,\"shrink_note\":", f->preempt_before,
            f->preempt_after);
    ipf__json_str(o, f->shrink_note);
    fprintf(o, ",\"replay\":");
    ipf__json_str(o, rl);
    fprintf(o, "}");
  }
  fprintf(o, "],\"dfs\":[");
  int first = 1;
  for (int k = 0; k < ncells; k++) {
    const cell *c = &cells[k];
    if (c->strategy != IPF_STRAT_DFS) continue;
    char dl[512];
    dfs_line(c, dl, sizeof dl);
    fprintf(o, "%s{\"scenario\":", first ? "" : ",");
    first = 0;
    ipf__json_str(o, c->sc->name);
    fprintf(o, ",\"plan\":");
    ipf__json_str(o, c->plan_file ? c->plan_file : "");
    fprintf(o, ",\"exhaustive\":%s,\"schedules\":%ld,\"pruned\":%ld,\"at_least\":%ld,\"bound\":%d,"
            "\"depth\":%d,\"shards\":%d,\"summary\":",
            c->dfs_shards && c->dfs_depth < 0 && c->dfs_exhaustive && c->dfs_shards == dfs_expect_shards ? "true" : "false",
            c->dfs_schedules, c->dfs_pruned, c->dfs_at_least, c->dfs_bound, c->dfs_depth, c->dfs_shards);
    ipf__json_str(o, dl);
    fprintf(o, "}");
  }
  fprintf(o, "]}\n");
}

/* results.tsv: what merge reads. One record per line, fields tab-separated,
 * tabs/newlines/backslashes in text escaped as \t \n \\. */
static void tsv_field(FILE *o, const char *s) {
  for (; *s; s++) {
    if (*s == '\t') fputs("\\t", o);
    else if (*s == '\n') fputs("\\n", o);
    else if (*s == '\\') fputs("\\\\", o);
    else fputc(*s, o);
  }
}

static void write_results(double secs) {
  if (mkdir(O.out, 0755) < 0 && errno != EEXIST) die_usage("--out %s: %s", O.out, strerror(errno));
  char path[4096];
  snprintf(path, sizeof path, "%s/findings", O.out);
  if (mkdir(path, 0755) < 0 && errno != EEXIST) die_usage("--out %s: %s", path, strerror(errno));
  /* written whole to a temporary name and renamed: a results.tsv is always
   * complete, even when the campaign is killed while writing it */
  char final[4096];
  snprintf(final, sizeof final, "%s/results.tsv", O.out);
  snprintf(path, sizeof path, "%s/results.tsv.tmp", O.out);
  FILE *o = fopen(path, "w");
  if (!o) die_usage("--out: %s: %s", path, strerror(errno));
  fprintf(o, "ipcfault-results\t1\tshard\t%d/%d\tseed\t%" PRIu64 "\tbudget\t%ld\n", O.shard_i, O.shard_n, O.seed, O.budget);
  /* a cell line: executions, then done or partial (interrupted: --resume
   * runs it again) and its wall-clock seconds; cells not started yet are
   * not listed */
  for (int i = 0; i < ncells; i++) {
    if (cells[i].state == CELL_TODO) continue;
    fprintf(o, "cell\t%s\t%s\t%s\t%ld\t%s\t%.3f\n", cells[i].sc->name, strat_name(cells[i].strategy),
            cells[i].plan_file ? cells[i].plan_file : "-", cells[i].executions,
            cells[i].state == CELL_DONE ? "done" : "partial", cells[i].secs);
    /* a dfs cell's coverage: shards that reported, schedules, pruned, at
     * least, bound, exhaustive, unbounded, depth, max faults */
    if (cells[i].strategy == IPF_STRAT_DFS && cells[i].dfs_shards)
      fprintf(o, "dfs\t%s\t%s\t%d\t%ld\t%ld\t%ld\t%d\t%d\t%d\t%d\t%d\n", cells[i].sc->name,
              cells[i].plan_file ? cells[i].plan_file : "-",
              /* merged from all N shards: one whole search, as a results file of shard 0/1 */
              cells[i].dfs_shards == dfs_expect_shards ? 1 : cells[i].dfs_shards, cells[i].dfs_schedules,
              cells[i].dfs_pruned, cells[i].dfs_at_least, cells[i].dfs_bound, cells[i].dfs_exhaustive,
              cells[i].dfs_unbounded, cells[i].dfs_depth, cells[i].dfs_max_faults);
  }
  for (int k = 0; k < nfinds; k++) {
    const finding *f = &finds[k];
    fprintf(o, "finding\t%s\t%s\t%s\t%ld\t%ld\t%ld\t", f->scenario, f->strategy, f->plan[0] ? f->plan : "-",
            f->index, f->preempt_before, f->preempt_after);
    tsv_field(o, f->kind); fputc('\t', o);
    tsv_field(o, f->key); fputc('\t', o);
    tsv_field(o, f->message); fputc('\t', o);
    tsv_field(o, f->schedule); fputc('\t', o);
    tsv_field(o, f->shrink_note); fputc('\n', o);
  }
  if (fclose(o) != 0 || rename(path, final) != 0) die_usage("--out: %s: %s", final, strerror(errno));
  for (int k = 0; k < nfinds; k++) {
    snprintf(path, sizeof path, "%s/findings/%03d.txt", O.out, k + 1);
    FILE *f = fopen(path, "w");
    if (!f) continue;
    char rl[9000];
    replay_line(&finds[k], rl, sizeof rl);
    fprintf(f, "scenario: %s\nkind: %s\nstrategy: %s\nexecution: %ld\npreemptions: %ld found, %ld after shrinking%s%s%s\n\n%s\n\nreplay:\n  %s\n",
            finds[k].scenario, finds[k].kind, finds[k].strategy, finds[k].index, finds[k].preempt_before,
            finds[k].preempt_after, finds[k].shrink_note[0] ? " (" : "", finds[k].shrink_note[0] ? finds[k].shrink_note : "",
            finds[k].shrink_note[0] ? ")" : "", finds[k].message, rl);
    fclose(f);
  }
  snprintf(path, sizeof path, "%s/summary.txt", O.out);
  o = fopen(path, "w");
  if (o) { ipf__campaign_summary(o, secs); fclose(o); }
  snprintf(path, sizeof path, "%s/results.json", O.out);
  o = fopen(path, "w");
  if (o) { write_json(o, secs); fclose(o); }
}

void ipf__campaign_summary(FILE *o, double secs) {
  fprintf(o, "campaign: %d scenario%s, %ld executions in %.1f s (%.0f/s), shard %d/%d, %d distinct finding%s\n",
          O.nscen, O.nscen == 1 ? "" : "s", total_execs, secs, secs > 0 ? total_execs / secs : 0.0, O.shard_i,
          O.shard_n, nfinds, nfinds == 1 ? "" : "s");
  int ndone = 0;
  for (int i = 0; i < ncells; i++) ndone += cells[i].state == CELL_DONE;
  if (ndone < ncells)
    fprintf(o, "interrupted: %d of %d cells done (campaign --resume DIR continues); verdicts below are of what ran\n",
            ndone, ncells);
  for (int i = 0; i < O.nscen; i++) {
    const ipf_scenario *sc = O.scen[i];
    const char *exp = sc->expect == IPF_EXPECT_BUG ? "bug" : sc->expect == IPF_EXPECT_OK ? "ok" : "tsan";
    fprintf(o, "%-5s %-34s expect %-4s %s\n", scenario_ok(sc) ? "PASS" : "FAIL", sc->name, exp,
            scenario_found(sc) ? "found" : "nothing found");
    for (int k = 0; k < nfinds; k++) {
      if (strcmp(finds[k].scenario, sc->name)) continue;
      char rl[9000];
      replay_line(&finds[k], rl, sizeof rl);
      int head = (int)strcspn(finds[k].message, "\n");
      fprintf(o, "      %s (execution %ld, %s, preemptions %ld -> %ld%s%s)\n        %.*s\n        %s\n", finds[k].kind,
              finds[k].index, finds[k].strategy, finds[k].preempt_before, finds[k].preempt_after,
              finds[k].shrink_note[0] ? ": " : "", finds[k].shrink_note, head, finds[k].message, rl);
    }
    for (int k = 0; k < ncells; k++) {
      if (cells[k].sc != sc || cells[k].strategy != IPF_STRAT_DFS) continue;
      char dl[512];
      dfs_line(&cells[k], dl, sizeof dl);
      fprintf(o, "      dfs%s%s: %s\n", cells[k].plan_file ? " " : "", cells[k].plan_file ? cells[k].plan_file : "", dl);
    }
  }
}

/* ---- option parsing ------------------------------------------------------------------ */

static long num(const char *opt, const char *v, long min, long max) {
  return ipf__cli_number(ipf__prog(), opt, v, min, max, "");
}

static double duration(const char *v) {
  if (!v) die_usage("--time needs a value such as 30s, 5m or 1h");
  char *e;
  errno = 0;
  double d = strtod(v, &e);
  if (errno || e == v || d <= 0) die_usage("--time: '%s' is not a duration such as 30s, 5m or 1h", v);
  if (!*e || !strcmp(e, "s")) return d;
  if (!strcmp(e, "m")) return d * 60;
  if (!strcmp(e, "h")) return d * 3600;
  die_usage("--time: '%s' is not a duration such as 30s, 5m or 1h", v);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *s = malloc(cap);
  size_t k;
  while (s && (k = fread(s + n, 1, cap - n - 1, f)) > 0) {
    n += k;
    if (n + 1 >= cap) { char *t = realloc(s, cap *= 2); if (!t) { free(s); s = NULL; break; } s = t; }
  }
  fclose(f);
  if (s) s[n] = 0;
  return s;
}

static const char *campaign_help =
  "usage: %s campaign [SCENARIO|GLOB ...] [options]\n"
  "\n"
  "Run many executions of many scenarios, each cell in a forked child, so that a\n"
  "crash or a hang is recorded as a finding and the campaign goes on. Findings are\n"
  "deduplicated and shrunk; each gets a replay line. No SCENARIO: the whole catalog.\n"
  "\n"
  "  --strategy S      pct, random, rr or dfs; repeat for several (default: pct and\n"
  "                    random). dfs: the systematic search (plain bounded DFS, up to\n"
  "                    2 preemptions and 1 fault), --budget executions at most; the\n"
  "                    summary says whether it was exhaustive\n"
  "  --plan FILE       a fault plan instead of each scenario's default; repeat for several\n"
  "                    ('none' for no faults)\n"
  "  --budget N        executions per scenario, strategy and plan (default 1000)\n"
  "  --time T          instead of --budget: total wall-clock time (30s, 5m, 1h)\n"
  "  --seed N          first seed (default 1)\n"
  "  --shard I/N       run only executions i with i %% N == I (0 <= I < N); a dfs\n"
  "                    cell: only shard I's subtrees of the search tree\n"
  "  --preemptions K   dfs: preemption bound, searched 0, 1, ..., K (default 2)\n"
  "  --max-faults F    dfs: faults fired per execution at most (default 1)\n"
  "  --watchdog SEC    an execution making no progress this long is a hang (default 10)\n"
  "  --out DIR         results directory (default results): results.tsv, results.json,\n"
  "                    summary.txt, findings/NNN.txt\n"
  "  --junit FILE      JUnit XML, one testcase per scenario\n"
  "  --tap             TAP on stdout instead of the summary\n"
  "  --json            the results JSON (schema ipcfault.campaign/1) on stdout\n"
  "  --no-shrink       keep schedules as found\n"
  "  --fiu             the libfiu bridge on (as IPCFAULT_FIU=1)\n"
  "  -q, --quiet       no progress line\n"
  "  --resume DIR      continue the interrupted campaign whose results are in DIR\n"
  "                    (its own options, from DIR/campaign.args; output options\n"
  "                    may be added)\n"
  "\n"
  "Results are written as each cell finishes. SIGINT or SIGTERM stops the running\n"
  "cell, writes what was done, and exits 130 or 143; --resume runs the rest.\n"
  "Findings are deduplicated by scenario, kind and place (a hang by the threads\n"
  "still running); the summary gives each one's preemptions before and after\n"
  "shrinking, and why when they did not go down.\n"
  "\n"
  "A scenario passes when the campaign agrees with its expected verdict: a bug\n"
  "scenario was found, an ok scenario was not. Exit 0 when all pass, 1 otherwise,\n"
  "2 on bad usage.\n";

enum { K_STRATEGY = 256, K_PLAN, K_BUDGET, K_TIME, K_SEED, K_WATCHDOG, K_SHARD, K_OUT, K_JUNIT, K_TAP, K_JSON,
       K_NO_SHRINK, K_RESUME, K_FIU, K_PREEMPTIONS, K_MAX_FAULTS };

static const struct option campaign_opts[] = {
  { "help", no_argument, NULL, 'h' },
  { "strategy", required_argument, NULL, K_STRATEGY },
  { "plan", required_argument, NULL, K_PLAN },
  { "budget", required_argument, NULL, K_BUDGET },
  { "time", required_argument, NULL, K_TIME },
  { "seed", required_argument, NULL, K_SEED },
  { "watchdog", required_argument, NULL, K_WATCHDOG },
  { "shard", required_argument, NULL, K_SHARD },
  { "out", required_argument, NULL, K_OUT },
  { "junit", required_argument, NULL, K_JUNIT },
  { "tap", no_argument, NULL, K_TAP },
  { "json", no_argument, NULL, K_JSON },
  { "no-shrink", no_argument, NULL, K_NO_SHRINK },
  { "fiu", no_argument, NULL, K_FIU },
  { "quiet", no_argument, NULL, 'q' },
  { "resume", required_argument, NULL, K_RESUME },
  { "preemptions", required_argument, NULL, K_PREEMPTIONS },
  { "max-faults", required_argument, NULL, K_MAX_FAULTS },
  { NULL, 0, NULL, 0 },
};

/* getopt_long's '?' as one line (unknown, ambiguous, a value to a flag). */
static void opt_error(const char *cmd, int ac, char **av, const struct option *lo) {
  char why[700];
  const char *arg = optind - 1 < ac ? av[optind - 1] : NULL;
  die_usage("%s: %s (see '%s %s --help')", cmd, ipf__opt_bad(arg, optopt, lo, why, sizeof why), ipf__prog(), cmd);
}

static int split_tsv(char *line, char **f, int max);
static const char *resume_dir;     /* set while a --resume runs the stored command line */

/* DIR/campaign.args: the options and patterns the campaign was started
 * with, one a line (escaped as in results.tsv), for --resume. */
static void write_args(int argc, char **argv) {
  char path[4096];
  snprintf(path, sizeof path, "%s/campaign.args", O.out);
  FILE *o = fopen(path, "w");
  if (!o) die_usage("--out %s: %s", path, strerror(errno));
  for (int i = 2; i < argc; i++) { tsv_field(o, argv[i]); fputc('\n', o); }
  if (fclose(o) != 0) die_usage("--out %s: %s", path, strerror(errno));
}

/* --resume DIR: run `campaign STORED-ARGS EXTRA-ARGS` with resume_dir set;
 * extra: this command line without its --resume (output options such as
 * --junit may be added; what defines the cells may not). */
static int resume(const char *dir, char **extra, int nextra, const char *argv0) {
  char path[4096];
  snprintf(path, sizeof path, "%s/campaign.args", dir);
  FILE *in = fopen(path, "r");
  if (!in) die_usage("--resume %s: %s (not the results directory of a campaign)", path, strerror(errno));
  char **av = malloc((size_t)(nextra + 1030) * sizeof *av);
  if (!av) die_usage("out of memory");
  int ac = 0;
  av[ac++] = (char *)argv0;
  av[ac++] = "campaign";
  char *line = NULL;
  size_t cap = 0;
  ssize_t k;
  while ((k = getline(&line, &cap, in)) > 0 && ac < 1026) {
    char *f[1];
    if (line[k - 1] == '\n') line[k - 1] = 0;
    split_tsv(line, f, 1);
    av[ac++] = strdup(f[0]);
  }
  free(line);
  fclose(in);
  /* getopt_long permutes av: keep what to free apart */
  int stored = ac;
  char **owned = malloc((size_t)stored * sizeof *owned);
  if (!owned) die_usage("out of memory");
  memcpy(owned, av, (size_t)stored * sizeof *owned);
  for (int i = 0; i < nextra; i++) av[ac++] = extra[i];
  av[ac] = NULL;
  resume_dir = dir;
  int rc = ipf__cmd_campaign(ac, av);
  for (int i = 2; i < stored; i++) free(owned[i]);
  free(owned);
  free(av);
  return rc;
}

int ipf__cmd_campaign(int argc, char **argv) {
  memset(&O, 0, sizeof O);
  O.budget = 1000;
  O.shard_n = 1;
  O.dfs_k = 2;
  O.dfs_f = 1;
  O.seed = 1;
  O.watchdog = 10;
  O.out = "results";
  O.shrink = 1;
  const char *pats[256];
  int npats = 0;
  int budget_set = 0;
  int ac = argc - 1, c;
  char **av = argv + 1;
  /* argv as given, before getopt_long permutes it (for --resume) */
  static char *orig[4096];
  if (argc > 4096) die_usage("campaign: more than 4096 arguments");
  memcpy(orig, argv, (size_t)argc * sizeof *orig);
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(ac, av, ":hq", campaign_opts, NULL)) != -1) {
    const char *v = optarg, *a = "";
    if (c == ':') { c = optopt; v = NULL; }
    for (const struct option *lo = campaign_opts; lo->name; lo++) if (lo->val == c) a = lo->name;
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", a);
    switch (c) {
    case 'h': printf(campaign_help, ipf__prog()); return 0;
    case K_STRATEGY: {
      if (!v) die_usage("--strategy needs a value: pct, random, rr or dfs");
      ipf_strategy s;
      if (!strcmp(v, "pct")) s = IPF_STRAT_PCT;
      else if (!strcmp(v, "random")) s = IPF_STRAT_RANDOM;
      else if (!strcmp(v, "rr")) s = IPF_STRAT_RR;
      else if (!strcmp(v, "dfs")) s = IPF_STRAT_DFS;
      else die_usage("--strategy: unknown strategy '%s' (pct, random, rr or dfs)", v);
      if (O.nstrat >= 8) die_usage("--strategy: at most 8");
      O.strategies[O.nstrat++] = s;
      break;
    }
    case K_PLAN: {
      if (!v) die_usage("--plan needs a file (or 'none')");
      if (O.nplans >= 16) die_usage("--plan: at most 16");
      ipf_plan *p = NULL;
      if (!strcmp(v, "none")) p = ipf_plan_new();
      else {
        char *text = slurp(v);
        if (!text) die_usage("--plan %s: %s", v, strerror(errno));
        char err[512];
        if (ipf_plan_parse(text, v, &p, err, sizeof err) != 0) { free(text); die_usage("%s", err); }
        free(text);
      }
      O.plan_files[O.nplans] = v;
      O.plans[O.nplans++] = p;
      break;
    }
    case K_BUDGET: O.budget = num(opt, v, 1, 1000000000L); budget_set = 1; break;
    case K_TIME: O.time_limit = duration(v); break;
    case K_SEED: O.seed = (uint64_t)num(opt, v, 0, 0x7fffffffffffffffL); break;
    case K_WATCHDOG: O.watchdog = (double)num(opt, v, 1, 86400); break;
    case K_PREEMPTIONS: O.dfs_k = (int)num(opt, v, 0, 64); O.dfs_opt = 1; break;
    case K_MAX_FAULTS: O.dfs_f = (int)num(opt, v, 0, 64); O.dfs_opt = 1; break;
    case K_SHARD: {
      if (!v) die_usage("--shard needs I/N, e.g. 0/4");
      int si, sn, used = 0;
      if (sscanf(v, "%d/%d%n", &si, &sn, &used) != 2 || v[used] || sn < 1 || si < 0 || si >= sn)
        die_usage("--shard: '%s' is not I/N with 0 <= I < N", v);
      O.shard_i = si;
      O.shard_n = sn;
      break;
    }
    case K_OUT: if (!v) die_usage("--out needs a directory"); O.out = v; break;
    case K_JUNIT: if (!v) die_usage("--junit needs a file"); O.junit = v; break;
    case K_TAP: O.tap = 1; break;
    case K_JSON: O.json = 1; break;
    case K_NO_SHRINK: O.shrink = 0; break;
    case K_FIU: ipf_fiu_enable(); break;       /* the cells inherit it */
    case 'q': O.quiet = 1; break;
    case K_RESUME: if (!v) die_usage("--resume needs the results directory of an interrupted campaign"); O.resume = v; break;
    default: opt_error("campaign", ac, av, campaign_opts);
    }
  }
  for (int i = optind; i < ac; i++) if (npats < 256) pats[npats++] = av[i];
  if (O.resume) {
    if (resume_dir) die_usage("campaign: --resume given twice");
    if (npats) die_usage("campaign: --resume continues the campaign as it was started; give no SCENARIO");
    /* this command line without its --resume (spelt in full, abbreviated,
     * or as --resume=DIR) */
    static char *extra[4096];
    int nextra = 0;
    for (int i = 2; i < argc; i++) {
      const struct option *lo = strncmp(orig[i], "--", 2) || !orig[i][2] ? NULL : ipf__opt_find(orig[i], campaign_opts);
      if (!strcmp(orig[i], "--")) break;
      if (lo && lo->val == K_RESUME) { if (!strchr(orig[i], '=')) i++; continue; }
      extra[nextra++] = orig[i];
    }
    return resume(O.resume, extra, nextra, orig[0]);
  }
  if (resume_dir) O.out = resume_dir;
  if (O.time_limit > 0 && budget_set) die_usage("campaign: give --budget or --time, not both");
  if (O.time_limit > 0) O.budget = 1000000000L;
  if (O.tap && O.json) die_usage("campaign: --tap and --json both want stdout; pick one");
  if (!O.nstrat) { O.strategies[0] = IPF_STRAT_PCT; O.strategies[1] = IPF_STRAT_RANDOM; O.nstrat = 2; }
  if (O.dfs_opt) {
    int dfs = 0;
    for (int t = 0; t < O.nstrat; t++) dfs |= O.strategies[t] == IPF_STRAT_DFS;
    if (!dfs) die_usage("campaign: --preemptions and --max-faults go with --strategy dfs");
  }
  size_t n;
  const ipf_scenario *all = ipf_scenarios(&n);
  for (size_t k = 0; k < n; k++) {
    int take = npats == 0;
    for (int p = 0; p < npats && !take; p++) take = fnmatch(pats[p], all[k].name, 0) == 0;
    if (take && O.nscen < 256) O.scen[O.nscen++] = &all[k];
  }
  for (int p = 0; p < npats; p++) {
    int hit = 0;
    for (size_t k = 0; k < n && !hit; k++) hit = fnmatch(pats[p], all[k].name, 0) == 0;
    if (!hit) die_usage("campaign: '%s' matches no scenario ('ipcfault list' shows them)", pats[p]);
  }
  for (int s = 0; s < O.nscen; s++)
    for (int t = 0; t < O.nstrat; t++)
      for (int p = 0; p < (O.nplans ? O.nplans : 1); p++) {
        if (ncells >= MAX_CELLS) die_usage("campaign: more than %d cells", MAX_CELLS);
        cell *c = &cells[ncells++];
        c->sc = O.scen[s];
        c->strategy = O.strategies[t];
        c->plan_file = O.nplans ? O.plan_files[p] : NULL;
        c->plan = O.nplans ? O.plans[p] : NULL;
      }
  finds = calloc(MAX_FINDINGS, sizeof *finds);
  shared_state *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!finds || sh == MAP_FAILED) die_usage("campaign: out of memory");
  /* the results directory exists from the start, with the command line
   * that --resume needs */
  if (mkdir(O.out, 0755) < 0 && errno != EEXIST) die_usage("--out %s: %s", O.out, strerror(errno));
  double before = 0;                 /* seconds of the cells an earlier run finished */
  if (resume_dir) {
    char path[4096], err[4300];
    snprintf(path, sizeof path, "%s/results.tsv", resume_dir);
    FILE *in = fopen(path, "r");
    if (in) {
      uint64_t seed = O.seed;
      long budget = O.budget;
      int shard_n = 0;
      int rc = ipf__results_parse(in, path, &shard_n, err, sizeof err);
      fclose(in);
      if (rc < 0) die_usage("--resume: %s", err);
      if (O.seed != seed || O.budget != budget || shard_n != O.shard_n)
        die_usage("--resume: %s was written with another seed, budget or shard than %s/campaign.args says", path,
                  resume_dir);
      for (int i = 0; i < ncells; i++) {
        if (cells[i].state == CELL_PARTIAL) {
          /* an interrupted cell runs again from its first execution */
          total_execs -= cells[i].executions;
          cells[i].executions = 0;
          cells[i].secs = 0;
          cells[i].dfs_shards = 0;
          cells[i].state = CELL_TODO;
        }
        if (cells[i].state == CELL_DONE) before += cells[i].secs;
      }
    }
  } else {
    write_args(argc, argv);
  }
  tty = isatty(2);
  t_start = ipf__now_s();
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  double per_cell = O.time_limit > 0 ? O.time_limit / ncells : 0;
  int cells_done = 0;
  for (int i = 0; i < ncells && !got_signal; i++) {
    if (cells[i].state == CELL_DONE) { cells_done++; continue; }
    double c0 = ipf__now_s();
    int stopped = run_cell(&cells[i], per_cell, sh);
    cells[i].secs = ipf__now_s() - c0;
    cells[i].state = stopped ? CELL_PARTIAL : CELL_DONE;
    if (stopped) break;
    cells_done++;
    /* as each cell finishes: what a kill -9 cannot take back */
    write_results(before + ipf__now_s() - t_start);
  }
  if (tty && !O.quiet) fprintf(stderr, "\r\033[K");
  shrink_all();
  double secs = before + ipf__now_s() - t_start;
  write_results(secs);
  if (O.junit) write_junit(O.junit, secs);
  if (O.tap) write_tap(stdout);
  else if (O.json) write_json(stdout, secs);
  else ipf__campaign_summary(stdout, secs);
  int all_ok = 1;
  for (int i = 0; i < O.nscen; i++) all_ok &= scenario_ok(O.scen[i]);
  int sig = got_signal;
  if (sig)
    fprintf(stderr, "%s: campaign interrupted by %s: %d of %d cells done, results so far in %s; continue with:\n"
            "  %s campaign --resume %s\n", ipf__prog(), sig == SIGINT ? "SIGINT" : "SIGTERM", cells_done, ncells,
            O.out, ipf__self(), O.out);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  munmap(sh, sizeof *sh);
  for (int k = 0; k < nfinds; k++) free(finds[k].dec);
  free(finds);
  for (int p = 0; p < O.nplans; p++) ipf_plan_free(O.plans[p]);
  if (sig) return 128 + sig;
  return all_ok ? 0 : 1;
}

/* ---- merge ------------------------------------------------------------------------------ */

/* Split a results.tsv line in place into at most max fields, unescaping. */
static int split_tsv(char *line, char **f, int max) {
  int n = 0;
  char *w = line, *start = line;
  for (char *r = line;; r++) {
    if (*r == '\t' || *r == '\n' || *r == 0) {
      int end = *r == 0 || *r == '\n';
      *w++ = 0;
      if (n < max) f[n++] = start;
      if (end) break;
      start = w;
    } else if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
    } else {
      *w++ = *r;
    }
  }
  return n;
}

static ipf_strategy strat_of(const char *s, int *ok) {
  *ok = 1;
  if (!strcmp(s, "pct")) return IPF_STRAT_PCT;
  if (!strcmp(s, "random")) return IPF_STRAT_RANDOM;
  if (!strcmp(s, "rr")) return IPF_STRAT_RR;
  if (!strcmp(s, "dfs")) return IPF_STRAT_DFS;
  *ok = 0;
  return IPF_STRAT_RANDOM;
}

/* Read one results.tsv (path names it in errors) into the merge state:
 * cells summed, findings deduplicated. *shard_n is the shard count of the
 * files read so far (0 before the first). Returns 0, or -EINVAL with the one
 * line merge prints before it exits 2 in err. Split out of merge so that
 * fuzz/fuzz_results.c can feed it arbitrary text. */
#define RESULTS_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); free(line); return -EINVAL; } while (0)
/* A count field of results.tsv: decimal digits only, at most 10^15 (so that
 * sums over many shards cannot overflow). -1 when malformed. */
static long count_field(const char *s) {
  if (!*s || strlen(s) > 15) return -1;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

int ipf__results_parse(FILE *in, const char *path, int *shard_n, char *err, size_t errlen) {
  if (!finds && !(finds = calloc(MAX_FINDINGS, sizeof *finds))) {
    snprintf(err, errlen, "merge: out of memory");
    return -ENOMEM;
  }
  char *line = NULL;
  size_t cap = 0;
  long lineno = 0;
  while (getline(&line, &cap, in) > 0) {
    lineno++;
    char *f[13];
    int n = split_tsv(line, f, 13);
    if (lineno == 1) {
      int si, sn, used = 0;
      if (n < 8 || strcmp(f[0], "ipcfault-results") || strcmp(f[1], "1") ||
          sscanf(f[3], "%d/%d%n", &si, &sn, &used) != 2 || f[3][used] || sn < 1 || si < 0 || si >= sn)
        RESULTS_FAIL("merge: %s:1: not an ipcfault results file (version 1)", path);
      if (*shard_n && sn != *shard_n) RESULTS_FAIL("merge: %s:1: shard %d/%d does not match the others' /%d", path, si, sn, *shard_n);
      *shard_n = sn;
      O.seed = strtoull(f[5], NULL, 10);
      O.budget = count_field(f[7]);
      if (O.budget < 0) RESULTS_FAIL("merge: %s:1: the budget is not a count", path);
      continue;
    }
    int ok;
    if ((n == 5 || n == 7) && !strcmp(f[0], "cell")) {
      const ipf_scenario *sc = ipf_scenario_find(f[1]);
      ipf_strategy st = strat_of(f[2], &ok);
      if (!sc || !ok) RESULTS_FAIL("merge: %s:%ld: unknown scenario or strategy", path, lineno);
      cell *c = NULL;
      for (int k = 0; k < ncells; k++)
        if (cells[k].sc == sc && cells[k].strategy == st &&
            !strcmp(cells[k].plan_file ? cells[k].plan_file : "-", f[3])) c = &cells[k];
      if (!c) {
        if (ncells >= MAX_CELLS) RESULTS_FAIL("merge: too many cells");
        c = &cells[ncells++];
        c->sc = sc;
        c->strategy = st;
        c->plan_file = strcmp(f[3], "-") ? strdup(f[3]) : NULL;
        int have = 0;
        for (int s = 0; s < O.nscen; s++) have |= O.scen[s] == sc;
        if (!have && O.nscen < 256) O.scen[O.nscen++] = sc;
      }
      long execs = count_field(f[4]);
      if (execs < 0) RESULTS_FAIL("merge: %s:%ld: the execution count is not a count (digits, at most 10^15)", path, lineno);
      int state = CELL_DONE;
      double secs = 0;
      if (n == 7) {
        char *e;
        errno = 0;
        secs = strtod(f[6], &e);
        if (!strcmp(f[5], "partial")) state = CELL_PARTIAL;
        else if (strcmp(f[5], "done")) RESULTS_FAIL("merge: %s:%ld: a cell is 'done' or 'partial'", path, lineno);
        if (errno || e == f[6] || *e || !(secs >= 0 && secs < 1e12))
          RESULTS_FAIL("merge: %s:%ld: the cell's seconds are not a number", path, lineno);
      }
      c->executions += execs;
      c->secs += secs;
      if (c->state != CELL_PARTIAL) c->state = state;   /* one partial shard: the cell is partial */
      total_execs += execs;
    } else if ((n == 11 || n == 12) && !strcmp(f[0], "finding")) {
      const ipf_scenario *sc = ipf_scenario_find(f[1]);
      ipf_strategy st = strat_of(f[2], &ok);
      if (!sc || !ok) RESULTS_FAIL("merge: %s:%ld: unknown scenario or strategy", path, lineno);
      long idx = count_field(f[4]), pb = count_field(f[5]), pa = count_field(f[6]);
      if (idx < 0 || pb < 0 || pa < 0)
        RESULTS_FAIL("merge: %s:%ld: execution and preemption fields must be counts", path, lineno);
      cell tmp = { .sc = sc, .strategy = st, .plan_file = strcmp(f[3], "-") ? f[3] : NULL };
      finding *fd = add_finding(&tmp, f[7], f[9], f[10], idx, pb, NULL, 0, 0);
      if (fd) {
        fd->preempt_after = pa;
        snprintf(fd->key, sizeof fd->key, "%s", f[8]);
        if (n == 12) snprintf(fd->shrink_note, sizeof fd->shrink_note, "%s", f[11]);
      }
    } else if (n == 12 && !strcmp(f[0], "dfs")) {
      const ipf_scenario *sc = ipf_scenario_find(f[1]);
      cell *c = NULL;
      for (int k = 0; k < ncells && sc; k++)
        if (cells[k].sc == sc && cells[k].strategy == IPF_STRAT_DFS &&
            !strcmp(cells[k].plan_file ? cells[k].plan_file : "-", f[2])) c = &cells[k];
      if (!c) RESULTS_FAIL("merge: %s:%ld: a dfs record without its dfs cell before it", path, lineno);
      long v[9];
      for (int i = 0; i < 9; i++) {
        const char *x = f[3 + i];
        int neg = i == 7 && !strcmp(x, "-1");                /* depth: -1 when nothing was found */
        v[i] = neg ? -1 : count_field(x);
        if (v[i] < 0 && !neg) RESULTS_FAIL("merge: %s:%ld: dfs record fields must be counts", path, lineno);
      }
      if (v[0] < 1 || v[0] > 1000000 || v[4] > 64 || v[5] > 1 || v[6] > 1 || v[7] > 64 || v[8] > 64)
        RESULTS_FAIL("merge: %s:%ld: dfs record out of range", path, lineno);
      if (c->dfs_shards && (c->dfs_bound != (int)v[4] || c->dfs_max_faults != (int)v[8]) && c->dfs_depth < 0 && v[7] < 0)
        RESULTS_FAIL("merge: %s:%ld: dfs shards searched to different bounds", path, lineno);
      int firstshard = !c->dfs_shards;
      c->dfs_shards += (int)v[0];
      c->dfs_schedules += v[1];
      c->dfs_pruned += v[2];
      c->dfs_at_least += v[3];
      c->dfs_bound = (int)v[4];
      c->dfs_max_faults = (int)v[8];
      c->dfs_exhaustive = (firstshard || c->dfs_exhaustive) && v[5];
      c->dfs_unbounded = (firstshard || c->dfs_unbounded) && v[6];
      if (firstshard) c->dfs_depth = (int)v[7];
      else if (v[7] >= 0 && (c->dfs_depth < 0 || v[7] < c->dfs_depth)) c->dfs_depth = (int)v[7];
    } else {
      RESULTS_FAIL("merge: %s:%ld: expected a 'cell', 'dfs' or 'finding' record", path, lineno);
    }
  }
  free(line);
  return 0;
}
#undef RESULTS_FAIL

/* Forget what ipf__results_parse read (fuzz/: one input at a time). */
void ipf__results_reset(void) {
  for (int k = 0; k < ncells; k++) free((char *)cells[k].plan_file);
  for (int k = 0; k < nfinds; k++) free(finds[k].dec);
  ncells = nfinds = 0;
  O.nscen = 0;
  total_execs = 0;
}

static const char *merge_help =
  "usage: %s merge DIR... [--out DIR] [--junit FILE] [--tap | --json]\n"
  "\n"
  "Combine the results directories of sharded campaigns (each DIR holds a\n"
  "results.tsv written by 'ipcfault campaign --shard I/N --out DIR') into one, as\n"
  "if the campaign had run unsharded. Exit 0 when every scenario passes, 1 if not,\n"
  "2 on bad input (a malformed results.tsv is named with its line).\n";

int ipf__cmd_merge(int argc, char **argv) {
  memset(&O, 0, sizeof O);
  O.out = "results";
  O.shard_n = 1;
  const char *dirs[256];
  int ndirs = 0;
  static const struct option merge_opts[] = {
    { "help", no_argument, NULL, 'h' },   { "out", required_argument, NULL, K_OUT },
    { "junit", required_argument, NULL, K_JUNIT }, { "tap", no_argument, NULL, K_TAP },
    { "json", no_argument, NULL, K_JSON }, { NULL, 0, NULL, 0 },
  };
  int ac = argc - 1, c;
  char **av = argv + 1;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(ac, av, ":h", merge_opts, NULL)) != -1) {
    const char *v = optarg;
    if (c == ':') { c = optopt; v = NULL; }
    switch (c) {
    case 'h': printf(merge_help, ipf__prog()); return 0;
    case K_OUT: if (!v) die_usage("--out needs a directory"); O.out = v; break;
    case K_JUNIT: if (!v) die_usage("--junit needs a file"); O.junit = v; break;
    case K_TAP: O.tap = 1; break;
    case K_JSON: O.json = 1; break;
    default: opt_error("merge", ac, av, merge_opts);
    }
  }
  for (int i = optind; i < ac; i++) if (ndirs < 256) dirs[ndirs++] = av[i];
  if (!ndirs) die_usage("merge needs at least one results directory");
  if (O.tap && O.json) die_usage("merge: --tap and --json both want stdout; pick one");
  finds = calloc(MAX_FINDINGS, sizeof *finds);
  if (!finds) die_usage("merge: out of memory");
  int shard_n = 0;
  for (int d = 0; d < ndirs; d++) {
    char path[4096], err[4300];
    snprintf(path, sizeof path, "%s/results.tsv", dirs[d]);
    FILE *in = fopen(path, "r");
    if (!in) die_usage("merge: %s: %s", path, strerror(errno));
    int rc = ipf__results_parse(in, path, &shard_n, err, sizeof err);
    fclose(in);
    if (rc < 0) die_usage("%s", err);
  }
  dfs_expect_shards = shard_n ? shard_n : 1;
  O.shard_i = 0;
  O.shard_n = 1;
  write_results(0);
  if (O.junit) write_junit(O.junit, 0);
  if (O.tap) write_tap(stdout);
  else if (O.json) write_json(stdout, 0);
  else ipf__campaign_summary(stdout, 0);
  int all_ok = 1;
  for (int i = 0; i < O.nscen; i++) all_ok &= scenario_ok(O.scen[i]);
  return all_ok ? 0 : 1;
}
