/* The ipcfault command: list, sites, run, explore, replay, sweep.
 *
 * DESIGN. Every command parses all of its arguments before it runs anything,
 * with getopt_long over a table of its own (the commands of this file take
 * theirs from one list of options, each marked with the commands it belongs
 * to, so that another command's option is refused by name), and every bad
 * input ends in one line on stderr naming what is wrong and exit code 2.
 * Commands are dispatched from one table in ipf_main. Replay lines name the
 * binary that printed them (ipf__self): a user's scenario binary names
 * itself. Exit codes: 0 nothing found, 1 bug found, 2 usage or error.
 * --json prints exactly one JSON object on stdout and nothing else there.
 *
 * Fault plans: --plan FILE (or none) replaces the scenario's default plan,
 * and each --fault 'SITE=TERMS' then adds a chain on top (replacing that
 * site's); a malformed plan is reported as the parser's one line
 * "file:line:col: ..." and exit 2. The replay line printed for a bug repeats
 * the plan options, since the schedule hash covers the plan.
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (so the managed
 * threads' system calls never see EINTR from a Ctrl-C) and taken by one
 * sigwait thread: explore and sweep then stop after the current execution
 * and report what they have; other commands, or a second signal, exit 130
 * at once (removing libfiu's control FIFOs first).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <dirent.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "campaign.h"
#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "../sched/internal.h"

#define EXIT_BUG 1
#define EXIT_USAGE 2

static const char *prog = "ipcfault";  /* the binary's base name (ipf__prog) */
static char help_hint[200] = "";        /* " (see 'ipcfault run --help')" */

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "%s\n", help_hint);
  va_end(ap);
  exit(EXIT_USAGE);
}

#define MAX_FAULTS 64
/* A schedule cut by the wall clock (--isolate --timeout) ends in this
 * marker: its replay takes the recorded decisions and reports the hang
 * where they end, instead of "schedule ended early" (exec.c does the same). */
#define HANG_MARK "/hang"

struct opts {
  const char *cmd;
  const char *scenario;
  ipf_config cfg;
  int strategy_set;
  long runs;
  int runs_set, dfs_opt;    /* --runs given; a dfs-only option given */
  int json, trace, verbose;
  const char *html;         /* replay --html FILE */
  int isolate;              /* run/explore/replay in a forked child */
  long timeout_s;           /* --isolate: wall-clock watchdog */
  const char *bytes_file;   /* replay --bytes FILE (fuzz/) */
  const char *plan_file;      /* --plan: a file, or "none" */
  const char *faults[MAX_FAULTS];
  int nfaults;
  int fiu_ctrl;
  int cut;                    /* replay: the schedule ends in HANG_MARK */
  const char *site_glob;      /* sweep */
  const char *action;         /* sweep */
  long max_n;                 /* sweep */
  int max_n_set;
};

static char *cut_schedule;          /* replay: the schedule without HANG_MARK, freed at exit */

/* ---- signals ------------------------------------------------------------------ */

static atomic_int stop_requested;
static int loop_command;            /* explore, sweep: stop after the execution */
static char fiu_fifo[2][4200];      /* libfiu's control FIFOs, removed on a signal */

/* Our children (campaign cells, --isolate children), killed and reaped
 * before the private directories go, so that none is left half-way through
 * an execution, or makes a new directory once they are gone. */
static void kill_child(pid_t pid, void *arg) {
  (void)arg;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}
static void kill_children(void) { ipf__proc_children(kill_child, NULL); }

static sem_t signal_thread_ready;

static void *signal_thread(void *arg) {
  sigset_t *set = arg;
  sem_post(&signal_thread_ready);
  for (;;) {
    int sig;
    if (sigwait(set, &sig) != 0) continue;
    if (loop_command && !atomic_exchange(&stop_requested, 1)) continue;
    for (int i = 0; i < 2; i++) if (fiu_fifo[i][0]) unlink(fiu_fifo[i]);
    kill_children();
    ipf_tmpdir_cleanup();         /* _exit runs no atexit handler */
    _exit(128 + sig);
  }
  return NULL;
}

static void setup_signals(void) {
  static sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  /* before any other thread exists, so that every thread inherits the mask */
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  /* Wait until the thread is in sigwait: --isolate forks next, and a fork
   * while the new thread is still starting (allocating its TLS, or in a
   * sanitizer's thread registry) leaves that lock held in the child, which
   * then hangs at its first allocation (seen under ASan). */
  sem_init(&signal_thread_ready, 0, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, signal_thread, &set) == 0) {
    pthread_detach(t);
    while (sem_wait(&signal_thread_ready) < 0 && errno == EINTR) {}
  }
}

/* exec (exec.c) loops over executions as explore does: the first SIGINT or
 * SIGTERM asks it to stop after the execution in flight, a second one ends
 * it at once (children killed, private directories removed). */
void ipf__cli_stop_on_signal(void) {
  loop_command = 1;
  setup_signals();
}
int ipf__cli_stop_requested(void) { return atomic_load(&stop_requested); }

static long parse_num(const char *opt, const char *v, long min, long max) {
  return ipf__cli_number(prog, opt, v, min, max, help_hint);
}

static uint64_t parse_seed(const char *v) {
  if (!v) usage_error("--seed needs a value");
  char *end;
  errno = 0;
  if (*v == '-') usage_error("--seed: '%s' is not a number from 0 to 2^64-1", v);
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || end == v || *end) usage_error("--seed: '%s' is not a number from 0 to 2^64-1", v);
  return (uint64_t)n;
}

static const char *strategy_name(ipf_strategy s) {
  switch (s) {
  case IPF_STRAT_RANDOM: return "random";
  case IPF_STRAT_PCT: return "pct";
  case IPF_STRAT_RR: return "rr";
  case IPF_STRAT_REPLAY: return "replay";
  case IPF_STRAT_BYTES: return "bytes";
  case IPF_STRAT_DFS: return "dfs";
  }
  return "?";
}

static const char *expect_name(ipf_expect e) {
  return e == IPF_EXPECT_OK ? "ok" : e == IPF_EXPECT_BUG ? "bug" : "tsan";
}

/* ---- help ------------------------------------------------------------------------ */

static const char *help_text =
  "usage: %s COMMAND [ARGS]\n"
  "\n"
  "Run the catalog's communication mechanisms and their bugs under a\n"
  "controlled scheduler; find races, deadlocks and hangs; replay them exactly.\n"
  "\n"
  "commands ('%s COMMAND --help' for each one's options):\n"
  "  list [--verbose]                 every scenario and its expected verdict\n"
  "  sites                            every fault site and its sweep fault\n"
  "  run SCENARIO [options]           one execution\n"
  "  explore SCENARIO [options]       up to --runs executions, stop at the first bug\n"
  "  replay SCENARIO --schedule S     reproduce an execution exactly\n"
  "  sweep SCENARIO [--site GLOB]     fail the Nth call of each site, N = 1, 2, ...\n"
  "  campaign [SCENARIO|GLOB ...]     many scenarios and strategies, fork-isolated\n"
  "  merge DIR...                     combine sharded campaign results\n"
  "  exec [options] [--] PROGRAM [ARGS]  explore an unmodified pthread program\n"
  "  cc ARGS... | c++ ARGS...         compile and link with the kit's memory runtime:\n"
  "                                   atomics and shared accesses become scheduling\n"
  "                                   points under exec, data races are reported\n"
  "  help [COMMAND]                   this text, or a command's\n"
  "  --version                        the kit's version\n"
  "\n"
  "Options take '--opt VALUE' or '--opt=VALUE' and may be abbreviated to any\n"
  "unique prefix; '--' ends the options.\n"
  "exit codes: 0 nothing found, 1 bug found, 2 bad usage or error\n";

#define H_SCHED \
  "  --strategy random|pct|rr   how the scheduler chooses (default random; explore: pct)\n" \
  "  --depth D                  PCT bug depth (default 3)\n" \
  "  --seed N                   first seed (default 1)\n" \
  "  --mode controlled|chaos    controlled scheduler (default) or free threads with\n" \
  "                             seeded random delays\n" \
  "  --max-steps N              step bound; past it the run is a hang (default 100000)\n"
#define H_ISOLATE \
  "  --isolate                  run the executions in a forked child: a crash (SIGSEGV,\n" \
  "                             abort) in the code under test is reported as a bug with\n" \
  "                             its replay line instead of killing the command\n" \
  "  --timeout SEC              with --isolate: no progress (no new decision, no new\n" \
  "                             execution) for SEC seconds is a hang\n"
#define H_FAULT \
  "  --plan FILE|none           fault plan file (faults/*.plan) instead of the\n" \
  "                             scenario's default plan; none: no faults\n" \
  "  --fault 'SITE=TERMS'       add one chain, e.g. 'ipf/io/read=2*off->30%%short->eof'\n" \
  "                             (repeatable; replaces that site's chain)\n" \
  "  --fiu                      let libfiu's fiu_enable() decide at sites the plan leaves\n" \
  "                             off (opt-in, as IPCFAULT_FIU=1; --fiu-ctrl implies it)\n" \
  "  --fiu-ctrl                 let fiu-ctrl reach this process: creates\n" \
  "                             ${TMPDIR:-/tmp}/fiu-ctrl-PID.in/.out, removed at exit\n" \
  "                             (also: IPCFAULT_FIU_CTRL=1)\n"
#define H_TAIL "  --json                     print one JSON object instead of text\n" \
  "\nexit codes: 0 nothing found, 1 bug found, 2 bad usage or error\n"

static const char *help_list =
  "usage: %s list [--verbose] [--json]\n\nEvery scenario, its expected verdict (ok, bug, tsan) and summary.\n\n"
  "  -v, --verbose              also each scenario's default fault plan\n"
  "  --json                     {\"scenarios\":[{name, expect, summary, plan}]}\n";
static const char *help_sites =
  "usage: %s sites [--json]\n\nEvery fault site, the fault sweep injects there by default, and what it does.\n";
static const char *help_run =
  "usage: %s run SCENARIO [options]\n\nOne execution of SCENARIO; prints its verdict, and a replay line for a bug.\n\n"
  H_SCHED "  --trace                    print the interleaving as a swimlane\n" H_ISOLATE H_FAULT H_TAIL;
static const char *help_explore =
  "usage: %s explore SCENARIO [options]\n\nUp to --runs executions (seeds derived from --seed); stops at the first bug and\n"
  "prints what happened and the line that replays it. SIGINT stops after the\n"
  "current execution and reports what was done.\n\n"
  "  --runs N                   executions at most (default 1000; dfs: 200000)\n"
  "  --strategy dfs             search every schedule systematically (explore only):\n"
  "  --preemptions K            dfs: preemption bound, searched 0, 1, ..., K (default 2)\n"
  "  --bound-exact              dfs: search at bound K only\n"
  "  --max-faults F             dfs: faults fired per execution at most (default 1)\n"
  H_SCHED "  --trace                    print the whole interleaving of the bug found\n" H_ISOLATE H_FAULT H_TAIL;
static const char *help_replay =
  "usage: %s replay SCENARIO --schedule S [options]\n\nReproduce one execution exactly from the schedule string a bug report printed;\n"
  "give the same --plan/--fault as the recording (the schedule's hash covers them).\n\n"
  "  --schedule S               the schedule string; one that ends in /hang was cut\n"
  "                             by the wall clock (--isolate --timeout): its replay\n"
  "                             takes the recorded decisions and reports the hang\n"
  "                             where they end\n"
  "  --bytes FILE               take the decisions from a fuzzer's input file\n"
  "                             (strategy bytes); prints its schedule string\n"
  "  --max-steps N              step bound (default: the one the schedule recorded)\n"
  "  --trace                    print the interleaving as a swimlane\n"
  "  --html FILE                also write the swimlane as a self-contained page\n"
  H_ISOLATE H_FAULT H_TAIL;
static const char *help_sweep =
  "usage: %s sweep SCENARIO [options]\n\nFail the Nth call of each fault site, N = 1, 2, ..., once transient and once\n"
  "persistent; prints a table of outcomes and the replay line of each row's first bug.\n\n"
  "  --site GLOB                sites to sweep (default: every site the scenario\n"
  "                             calls, except ipf/sched/point)\n"
  "  --action TERM              fault to inject (default per site: error(EIO),\n"
  "                             throw at ipf/pool/task, spurious at ipf/sync/cond_wait)\n"
  "  --max-n N                  give up on a site at its Nth call (default 1000)\n"
  H_SCHED "  --fiu-ctrl                 let fiu-ctrl reach this process (see run --help)\n" H_TAIL;

/* ---- options: one getopt_long table per command ------------------------------------
 * Every option of these commands is described once here with the commands
 * that take it; a command's table is the rows whose mask has it. An option
 * of another command is then refused by name ("--site goes with sweep"). */

enum { C_LIST = 1, C_SITES = 2, C_RUN = 4, C_EXPLORE = 8, C_REPLAY = 16, C_SWEEP = 32 };
#define C_EXEC (C_RUN | C_EXPLORE | C_REPLAY)
#define C_ALL (C_LIST | C_SITES | C_EXEC | C_SWEEP)

enum { O_JSON = 256, O_TRACE, O_BYTES, O_ISOLATE, O_TIMEOUT, O_HTML, O_STRATEGY, O_MODE, O_SEED, O_RUNS,
       O_DEPTH, O_MAX_STEPS, O_SCHEDULE, O_PLAN, O_FAULT, O_FIU_CTRL, O_FIU, O_SITE, O_ACTION, O_MAX_N,
       O_PREEMPTIONS, O_MAX_FAULTS, O_BOUND_EXACT };

static const struct { struct option o; unsigned cmds; } opt_rows[] = {
  { { "help", no_argument, NULL, 'h' }, C_ALL },
  { { "json", no_argument, NULL, O_JSON }, C_ALL },
  { { "verbose", no_argument, NULL, 'v' }, C_LIST },
  { { "trace", no_argument, NULL, O_TRACE }, C_EXEC },
  { { "html", required_argument, NULL, O_HTML }, C_REPLAY },
  { { "bytes", required_argument, NULL, O_BYTES }, C_REPLAY },
  { { "isolate", no_argument, NULL, O_ISOLATE }, C_EXEC },
  { { "timeout", required_argument, NULL, O_TIMEOUT }, C_EXEC },
  /* replay takes --strategy and --mode only to refuse them with a reason */
  { { "strategy", required_argument, NULL, O_STRATEGY }, C_EXEC | C_SWEEP },
  { { "mode", required_argument, NULL, O_MODE }, C_EXEC | C_SWEEP },
  { { "seed", required_argument, NULL, O_SEED }, C_EXEC | C_SWEEP },
  { { "runs", required_argument, NULL, O_RUNS }, C_EXPLORE },
  { { "preemptions", required_argument, NULL, O_PREEMPTIONS }, C_EXPLORE },
  { { "max-faults", required_argument, NULL, O_MAX_FAULTS }, C_EXPLORE },
  { { "bound-exact", no_argument, NULL, O_BOUND_EXACT }, C_EXPLORE },
  { { "depth", required_argument, NULL, O_DEPTH }, C_RUN | C_EXPLORE | C_SWEEP },
  { { "max-steps", required_argument, NULL, O_MAX_STEPS }, C_EXEC | C_SWEEP },
  { { "schedule", required_argument, NULL, O_SCHEDULE }, C_REPLAY },
  { { "plan", required_argument, NULL, O_PLAN }, C_EXEC },
  { { "fault", required_argument, NULL, O_FAULT }, C_EXEC },
  { { "fiu-ctrl", no_argument, NULL, O_FIU_CTRL }, C_EXEC | C_SWEEP },
  { { "fiu", no_argument, NULL, O_FIU }, C_EXEC | C_SWEEP },
  { { "site", required_argument, NULL, O_SITE }, C_SWEEP },
  { { "action", required_argument, NULL, O_ACTION }, C_SWEEP },
  { { "max-n", required_argument, NULL, O_MAX_N }, C_SWEEP },
};
#define NROWS (sizeof opt_rows / sizeof opt_rows[0])

static const struct { const char *name; unsigned bit; const char **help; } subcommands[] = {
  { "list", C_LIST, &help_list },       { "sites", C_SITES, &help_sites },
  { "run", C_RUN, &help_run },          { "explore", C_EXPLORE, &help_explore },
  { "replay", C_REPLAY, &help_replay }, { "sweep", C_SWEEP, &help_sweep },
};

static void print_help(const char *text) {
  printf(text, prog, prog);
}

/* "run, explore and replay": the commands of mask, for "goes with". */
static void cmds_of(unsigned mask, char *b, size_t len) {
  const char *names[8];
  int n = 0;
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (mask & subcommands[i].bit) names[n++] = subcommands[i].name;
  size_t o = 0;
  b[0] = 0;
  for (int i = 0; i < n && o < len; i++)
    o += (size_t)snprintf(b + o, len - o, "%s%s", i == 0 ? "" : i == n - 1 ? " and " : ", ", names[i]);
}

static void print_version(void) {
  if (strcmp(prog, "ipcfault")) printf("%s (ipcfault %s)\n", prog, IPF_VERSION);
  else printf("ipcfault %s\n", IPF_VERSION);
}

/* Commands of this file handle their arguments here; the others (campaign,
 * merge, exec, and whatever is added to `commands` in ipf_main) parse their
 * own. */
static void parse(int argc, char **argv, struct opts *o, unsigned bit) {
  memset(o, 0, sizeof *o);
  ipf_config_init(&o->cfg);
  o->runs = 1000;
  o->cmd = argv[1];
  o->max_n = 1000;
  const char *cmd_help = NULL;
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (subcommands[i].bit == bit) cmd_help = *subcommands[i].help;
  struct option lo[NROWS + 1], all[NROWS + 1];
  int nlo = 0;
  for (size_t i = 0; i < NROWS; i++) {
    all[i] = opt_rows[i].o;
    if (opt_rows[i].cmds & bit) lo[nlo++] = opt_rows[i].o;
  }
  memset(&lo[nlo], 0, sizeof lo[nlo]);
  memset(&all[NROWS], 0, sizeof all[NROWS]);
  const char *env = getenv("IPCFAULT_FIU_CTRL");
  if (env && *env && strcmp(env, "0")) o->fiu_ctrl = 1;
  /* getopt_long over argv[1..]: the command is its argv[0] */
  int ac = argc - 1;
  char **av = argv + 1;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(ac, av, bit == C_LIST ? ":hv" : ":h", lo, NULL)) != -1) {
    const char *v = optarg;
    if (c == ':') { c = optopt; v = NULL; }      /* the value is missing: each option says what it needs */
    switch (c) {
    case 'h': print_help(cmd_help); exit(0);
    case O_JSON: o->json = 1; break;
    case 'v': o->verbose = 1; break;
    case O_TRACE: o->trace = 1; break;
    case O_BYTES:
      if (!v) usage_error("--bytes needs a file (a fuzzer's input)");
      o->bytes_file = v;
      break;
    case O_ISOLATE: o->isolate = 1; break;
    case O_TIMEOUT: o->timeout_s = parse_num("--timeout", v, 1, 86400); break;
    case O_HTML:
      if (!v) usage_error("--html needs a file to write");
      o->html = v;
      break;
    case O_STRATEGY:
      if (!v) usage_error("--strategy needs a value: random, pct or rr");
      if (!strcmp(v, "random")) o->cfg.strategy = IPF_STRAT_RANDOM;
      else if (!strcmp(v, "pct")) o->cfg.strategy = IPF_STRAT_PCT;
      else if (!strcmp(v, "rr")) o->cfg.strategy = IPF_STRAT_RR;
      else if (!strcmp(v, "dfs")) o->cfg.strategy = IPF_STRAT_DFS;
      else usage_error("--strategy: unknown strategy '%s' (random, pct, rr or dfs)", v);
      o->strategy_set = 1;
      break;
    case O_MODE:
      if (!v) usage_error("--mode needs a value: controlled or chaos");
      if (!strcmp(v, "controlled")) o->cfg.mode = IPF_MODE_CONTROLLED;
      else if (!strcmp(v, "chaos")) o->cfg.mode = IPF_MODE_CHAOS;
      else if (!strcmp(v, "plain")) o->cfg.mode = IPF_MODE_PLAIN;
      else usage_error("--mode: unknown mode '%s' (controlled or chaos)", v);
      break;
    case O_SEED: o->cfg.seed = parse_seed(v); break;
    case O_RUNS: o->runs = parse_num("--runs", v, 1, 1000000000L); o->runs_set = 1; break;
    case O_PREEMPTIONS: o->cfg.dfs_preemptions = (int)parse_num("--preemptions", v, 0, 64); o->dfs_opt = 1; break;
    case O_MAX_FAULTS: o->cfg.dfs_max_faults = (int)parse_num("--max-faults", v, 0, 64); o->dfs_opt = 1; break;
    case O_BOUND_EXACT: o->cfg.dfs_bound_exact = 1; o->dfs_opt = 1; break;
    case O_DEPTH: o->cfg.pct_depth = (int)parse_num("--depth", v, 1, 16); break;
    case O_MAX_STEPS: o->cfg.max_steps = parse_num("--max-steps", v, 1, 100000000L); break;
    case O_SCHEDULE:
      if (!v) usage_error("--schedule needs the schedule string explore printed");
      o->cfg.schedule = v;
      break;
    case O_PLAN:
      if (!v) usage_error("--plan needs a plan file (faults/*.plan) or 'none'");
      if (o->plan_file) usage_error("--plan given twice");
      o->plan_file = v;
      break;
    case O_FAULT:
      if (!v) usage_error("--fault needs 'SITE=TERMS', e.g. 'ipf/io/read=short(3)'");
      if (o->nfaults == MAX_FAULTS) usage_error("more than %d --fault options", MAX_FAULTS);
      o->faults[o->nfaults++] = v;
      break;
    case O_FIU_CTRL: o->fiu_ctrl = 1; break;
    case O_FIU: ipf_fiu_enable(); break;
    case O_SITE:
      if (!v) usage_error("--site needs a site name or glob, e.g. 'ipf/io/*'");
      o->site_glob = v;
      break;
    case O_ACTION:
      if (!v) usage_error("--action needs a term, e.g. 'error(EIO)' or 'eof'");
      o->action = v;
      break;
    case O_MAX_N: o->max_n = parse_num("--max-n", v, 1, 1000000L); o->max_n_set = 1; break;
    default: {
      /* not this command's: another command's option, by name, or unknown */
      const char *arg = optind - 1 < ac ? av[optind - 1] : NULL;
      const struct option *other = arg ? ipf__opt_find(arg, all) : NULL;
      if (other && !ipf__opt_find(arg, lo)) {
        unsigned mask = 0;
        for (size_t i = 0; i < NROWS; i++) if (!strcmp(opt_rows[i].o.name, other->name)) mask = opt_rows[i].cmds;
        if (bit == C_SWEEP && (other->val == O_PLAN || other->val == O_FAULT))
          usage_error("sweep injects its own fault (--action); --plan and --fault go with run, explore and replay");
        if (other->val == O_PLAN || other->val == O_FAULT) usage_error("--plan and --fault go with run, explore and replay");
        if (other->val == O_ISOLATE || other->val == O_TIMEOUT) usage_error("--isolate and --timeout go with run, explore and replay");
        char names[128];
        cmds_of(mask, names, sizeof names);
        usage_error("--%s goes with %s", other->name, names);
      }
      char why[700];
      usage_error("%s", ipf__opt_bad(arg, optopt, lo, why, sizeof why));
    }
    }
  }
  for (int i = optind; i < ac; i++) {
    if (!o->scenario && bit != C_LIST && bit != C_SITES) o->scenario = av[i];
    else usage_error("unexpected argument '%s'", av[i]);
  }
  int is_list = bit == C_LIST || bit == C_SITES;
  if (!is_list && !o->scenario)
    usage_error("%s needs a SCENARIO ('%s list' shows them)", o->cmd, prog);
  int is_sweep = bit == C_SWEEP;
  if (bit == C_EXPLORE || is_sweep) loop_command = 1;
  if (o->bytes_file) {
    /* a fuzzer's input file is the choice stream itself (IPF_STRAT_BYTES) */
    if (o->cfg.schedule) usage_error("--schedule and --bytes: give one");
    FILE *f = fopen(o->bytes_file, "rb");
    if (!f) usage_error("--bytes %s: %s", o->bytes_file, strerror(errno));
    static unsigned char buf[1 << 20];
    o->cfg.nbytes = fread(buf, 1, sizeof buf, f);
    fclose(f);
    o->cfg.bytes = buf;
    o->cfg.schedule = "";   /* passes the check below; the strategy is bytes */
  }
  if (bit == C_REPLAY) {
    if (!o->cfg.schedule) usage_error("replay needs --schedule STRING");
    if (o->cfg.mode != IPF_MODE_CONTROLLED) usage_error("replay works in controlled mode only");
    if (o->strategy_set) usage_error("replay takes its decisions from --schedule, not --strategy");
    o->cfg.strategy = o->bytes_file ? IPF_STRAT_BYTES : IPF_STRAT_REPLAY;
    size_t sl = strlen(o->cfg.schedule), ml = strlen(HANG_MARK);
    if (!o->bytes_file && sl > ml && !strcmp(o->cfg.schedule + sl - ml, HANG_MARK)) {
      cut_schedule = strdup(o->cfg.schedule);
      if (!cut_schedule) usage_error("out of memory");
      cut_schedule[sl - ml] = 0;
      o->cfg.schedule = cut_schedule;     /* freed at exit, with the plan */
      o->cut = 1;
    }
  }
  if (o->timeout_s && !o->isolate) usage_error("--timeout needs --isolate (a hang in-process cannot be interrupted)");
  if (o->isolate && o->cfg.mode != IPF_MODE_CONTROLLED) usage_error("--isolate works in controlled mode");
  if (bit == C_EXPLORE && !o->strategy_set) o->cfg.strategy = IPF_STRAT_PCT;
  if (o->cfg.strategy == IPF_STRAT_DFS) {
    if (bit != C_EXPLORE) usage_error("--strategy dfs goes with explore");
    if (o->cfg.mode != IPF_MODE_CONTROLLED) usage_error("--strategy dfs works in controlled mode only");
    if (o->isolate) usage_error("--strategy dfs does not go with --isolate yet");
    if (!o->runs_set) o->runs = 200000;
  } else if (o->dfs_opt) {
    usage_error("--preemptions, --bound-exact and --max-faults go with --strategy dfs");
  }
}

/* ---- plans ----------------------------------------------------------------------- */

static ipf_plan *owned_plan;        /* the plan built from --plan/--fault, freed at exit */

static void free_owned_plan(void) {
  ipf_plan_free(owned_plan);
  owned_plan = NULL;
  free(cut_schedule);
  cut_schedule = NULL;
}

/* Print the parser's one line and exit 2: "file:line:col: ..." comes first,
 * as compilers do, so editors can jump to it. */
static __attribute__((noreturn)) void plan_error(const char *err) {
  fprintf(stderr, "%s\n", err);
  free_owned_plan();
  exit(EXIT_USAGE);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) usage_error("--plan %s: %s", path, strerror(errno));
  size_t cap = 4096, len = 0;
  char *b = malloc(cap);
  if (!b) { fclose(f); usage_error("--plan %s: out of memory", path); }
  size_t k;
  while ((k = fread(b + len, 1, cap - len - 1, f)) > 0) {
    len += k;
    if (len > (1u << 20)) { free(b); fclose(f); usage_error("--plan %s: larger than 1 MiB", path); }
    if (cap - len - 1 == 0) {
      char *nb = realloc(b, cap * 2);
      if (!nb) { free(b); fclose(f); usage_error("--plan %s: out of memory", path); }
      b = nb;
      cap *= 2;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) { free(b); usage_error("--plan %s: read error", path); }
  b[len] = 0;
  if (memchr(b, 0, len)) { free(b); usage_error("--plan %s: not a text file", path); }
  return b;
}

/* The plan of --plan/--fault for sc, or NULL for the scenario's default. */
static const ipf_plan *build_plan(const struct opts *o, const ipf_scenario *sc) {
  if (!o->plan_file && !o->nfaults) return NULL;
  char err[512];
  if (!o->plan_file) {
    /* --fault alone adds to the scenario's default plan */
    if (ipf_plan_parse(sc->plan ? sc->plan : "", sc->name, &owned_plan, err, sizeof err)) plan_error(err);
  } else if (!strcmp(o->plan_file, "none")) {
    owned_plan = ipf_plan_new();
    if (!owned_plan) usage_error("out of memory");
  } else {
    char *text = read_file(o->plan_file);
    int rc = ipf_plan_parse(text, o->plan_file, &owned_plan, err, sizeof err);
    free(text);
    if (rc) plan_error(err);
  }
  for (int i = 0; i < o->nfaults; i++)
    if (ipf_plan_add(owned_plan, o->faults[i], err, sizeof err)) plan_error(err);
  return owned_plan;
}

/* Shell-quote s into b (single quotes). */
static void shq(char *b, size_t len, const char *s) {
  size_t o = 0;
  if (len < 3) { if (len) b[0] = 0; return; }
  b[o++] = '\'';
  for (; *s && o + 6 < len; s++) {
    if (*s == '\'') { memcpy(b + o, "'\\''", 4); o += 4; }
    else b[o++] = *s;
  }
  b[o++] = '\'';
  b[o] = 0;
}

/* " --plan F --fault 'X'..." as given, for the replay line. */
static void plan_args(const struct opts *o, char *b, size_t len) {
  size_t n = 0;
  b[0] = 0;
  char q[1024];
  if (o->plan_file) {
    shq(q, sizeof q, o->plan_file);
    n += (size_t)snprintf(b + n, len - n, " --plan %s", strcmp(o->plan_file, "none") ? q : "none");
  }
  for (int i = 0; i < o->nfaults && n < len; i++) {
    shq(q, sizeof q, o->faults[i]);
    n += (size_t)snprintf(b + n, len - n, " --fault %s", q);
  }
}

/* The line that replays schedule: this binary (a user's scenario binary
 * names itself), the scenario, the plan options, the schedule. */
static void replay_cmd(const struct opts *o, const ipf_scenario *sc, const char *schedule, const char *extra,
                       char *b, size_t len) {
  char pargs[4096];
  plan_args(o, pargs, sizeof pargs);
  snprintf(b, len, "%s replay %s%s --schedule %s%s", ipf__self(), sc->name, pargs, schedule ? schedule : "",
           extra ? extra : "");
}

static void setup_fiu(const struct opts *o) {
  if (!o->fiu_ctrl) return;
  const char *tmp = getenv("TMPDIR");
  char prefix[4096];
  snprintf(prefix, sizeof prefix, "%s/fiu-ctrl", tmp && *tmp ? tmp : "/tmp");
  int rc = ipf_fiu_remote(prefix);
  if (rc < 0) {
    fprintf(stderr, "%s: --fiu-ctrl: cannot create %s-%d.in: %s\n", prog, prefix, (int)getpid(), strerror(-rc));
    exit(EXIT_USAGE);
  }
  snprintf(fiu_fifo[0], sizeof fiu_fifo[0], "%s-%d.in", prefix, (int)getpid());
  snprintf(fiu_fifo[1], sizeof fiu_fifo[1], "%s-%d.out", prefix, (int)getpid());
  if (!o->json)
    fprintf(stderr, "%s: fiu-ctrl can reach this process: fiu-ctrl -c 'enable name=ipf/io/read' %d\n", prog,
            (int)getpid());
}

/* ---- fault statistics over executions -------------------------------------------- */

struct fstats { long calls[IPF_SITE_COUNT], fired[IPF_SITE_COUNT]; };

static void fstats_add(struct fstats *t) {
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    long c, f;
    ipf_fault_stats(i, &c, &f);
    t->calls[i] += c;
    t->fired[i] += f;
  }
}

static void fstats_json(const struct fstats *t) {
  printf("{");
  int k = 0;
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    if (!t->calls[i] && !t->fired[i]) continue;
    printf("%s\"%s\":{\"calls\":%ld,\"fired\":%ld}", k++ ? "," : "", ipf_site_name(i), t->calls[i], t->fired[i]);
  }
  printf("}");
}

static void fstats_text(const struct fstats *t) {
  int any = 0;
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    if (!t->fired[i]) continue;
    printf("%s %s %ld", any++ ? "," : "faults fired:", ipf_site_name(i), t->fired[i]);
  }
  if (any) printf("\n");
}

/* ---- list, sites ----------------------------------------------------------------- */

static int cmd_list(const struct opts *o) {
  size_t n;
  const ipf_scenario *t = ipf_scenarios(&n);
  if (o->json) {
    printf("{\"scenarios\":[");
    for (size_t i = 0; i < n; i++) {
      printf("%s{\"name\":", i ? "," : "");
      ipf__json_str(stdout, t[i].name);
      printf(",\"expect\":\"%s\",\"summary\":", expect_name(t[i].expect));
      ipf__json_str(stdout, t[i].summary);
      printf(",\"plan\":");
      ipf__json_str(stdout, t[i].plan ? t[i].plan : "none");
      printf("}");
    }
    printf("]}\n");
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    printf("%-34s %-5s %s\n", t[i].name, expect_name(t[i].expect), t[i].summary);
    if (!o->verbose) continue;
    /* the default plan in canonical form, one chain a line */
    ipf_plan *p = NULL;
    char err[512];
    if (!t[i].plan) { printf("%-34s       default plan: none\n", ""); continue; }
    if (ipf_plan_parse(t[i].plan, t[i].name, &p, err, sizeof err)) {
      printf("%-34s       default plan: MALFORMED: %s\n", "", err);
      continue;
    }
    char *txt = ipf_plan_format(p);
    printf("%-34s       default plan:%s\n", "", txt && *txt ? "" : " none");
    for (char *l = txt; l && *l;) {
      char *e = strchr(l, '\n');
      if (e) *e = 0;
      printf("%-34s         %s\n", "", l);
      l = e ? e + 1 : l + strlen(l);
    }
    free(txt);
    ipf_plan_free(p);
  }
  return 0;
}

static const char *site_docs[] = {
#define IPF_X_DOC(e, name, doc) doc,
  IPF_FAULT_SITES(IPF_X_DOC)
#undef IPF_X_DOC
};

static int cmd_sites(const struct opts *o) {
  if (o->json) printf("{\"sites\":[");
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    if (o->json) {
      printf("%s{\"name\":\"%s\",\"sweep\":\"%s\",\"doc\":", i ? "," : "", ipf_site_name(i), ipf_site_default_term(i));
      ipf__json_str(stdout, site_docs[i]);
      printf("}");
    } else {
      printf("%-20s %-11s %s\n", ipf_site_name(i), ipf_site_default_term(i), site_docs[i]);
    }
  }
  if (o->json) printf("]}\n");
  return 0;
}

/* ---- run, explore, replay --------------------------------------------------------- */

static const ipf_dfs_stats *dfs_st;  /* explore --strategy dfs: what it covered */
static int dfs_stop(void) { return atomic_load(&stop_requested); }

static void print_json(const struct opts *o, const ipf_scenario *sc, const ipf_result *r,
                       uint64_t seed, long executions, double secs, const ipf_plan *plan,
                       const struct fstats *fs, int interrupted, const char *replay_extra) {
  printf("{\"scenario\":");
  ipf__json_str(stdout, sc->name);
  printf(",\"expect\":\"%s\",\"verdict\":\"%s\",\"kind\":", expect_name(sc->expect),
         r->verdict == IPF_VERDICT_OK ? "ok" : r->verdict == IPF_VERDICT_BUG ? "bug" : "error");
  ipf__json_str(stdout, r->kind);
  printf(",\"message\":");
  ipf__json_str(stdout, r->message);
  printf(",\"mode\":\"%s\",\"strategy\":\"%s\",\"seed\":%" PRIu64 ",\"schedule\":",
         o->cfg.mode == IPF_MODE_CONTROLLED ? "controlled" : o->cfg.mode == IPF_MODE_CHAOS ? "chaos" : "plain",
         strategy_name(o->cfg.strategy), seed);
  ipf__json_str(stdout, r->schedule ? r->schedule : "");
  printf(",\"steps\":%ld,\"executions\":%ld,\"executions_per_second\":%.1f", r->steps, executions,
         secs > 0 ? executions / secs : 0.0);
  printf(",\"replayable\":%s", r->inexact ? "false" : "true");
  char *pt = NULL;
  if (plan) pt = ipf_plan_format(plan);
  else if (sc->plan) {
    ipf_plan *p;
    char err[512];
    if (!ipf_plan_parse(sc->plan, sc->name, &p, err, sizeof err)) { pt = ipf_plan_format(p); ipf_plan_free(p); }
  }
  printf(",\"plan\":");
  ipf__json_str(stdout, pt ? pt : "");
  free(pt);
  const char *ce = ipf_clean_error_text();
  printf(",\"clean_error\":");
  if (ce && r->verdict == IPF_VERDICT_OK) ipf__json_str(stdout, ce);
  else printf("null");
  printf(",\"faults\":");
  fstats_json(fs);
  printf(",\"interrupted\":%s", interrupted ? "true" : "false");
  if (dfs_st)
    printf(",\"exhaustive\":%s,\"unbounded\":%s,\"schedules\":%ld,\"pruned\":%ld,\"bound\":%d,"
           "\"max_faults\":%d,\"at_least\":%ld,\"depth\":%d", dfs_st->exhaustive ? "true" : "false",
           dfs_st->unbounded ? "true" : "false", dfs_st->schedules, dfs_st->pruned, dfs_st->bound,
           dfs_st->max_faults, dfs_st->exhaustive ? dfs_st->schedules : dfs_st->at_least, dfs_st->depth);
  printf(",\"replay\":");
  if (r->verdict == IPF_VERDICT_BUG && r->schedule && o->cfg.mode == IPF_MODE_CONTROLLED) {
    char line[12000];
    replay_cmd(o, sc, r->schedule, replay_extra, line, sizeof line);
    ipf__json_str(stdout, line);
  } else {
    printf("null");
  }
  printf("}\n");
}

static void print_account(const ipf_scenario *sc, const ipf_result *r) {
  printf("%s: %s\n", sc->name, r->message);
  if (r->inexact) printf("(not exactly replayable: %s)\n", ipf_inexact_words(r->inexact));
}

/* Re-run a found bug from its schedule with tracing on, for the account. */
static void print_trace_of(const ipf_scenario *sc, const ipf_result *found, const ipf_config *base) {
  ipf_config c = *base;
  c.strategy = IPF_STRAT_REPLAY;
  c.schedule = found->schedule;
  c.trace = 1;
  ipf_result r;
  ipf_exec(sc, &c, &r);
  if (r.nevents > 80) {
    printf("\nThe last 60 of %zu events (replay --trace shows them all):\n", r.nevents);
    ipf_result tail = r;
    tail.events = r.events + (r.nevents - 60);
    tail.nevents = 60;
    ipf_trace_print(stdout, &tail);
  } else {
    printf("\nWhat happened:\n");
    ipf_trace_print(stdout, &r);
  }
  ipf_result_free(&r);
}

/* ipf_explore's loop (same seeds, same PCT step estimate), executed here so
 * that a signal can stop it between executions and the fault statistics of
 * every execution can be summed. */
/* --isolate: what the forked child publishes for the parent, so a crash
 * or a hang still leaves the execution it was in and its decisions. */
struct isolated {
  volatile long cur;        /* execution index being run */
  volatile int finished;    /* the executions are over: what follows is reporting */
  volatile size_t mlen;
  uint32_t mirror[1u << 20];
};
static struct isolated *iso;

static int explore_loop(const ipf_scenario *sc, const ipf_config *cfg, long runs, ipf_result *res,
                        long *executions, struct fstats *fs) {
  ipf_config c = *cfg;
  long longest = 0;
  int v = IPF_VERDICT_OK;
  *executions = 0;
  for (long i = 0; i < runs; i++) {
    if (i && atomic_load(&stop_requested)) break;
    c.seed = ipf_exec_seed(cfg->seed, i);
    if (iso) iso->cur = i;
    if (cfg->strategy == IPF_STRAT_PCT && cfg->pct_steps <= 0) c.pct_steps = longest ? longest : 50;
    if (i) ipf_result_free(res);
    v = ipf_exec(sc, &c, res);
    fstats_add(fs);
    *executions = i + 1;
    if (res->steps > longest) longest = res->steps;
    if (v != IPF_VERDICT_OK) break;
  }
  return v;
}

/* --isolate: the executions run in a forked child, which prints its own
 * results when it ends normally; here the parent waits, and when the child
 * is killed (a crash in the code under test) or makes no progress for
 * --timeout seconds, it reports that as the bug, with the schedule the
 * child had mirrored into shared memory. Returns -1 in the child (go on
 * and run), the exit code in the parent. */
static int run_isolated(const struct opts *o, const ipf_scenario *sc, ipf_config *cfg, int is_explore) {
  iso = mmap(NULL, sizeof *iso, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (iso == MAP_FAILED) { fprintf(stderr, "%s: --isolate: %s\n", prog, strerror(errno)); return EXIT_USAGE; }
  iso->cur = 0;
  cfg->mirror = iso->mirror;
  cfg->mirror_cap = sizeof iso->mirror / sizeof iso->mirror[0];
  cfg->mirror_len = &iso->mlen;
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) { fprintf(stderr, "%s: --isolate: fork: %s\n", prog, strerror(errno)); return EXIT_USAGE; }
  if (pid == 0) { ipf__die_with_parent(parent); return -1; }
  long timeout = o->timeout_s > 0 ? o->timeout_s : 0;
  /* progress is a new execution or a new decision: both are watched, each
   * against its own last value */
  long last_cur = -1;
  size_t last_ml = (size_t)-1;
  double last_change = ipf__now_s();
  int status = 0, hung = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) { status = 0; break; }
    long cur = iso->cur;
    size_t ml = iso->mlen;
    if (cur != last_cur || ml != last_ml) { last_cur = cur; last_ml = ml; last_change = ipf__now_s(); }
    if (timeout && ipf__now_s() - last_change > timeout) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
      hung = 1;
      break;
    }
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
  }
  /* a child that exits before its executions are over was ended by the code
   * under test (exit(), or a sanitizer that reports and exits): a crash too */
  if (!hung && WIFEXITED(status) && iso->finished) return WEXITSTATUS(status);
  size_t n = iso->mlen < cfg->mirror_cap ? iso->mlen : cfg->mirror_cap;
  char *sched = ipf_schedule_make(sc, cfg, iso->mirror, n);
  long at = iso->cur;
  ipf_result r;
  memset(&r, 0, sizeof r);
  r.verdict = IPF_VERDICT_BUG;
  if (hung) {
    snprintf(r.kind, sizeof r.kind, "hang");
    snprintf(r.message, sizeof r.message, "hang: execution %ld made no progress for %ld s of wall-clock time "
             "(--timeout); the replay schedule stops where it was stuck", at, timeout);
  } else {
    snprintf(r.kind, sizeof r.kind, "crash");
    if (WIFSIGNALED(status))
      snprintf(r.message, sizeof r.message, "crash: execution %ld was killed by %s", at, ipf__signal_name(WTERMSIG(status)));
    else
      snprintf(r.message, sizeof r.message, "crash: execution %ld exited the process (status %d)", at,
               WIFEXITED(status) ? WEXITSTATUS(status) : status);
  }
  if (hung && sched) {
    char *m = malloc(strlen(sched) + sizeof HANG_MARK);
    if (m) { sprintf(m, "%s%s", sched, HANG_MARK); free(sched); sched = m; }
  }
  r.schedule = sched;
  char pargs[4096];
  plan_args(o, pargs, sizeof pargs);
  uint64_t seed = is_explore ? ipf_exec_seed(cfg->seed, at) : cfg->seed;
  char tbuf[32];
  snprintf(tbuf, sizeof tbuf, "%ld", timeout);
  struct fstats fs;
  memset(&fs, 0, sizeof fs);
  if (o->json) {
    char extra[64];
    snprintf(extra, sizeof extra, " --isolate%s%s", hung ? " --timeout " : "", hung ? tbuf : "");
    print_json(o, sc, &r, seed, at + 1, 0, cfg->plan, &fs, 0, extra);
  } else {
    if (is_explore)
      printf("BUG in %s after %ld execution%s (%s, isolated)\n", sc->name, at + 1, at ? "s" : "",
             strategy_name(cfg->strategy));
    else
      printf("BUG in %s (%s, isolated)\n", sc->name, strategy_name(cfg->strategy));
    print_account(sc, &r);
    if (cfg->strategy != IPF_STRAT_REPLAY)
      printf("\nReplay it (the replay crashes or hangs as the execution did):\n  %s replay %s%s --schedule %s --isolate%s%s\n",
             ipf__self(), sc->name, pargs, sched ? sched : "", hung ? " --timeout " : "", hung ? tbuf : "");
  }
  free(sched);
  munmap(iso, sizeof *iso);
  return EXIT_BUG;
}

static int cmd_exec(const struct opts *o) {
  const ipf_scenario *sc = ipf_scenario_find(o->scenario);
  if (!sc) usage_error("unknown scenario '%s' ('ipcfault list' shows them)", o->scenario);
  ipf_config cfg = o->cfg;
  cfg.plan = build_plan(o, sc);
  if (!cfg.plan && sc->plan) {
    /* a malformed default plan is the scenario's bug, reported up front */
    ipf_plan *p;
    char err[512];
    if (ipf_plan_parse(sc->plan, sc->name, &p, err, sizeof err)) plan_error(err);
    ipf_plan_free(p);
  }
  setup_fiu(o);
  int is_explore = !strcmp(o->cmd, "explore");
  if (cfg.strategy == IPF_STRAT_REPLAY && !cfg.plan) {
    /* with the default plan the schedule can be checked before running;
     * under another plan ipf_exec checks it against that plan */
    char why[256];
    if (ipf_schedule_check(sc, cfg.schedule, why, sizeof why) < 0) {
      fprintf(stderr, "%s: %s\n", prog, why);
      return EXIT_USAGE;
    }
  }
  cfg.trace = (o->trace || o->html) && !is_explore;
  if (o->isolate) {
    int rc = run_isolated(o, sc, &cfg, is_explore);
    if (rc >= 0) return rc;           /* the parent: the child's verdict, or a crash */
  }
  ipf_result r;
  long execs = 1;
  struct fstats fs;
  memset(&fs, 0, sizeof fs);
  double t0 = ipf__now_s();
  int v;
  ipf_dfs_stats dst;
  if (is_explore && cfg.strategy == IPF_STRAT_DFS) {
    v = ipf_explore_dfs(sc, &cfg, o->runs, &r, &dst, dfs_stop);
    execs = dst.executions;
    dfs_st = &dst;
  } else if (is_explore) v = explore_loop(sc, &cfg, o->runs, &r, &execs, &fs);
  else { v = ipf_exec(sc, &cfg, &r); fstats_add(&fs); }
  if (o->cut && v == IPF_VERDICT_ERROR && !strncmp(r.message, "schedule ended early", 20)) {
    /* the recorded decisions all fit and ran out where the wall clock had
     * cut the execution: the hang, reproduced up to its point */
    v = r.verdict = IPF_VERDICT_BUG;
    snprintf(r.kind, sizeof r.kind, "hang");
    snprintf(r.message, sizeof r.message,
             "hang: the recorded execution was cut by the wall clock (--timeout) after %ld steps; this replay "
             "took the same decisions and stopped where it was cut (the interleaving up to the hang is "
             "reproduced, not its wall-clock time)", r.steps);
  }
  if (iso) iso->finished = 1;
  double secs = ipf__now_s() - t0;
  int interrupted = is_explore && v == IPF_VERDICT_OK && (dfs_st ? !dst.exhaustive && atomic_load(&stop_requested)
                                                                   : execs < o->runs);
  uint64_t seed = is_explore ? ipf_exec_seed(cfg.seed, execs - 1) : cfg.seed;
  char pargs[4096];
  plan_args(o, pargs, sizeof pargs);
  if (v == IPF_VERDICT_ERROR) {
    if (o->json) print_json(o, sc, &r, seed, execs, secs, cfg.plan, &fs, interrupted, NULL);
    fprintf(stderr, "%s: %s: %s\n", prog, sc->name, r.message);
    ipf_result_free(&r);
    return EXIT_USAGE;
  }
  char html_line[12000];
  replay_cmd(o, sc, cfg.schedule, o->cut ? HANG_MARK : NULL, html_line, sizeof html_line);
  if (o->html && ipf__write_html(o->html, sc, &r, html_line) < 0) {
    fprintf(stderr, "%s: --html %s: %s\n", prog, o->html, strerror(errno));
    ipf_result_free(&r);
    return EXIT_USAGE;
  }
  if (o->json) {
    print_json(o, sc, &r, seed, execs, secs, cfg.plan, &fs, interrupted, NULL);
  } else if (v == IPF_VERDICT_BUG) {
    if (dfs_st)
      printf("BUG in %s after %ld execution%s (dfs, depth %d: found at preemption bound %d)\n", sc->name,
             execs, execs == 1 ? "" : "s", dfs_st->depth, dfs_st->bound);
    else if (is_explore)
      printf("BUG in %s after %ld execution%s (%s, %s mode)\n", sc->name, execs, execs == 1 ? "" : "s",
             strategy_name(cfg.strategy), cfg.mode == IPF_MODE_CONTROLLED ? "controlled" : "chaos");
    else
      printf("BUG in %s\n", sc->name);
    print_account(sc, &r);
    fstats_text(&fs);
    if (cfg.mode == IPF_MODE_CONTROLLED) {
      if (o->trace) { printf("\n"); ipf_trace_print(stdout, &r); }
      else if (is_explore) print_trace_of(sc, &r, &cfg);
      if (cfg.strategy != IPF_STRAT_REPLAY) {
        char line[12000];
        replay_cmd(o, sc, r.schedule, NULL, line, sizeof line);
        printf("\nReplay it:\n  %s\n", line);
      }
    } else {
      printf("\nChaos runs are real concurrency and do not replay exactly; to retry this seed:\n"
             "  %s run %s --mode chaos --seed %" PRIu64 "%s\n", ipf__self(), sc->name, seed, pargs);
    }
  } else {
    char sum[512];
    if (dfs_st) ipf_dfs_summary(dfs_st, sum, sizeof sum);
    if (dfs_st)
      printf("ok: %s, %s (%ld executions, %.0f/s)%s\n", sc->name, sum, execs, secs > 0 ? execs / secs : 0.0,
             interrupted ? " (interrupted)" : "");
    else if (is_explore)
      printf("ok: %s, nothing found in %ld executions (%s, %.0f executions/s)%s\n", sc->name, execs,
             strategy_name(cfg.strategy), secs > 0 ? execs / secs : 0.0, interrupted ? " (interrupted)" : "");
    else
      printf("ok: %s (%ld steps)\n", sc->name, r.steps);
    if (cfg.strategy == IPF_STRAT_BYTES && r.schedule) printf("schedule: %s\n", r.schedule);
    const char *ce = ipf_clean_error_text();
    if (ce && !is_explore) printf("ended with a clean error: %s\n", ce);
    fstats_text(&fs);
    if (o->trace && cfg.mode == IPF_MODE_CONTROLLED) { printf("\n"); ipf_trace_print(stdout, &r); }
    if (sc->expect == IPF_EXPECT_TSAN && !o->json)
      fprintf(stderr, "note: %s is a data race under the C memory model, not reported here: the kit's "
              "race detection needs controlled mode, the instrumented build (not a TSan build) and "
              "IPCFAULT_RACES unset; ThreadSanitizer reports it as well: make check-tsan\n", sc->name);
  }
  ipf_result_free(&r);
  return v == IPF_VERDICT_BUG ? EXIT_BUG : 0;
}

/* ---- sweep -------------------------------------------------------------------------- */

/* Outcome kinds of one (site, mode) row: ok, clean-error, error (the kit
 * could not run it), and each bug kind (the oracle that failed). */
#define MAX_KINDS 12
struct row {
  int site;
  int persistent;
  long calls;               /* calls of the site in the fault-free run */
  long n;                   /* the last N at which the fault fired */
  int capped;               /* stopped at --max-n with the fault still firing */
  long ok, clean, errors;
  char kinds[MAX_KINDS][32];
  long kcount[MAX_KINDS];
  int nkinds;
  char first_bug[2048];     /* message of the first bug */
  char *first_replay;       /* replay command of the first bug (malloc) */
};

static void row_bug(struct row *w, const char *kind) {
  for (int i = 0; i < w->nkinds; i++)
    if (!strcmp(w->kinds[i], kind)) { w->kcount[i]++; return; }
  int i = w->nkinds < MAX_KINDS ? w->nkinds++ : MAX_KINDS - 1;
  snprintf(w->kinds[i], sizeof w->kinds[i], "%s", w->nkinds <= MAX_KINDS ? kind : "other");
  w->kcount[i]++;
}

/* The chain that fails call n of a site, once or from then on. */
static void sweep_chain(char *b, size_t len, int site, long n, int persistent, const char *term) {
  char pre[32] = "";
  if (n > 1) snprintf(pre, sizeof pre, "%ld*off->", n - 1);
  snprintf(b, len, "%s=%s%s%s", ipf_site_name(site), pre, persistent ? "" : "1*", term);
}

static int cmd_sweep(const struct opts *o) {
  const ipf_scenario *sc = ipf_scenario_find(o->scenario);
  if (!sc) usage_error("unknown scenario '%s' ('ipcfault list' shows them)", o->scenario);
  ipf_config cfg = o->cfg;
  char err[512], chain[256];
  /* which sites match, and is --action a term every one of them takes? */
  int match[IPF_SITE_COUNT], nmatch = 0;
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    const char *name = ipf_site_name(i);
    match[i] = o->site_glob ? fnmatch(o->site_glob, name, 0) == 0
                            : i != IPF_SITE_SCHED_POINT;   /* a delay at every step cannot fail anything */
    if (!match[i]) continue;
    nmatch++;
    ipf_plan *p = ipf_plan_new();
    if (!p) usage_error("out of memory");
    sweep_chain(chain, sizeof chain, i, 2, 0, o->action ? o->action : ipf_site_default_term(i));
    int rc = ipf_plan_add(p, chain, err, sizeof err);
    ipf_plan_free(p);
    if (rc) {
      if (o->action) usage_error("--action '%s' at %s: %s", o->action, name, strstr(err, ": ") ? strstr(err, ": ") + 2 : err);
      usage_error("sweep at %s: %s", name, err);
    }
  }
  if (!nmatch) usage_error("--site '%s' matches no fault site ('ipcfault sites' lists them)", o->site_glob);
  setup_fiu(o);
  /* the fault-free run: which sites does the scenario call, and how often */
  ipf_plan *none = ipf_plan_new();
  if (!none) usage_error("out of memory");
  cfg.plan = none;
  ipf_result r;
  int v0 = ipf_exec(sc, &cfg, &r);
  long base_calls[IPF_SITE_COUNT];
  for (int i = 0; i < IPF_SITE_COUNT; i++) ipf_fault_stats(i, &base_calls[i], NULL);
  char base_kind[32];
  snprintf(base_kind, sizeof base_kind, "%s", r.kind);
  ipf_result_free(&r);
  if (v0 == IPF_VERDICT_ERROR) {
    ipf_plan_free(none);
    fprintf(stderr, "%s: %s: the fault-free run failed to run: %s\n", prog, sc->name, base_kind);
    return EXIT_USAGE;
  }
  struct row *rows = calloc(2 * IPF_SITE_COUNT, sizeof *rows);
  if (!rows) { ipf_plan_free(none); usage_error("out of memory"); }
  int nrows = 0;
  long runs = 1, bugs = 0, errors = 0;
  int interrupted = 0;
  char pargs[600];
  for (int site = 0; site < IPF_SITE_COUNT && !interrupted; site++) {
    if (!match[site]) continue;
    /* without --site, only the sites the scenario calls; with it, every
     * match (a site never called shows 0 calls, N 0) */
    if (!base_calls[site] && !o->site_glob) continue;
    const char *term = o->action ? o->action : ipf_site_default_term(site);
    for (int persistent = 0; persistent < 2 && !interrupted; persistent++) {
      struct row *w = &rows[nrows++];
      w->site = site;
      w->persistent = persistent;
      w->calls = base_calls[site];
      for (long n = 1; n <= o->max_n; n++) {
        if (atomic_load(&stop_requested)) { interrupted = 1; break; }
        ipf_plan *p = ipf_plan_new();
        sweep_chain(chain, sizeof chain, site, n, persistent, term);
        if (!p || ipf_plan_add(p, chain, err, sizeof err)) { ipf_plan_free(p); usage_error("sweep: %s", err); }
        cfg.plan = p;
        int v = ipf_exec(sc, &cfg, &r);
        runs++;
        long fired;
        ipf_fault_stats(site, NULL, &fired);
        if (fired == 0 && v == IPF_VERDICT_OK) {
          /* the Nth call never came: the site is swept */
          ipf_plan_free(p);
          ipf_result_free(&r);
          break;
        }
        w->n = n;
        if (v == IPF_VERDICT_OK) {
          if (ipf_clean_error_text()) w->clean++;
          else w->ok++;
        } else if (v == IPF_VERDICT_BUG) {
          row_bug(w, r.kind);
          bugs++;
          if (!w->first_replay && r.schedule) {
            snprintf(w->first_bug, sizeof w->first_bug, "%s", r.message);
            char q[300];
            shq(q, sizeof q, chain);
            snprintf(pargs, sizeof pargs, " --plan none --fault %s", q);
            size_t len = strlen(ipf__self()) + strlen(sc->name) + strlen(pargs) + strlen(r.schedule) + 64;
            w->first_replay = malloc(len);
            if (w->first_replay)
              snprintf(w->first_replay, len, "%s replay %s%s --schedule %s", ipf__self(), sc->name, pargs, r.schedule);
          }
        } else {
          w->errors++;
          errors++;
          if (!w->first_bug[0]) snprintf(w->first_bug, sizeof w->first_bug, "error: %.2000s", r.message);
        }
        ipf_plan_free(p);
        ipf_result_free(&r);
        if (n == o->max_n) w->capped = 1;
        /* the fault fired but nothing failed: a bug or error verdict
         * without the fault (fired == 0) would be the scenario's own; it
         * is counted above and the sweep of this row ends there */
        if (fired == 0) break;
      }
    }
  }
  ipf_plan_free(none);
  const char *strat = strategy_name(cfg.strategy);
  const char *mode = cfg.mode == IPF_MODE_CONTROLLED ? "controlled" : cfg.mode == IPF_MODE_CHAOS ? "chaos" : "plain";
  if (o->json) {
    printf("{\"scenario\":");
    ipf__json_str(stdout, sc->name);
    printf(",\"expect\":\"%s\",\"mode\":\"%s\",\"strategy\":\"%s\",\"seed\":%" PRIu64
           ",\"runs\":%ld,\"bugs\":%ld,\"errors\":%ld,\"interrupted\":%s,\"rows\":[",
           expect_name(sc->expect), mode, strat, cfg.seed, runs, bugs, errors, interrupted ? "true" : "false");
    for (int i = 0; i < nrows; i++) {
      const struct row *w = &rows[i];
      printf("%s{\"site\":\"%s\",\"mode\":\"%s\",\"action\":", i ? "," : "", ipf_site_name(w->site),
             w->persistent ? "persistent" : "transient");
      ipf__json_str(stdout, o->action ? o->action : ipf_site_default_term(w->site));
      printf(",\"calls\":%ld,\"n\":%ld,\"capped\":%s,\"outcomes\":{\"ok\":%ld,\"clean-error\":%ld,\"error\":%ld",
             w->calls, w->n, w->capped ? "true" : "false", w->ok, w->clean, w->errors);
      for (int k = 0; k < w->nkinds; k++) {
        printf(",");
        ipf__json_str(stdout, w->kinds[k]);
        printf(":%ld", w->kcount[k]);
      }
      printf("},\"first_bug\":");
      if (w->first_bug[0]) ipf__json_str(stdout, w->first_bug); else printf("null");
      printf(",\"replay\":");
      if (w->first_replay) ipf__json_str(stdout, w->first_replay); else printf("null");
      printf("}");
    }
    printf("]}\n");
  } else {
    printf("sweep %s (%s, %s, seed %" PRIu64 "): %ld runs%s\n", sc->name, mode, strat, cfg.seed, runs,
           interrupted ? " (interrupted)" : "");
    printf("%-20s %-12s %-11s %6s %6s %6s %6s  %s\n", "site", "fault", "mode", "calls", "N", "ok", "clean", "bugs");
    for (int i = 0; i < nrows; i++) {
      const struct row *w = &rows[i];
      char bl[256] = "-";
      size_t bo = 0;
      for (int k = 0; k < w->nkinds && bo < sizeof bl; k++)
        bo += (size_t)snprintf(bl + bo, sizeof bl - bo, "%s%s x%ld", k ? ", " : "", w->kinds[k], w->kcount[k]);
      if (w->errors && bo < sizeof bl)
        snprintf(bl + bo, sizeof bl - bo, "%skit errors x%ld", bo ? ", " : "", w->errors);
      char nb[24];
      snprintf(nb, sizeof nb, "%ld%s", w->n, w->capped ? "+" : "");
      printf("%-20s %-12s %-11s %6ld %6s %6ld %6ld  %s\n", ipf_site_name(w->site),
             o->action ? o->action : ipf_site_default_term(w->site), w->persistent ? "persistent" : "transient",
             w->calls, nb, w->ok, w->clean, bl);
    }
    if (!nrows) printf("(the scenario calls none of the matching sites)\n");
    for (int i = 0; i < nrows; i++) {
      const struct row *w = &rows[i];
      if (!w->first_bug[0]) continue;
      printf("\n%s, %s: %s\n", ipf_site_name(w->site), w->persistent ? "persistent" : "transient", w->first_bug);
      if (w->first_replay) printf("  %s\n", w->first_replay);
    }
    if (rows && nrows) {
      int capped = 0;
      for (int i = 0; i < nrows; i++) capped |= rows[i].capped;
      if (capped) printf("\nN+: still firing at --max-n %ld; raise it to sweep further\n", o->max_n);
    }
  }
  for (int i = 0; i < nrows; i++) free(rows[i].first_replay);
  free(rows);
  if (errors) {
    fprintf(stderr, "%s: %s: %ld sweep run%s could not run (kit error)\n", prog, sc->name, errors, errors == 1 ? "" : "s");
    return EXIT_USAGE;
  }
  return bugs ? EXIT_BUG : 0;
}

static int cmd_local(int argc, char **argv, unsigned bit) {
  struct opts o;
  atexit(free_owned_plan);
  parse(argc, argv, &o, bit);
  setup_signals();
  if (bit == C_LIST) return cmd_list(&o);
  if (bit == C_SITES) return cmd_sites(&o);
  if (bit == C_SWEEP) return cmd_sweep(&o);
  return cmd_exec(&o);
}
static int cmd_list_(int c, char **v) { return cmd_local(c, v, C_LIST); }
static int cmd_sites_(int c, char **v) { return cmd_local(c, v, C_SITES); }
static int cmd_run_(int c, char **v) { return cmd_local(c, v, C_RUN); }
static int cmd_explore_(int c, char **v) { return cmd_local(c, v, C_EXPLORE); }
static int cmd_replay_(int c, char **v) { return cmd_local(c, v, C_REPLAY); }
static int cmd_sweep_(int c, char **v) { return cmd_local(c, v, C_SWEEP); }
/* cc and c++ are compiler wrappers: their argv is the compiler's, from argv[1]
 * ("c++" picks the C++ compiler, as the ipcfault-c++ executable does). */
static int cmd_cc_(int c, char **v) { return ipf__cmd_cc(c - 1, v + 1); }

/* Every command: its name and its function, which gets the whole argv
 * (argv[1] is the command) and returns the exit code. A new command is one
 * line here. */
static const struct command { const char *name; int (*run)(int argc, char **argv); } commands[] = {
  { "list", cmd_list_ },
  { "sites", cmd_sites_ },
  { "run", cmd_run_ },
  { "explore", cmd_explore_ },
  { "replay", cmd_replay_ },
  { "sweep", cmd_sweep_ },
  { "campaign", ipf__cmd_campaign },
  { "merge", ipf__cmd_merge },
  { "exec", ipf__cmd_exec },
  { "cc", cmd_cc_ },
  { "c++", cmd_cc_ },
};

/* The whole command line; main() is in entry.c, so that a user's test
 * binary linked with ipcfault_main gets the same commands over its own
 * scenarios (ipcfault/run.h, IPF_SCENARIO). */
int ipf__peer_main(int argc, char **argv);
int ipf_main(int argc, char **argv) {
  /* a peer image exec'd by a scenario's child (ipf_exec_peer): its role, not the command line */
  if (getenv("IPCFAULT_PEER_ROLE")) return ipf__peer_main(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  ipf__set_self(argc > 0 ? argv[0] : NULL);
  prog = ipf__prog();
  snprintf(help_hint, sizeof help_hint, " (see '%s --help')", prog);
  if (argc < 2) usage_error("no command given");
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    if (!strcmp(cmd, "help") && argc > 2) {
      /* help COMMAND: that command's --help */
      char *hv[] = { argv[0], argv[2], "--help", NULL };
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, argv[2])) return commands[i].run(3, hv);
      usage_error("help: unknown command '%s'", argv[2]);
    }
    print_help(help_text);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) { print_version(); return 0; }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(commands[i].name, cmd)) {
      snprintf(help_hint, sizeof help_hint, " (see '%s %s --help')", prog, cmd);
      return commands[i].run(argc, argv);
    }
  if (cmd[0] == '-') usage_error("'%s' before a command: options go after it", cmd);
  usage_error("unknown command '%s'", cmd);
}
