/* ipcfault exec -- PROGRAM [ARGS...]: explore an unmodified pthread program.
 *
 * DESIGN. The program is started once with the LD_PRELOAD library
 * (libipcfault_preload.so: $IPCFAULT_PRELOAD, else relative to this
 * executable, see preload_path.c) and becomes a forkserver at
 * the start of its main (src/sched/exec.h has the protocol). Every
 * execution is one fork of it: a fresh process, so a crash, an exit() from
 * any thread or a leak ends only that execution. The decisions of the
 * running execution are mirrored into a shared page as they are taken, so
 * the schedule of an execution that crashed is still known. Verdicts:
 *   - killed by a signal (a failed assert, abort(), SIGSEGV) or a non-zero
 *     exit status: bug (kind assert, abort, signal, exit), with the last
 *     lines the program wrote to stderr;
 *   - the scheduler saw every thread blocked: deadlock, with who waits on
 *     what; the step bound: hang; both written by the program's controller;
 *   - no end within --timeout seconds of wall-clock time: hang (a thread
 *     spinning or blocked where the kit has no scheduling point). Its
 *     schedule ends in "/hang": replaying it runs the recorded decisions and,
 *     where they run out ("schedule ended early"), reports that hang.
 * An exit status given with --ok-exit is not a bug. When an execution ends
 * (a kit verdict, the program's exit, a fatal signal) it publishes its fault
 * counts and, with --trace/--html, its interleaving into the shared page
 * (exec_main.c); the command prints them. Plans naming a site the
 * interposers cannot reach (IPF_EXEC_SITES) are refused before anything
 * runs.
 * --strategy dfs: the systematic search of explore --strategy dfs, run here
 * by dfs.c (ipf__dfs_search with exec_runner); the program maps the
 * search's state at this command's address (exec.h, IPF_EXEC_DFS_FD) and
 * each execution takes its decisions on the command's stack.
 * Exit codes and --json follow explore: 0 nothing found, 1 bug, 2 error.
 * The schedule string's hash covers "exec:" plus the program's name and
 * arguments and the fault plan, so a schedule replays only for the same
 * command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
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
#include "preload_path.h"
#include "sanitizer.h"
#include "ipcfault/fault.h"
#include "ipcfault/run.h"
#include "../sched/dfs.h"
#include "../sched/exec.h"

static const char *exec_help =
  "usage: %s exec [options] [--] PROGRAM [ARGS...]\n"
  "\n"
  "Run an unmodified, dynamically linked pthread program under the controlled\n"
  "scheduler (LD_PRELOAD); each execution is a fresh process. Mutexes, condition\n"
  "variables, rwlocks, barriers, spinlocks, semaphores, thread create/join/exit,\n"
  "sched_yield, sleeps, read/write/send/recv/accept/connect/close/pipe and the\n"
  "program's fork, wait/waitpid/waitid, exit and exec are scheduling points (a\n"
  "forked child is a process of the run; an exec'd or posix_spawn'd program is\n"
  "not); so are atomics and shared memory accesses of a program\n"
  "built with `ipcfault cc` (which also reports data races). The first argument\n"
  "that is not an option is PROGRAM; '--' before it is optional.\n"
  "\n"
  "options:\n"
  "  --strategy random|pct|rr|dfs\n"
  "                             how the scheduler chooses (default pct); dfs searches\n"
  "                             every schedule systematically, as explore --strategy dfs\n"
  "  --preemptions K            dfs: preemption bound, searched 0, 1, ..., K (default 2)\n"
  "  --bound-exact              dfs: search at bound K only\n"
  "  --max-faults F             dfs: faults fired per execution at most (default 1)\n"
  "  --depth D                  PCT bug depth (default 3)\n"
  "  --runs N                   executions at most (default 1000; dfs: 200000)\n"
  "  --seed N                   first seed (default 1)\n"
  "  --max-steps N              step bound; past it an execution is a hang (default 100000)\n"
  "  --timeout SEC              wall-clock bound per execution (default 10); an execution\n"
  "                             it cuts is a hang whose schedule ends in /hang: its replay\n"
  "                             takes the recorded decisions (waiting up to twice --timeout)\n"
  "                             and reports the hang where they end\n"
  "  --plan FILE|none           fault plan for the interposed calls (default none)\n"
  "  --fault 'SITE=TERMS'       add one chain (repeatable), e.g. 'ipf/io/read=30%%short'.\n"
  "                             exec reaches ipf/io/read, write, recv, send, accept,\n"
  "                             connect, close, pipe, ipf/sync/cond_wait and\n"
  "                             ipf/sched/point; a plan naming another site is refused\n"
  "  --ok-exit CODE             an exit status that is not a bug (repeatable; 0 always is)\n"
  "  --schedule S               replay one execution exactly\n"
  "  --trace                    print the interleaving of the execution reported\n"
  "                             (the last 65536 events)\n"
  "  --html FILE                write it as a self-contained swimlane page\n"
  "  --show-output              let the program write to this terminal; by default its\n"
  "                             stdout is discarded and its stderr captured (the last\n"
  "                             lines are quoted in a bug report)\n"
  "  --json                     one JSON object on stdout (the fields of explore --json,\n"
  "                             faults counted per site, and the replay line)\n"
  "\n"
  "A program's abort, failed assert, fatal signal or exit status other than 0 and\n"
  "the --ok-exit ones is a bug; so is a deadlock (every thread blocked) and a hang\n"
  "(step bound or --timeout).\n"
  "A sanitizer's report is a bug of its own kind (asan, ubsan, tsan, leak). Programs\n"
  "built with ASan run as they are; leak checking is off unless ASAN_OPTIONS says\n"
  "detect_leaks=1 (a leak is then kind leak, not a concurrency bug).\n"
  "exit codes: 0 nothing found, 1 bug found, 2 bad usage or error\n";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s exec: ", ipf__prog());
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static long num(const char *opt, const char *v, long min, long max) {
  char who[300];
  snprintf(who, sizeof who, "%s exec", ipf__prog());
  return ipf__cli_number(who, opt, v, min, max, "");
}

static const char *strategy_name(int s) {
  return s == IPF_STRAT_PCT ? "pct" : s == IPF_STRAT_RR ? "rr" : s == IPF_STRAT_REPLAY ? "replay"
         : s == IPF_STRAT_DFS ? "dfs" : "random";
}

/* PROGRAM as execvp would find it; NULL when it cannot be run. */
static char *find_program(const char *p) {
  if (strchr(p, '/')) return access(p, X_OK) == 0 ? strdup(p) : NULL;
  const char *path = getenv("PATH");
  if (!path) path = "/usr/bin:/bin";
  char buf[PATH_MAX];
  for (const char *s = path; *s;) {
    const char *e = strchr(s, ':');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? s : ".", p);
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return strdup(buf);
    if (!e) break;
    s = e + 1;
  }
  return NULL;
}

/* The preload library (preload_path.c has where it is looked for); NULL:
 * IPCFAULT_PRELOAD=none, the program carries the kit itself. */
static char *find_preload(void) {
  int none;
  char tried[2 * PATH_MAX + 64];
  char *p = ipf__preload_path(&none, tried, sizeof tried);
  if (p || none) return p;
  die("cannot find libipcfault_preload.so (looked at %s): set IPCFAULT_PRELOAD to its path", tried);
}

struct server {
  pid_t pid;
  int ctl, st, err;
  struct ipf_exec_shm *shm;
};

static char errtail[1200];

/* The last lines the execution wrote to stderr (at most ~1 KiB). */
static const char *read_errtail(int fd) {
  errtail[0] = 0;
  off_t end = lseek(fd, 0, SEEK_END);
  if (end <= 0) return errtail;
  off_t from = end > 1000 ? end - 1000 : 0;
  ssize_t n = pread(fd, errtail, (size_t)(end - from), from);
  if (n <= 0) { errtail[0] = 0; return errtail; }
  errtail[n] = 0;
  while (n > 0 && (errtail[n - 1] == '\n' || errtail[n - 1] == ' ')) errtail[--n] = 0;
  return errtail;
}

static int read_full(int fd, void *b, size_t n, int timeout_ms) {
  size_t got = 0;
  while (got < n) {
    if (timeout_ms >= 0) {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll(&p, 1, timeout_ms);
      if (r == 0) return -ETIMEDOUT;
      if (r < 0) { if (errno == EINTR) continue; return -errno; }
    }
    ssize_t k = read(fd, (char *)b + got, n - got);
    if (k == 0) return -EPIPE;
    if (k < 0) { if (errno == EINTR) continue; return -errno; }
    got += (size_t)k;
  }
  return 0;
}

static void start_server(struct server *s, const char *path, char **args, const char *preload, int show_output,
                         int dfs_fd) {
  int shmfd = memfd_create("ipcfault-exec", MFD_CLOEXEC);
  s->err = memfd_create("ipcfault-stderr", MFD_CLOEXEC);
  if (shmfd < 0 || s->err < 0) die("memfd_create: %s", strerror(errno));
  if (ftruncate(shmfd, sizeof *s->shm) < 0) die("ftruncate: %s", strerror(errno));
  s->shm = mmap(NULL, sizeof *s->shm, PROT_READ | PROT_WRITE, MAP_SHARED, shmfd, 0);
  if (s->shm == MAP_FAILED) die("mmap: %s", strerror(errno));
  s->shm->magic = IPF_EXEC_MAGIC;
  if (dfs_fd >= 0) ipf__dfs_arena(&s->shm->dfs_base, &s->shm->dfs_size);
  int ctl[2], st[2];
  if (pipe2(ctl, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  char *pre = NULL;
  if (preload) {
    const char *old = getenv("LD_PRELOAD");
    size_t len = strlen(preload) + (old ? strlen(old) : 0) + 2;
    pre = malloc(len);
    if (!pre) die("out of memory");
    snprintf(pre, len, "%s%s%s", preload, old && *old ? ":" : "", old && *old ? old : "");
  }
  char *asan = ipf__sanitizer_env("ASAN_OPTIONS"), *lsan = ipf__sanitizer_env("LSAN_OPTIONS");
  if (!asan || !lsan) die("out of memory");
  fflush(NULL);
  pid_t parent = getpid();
  s->pid = fork();
  if (s->pid < 0) die("fork: %s", strerror(errno));
  if (s->pid == 0) {
    ipf__die_with_parent(parent);    /* kept across execv: the forkserver dies with us */
    /* its own process group: a Ctrl-C at the terminal is the command's to
     * act on (stop after this execution), not a signal that kills the
     * execution in flight and passes for a crash of the program */
    setpgid(0, 0);
    /* only async-signal-safe calls until exec (the CLI may have threads) */
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || (!show_output && (dup2(null, 1) < 0 || dup2(s->err, 2) < 0)) ||
        dup2(s->err, IPF_EXEC_ERR_FD) < 0 || dup2(shmfd, IPF_EXEC_SHM_FD) < 0 ||
        dup2(ctl[0], IPF_EXEC_CTL_FD) < 0 || dup2(st[1], IPF_EXEC_ST_FD) < 0 ||
        (dfs_fd >= 0 && dup2(dfs_fd, IPF_EXEC_DFS_FD) < 0))
      _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (pre) setenv("LD_PRELOAD", pre, 1);
    setenv("ASAN_OPTIONS", asan, 1);
    setenv("LSAN_OPTIONS", lsan, 1);
    setenv("IPF_EXEC", "1", 1);
    execv(path, args);
    _exit(127);
  }
  free(pre);
  free(asan);
  free(lsan);
  close(shmfd);
  close(ctl[0]);
  close(st[1]);
  s->ctl = ctl[1];
  s->st = st[0];
  uint32_t hello = 0;
  int rc = read_full(s->st, &hello, 4, 10000);
  if (rc < 0 || hello != IPF_EXEC_MAGIC) {
    const char *t = read_errtail(s->err);
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    die("%s did not start under the kit (%s)%s%s", path,
        rc == -ETIMEDOUT ? "no answer in 10 s" :
        "it ended before main: not a dynamically linked program? a static one must be built "
        "with -include ipcfault/pthread.h -lipcfault and run with IPCFAULT_PRELOAD=none",
        *t ? ": " : "", t);
  }
}

static void stop_server(struct server *s) {
  close(s->ctl);
  close(s->st);
  int status;
  while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR) {}
  close(s->err);
  munmap(s->shm, sizeof *s->shm);
}

struct outcome {
  int verdict;               /* IPF_VERDICT_* */
  char kind[32];
  char message[6000];
  long steps;
  size_t ndec;
  int wall_cut;              /* ended by --timeout, not by the program or the kit */
  int inexact;               /* IPF_INEXACT_*: not exactly replayable */
  char outside[IPF_EXEC_OUTSIDE_CAP];   /* the first process it started outside the run */
};

static const char *signame(int sig) {
  switch (sig) {
  case SIGABRT: return "SIGABRT";
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  case SIGKILL: return "SIGKILL";
  case SIGTERM: return "SIGTERM";
  case SIGPIPE: return "SIGPIPE";
  default: return "a signal";
  }
}

/* One execution under the request already in s->shm. */
static int run_one(struct server *s, double timeout, const char *prog, const int *ok_exit, int nok,
                   struct outcome *o) {
  memset(o, 0, sizeof *o);
  s->shm->reported = 0;
  s->shm->mlen = 0;
  s->shm->steps = 0;
  /* the execution reports a --timeout hang itself, naming where each
   * thread was (src/sched/watchdog.c); killing it is the fallback */
  s->shm->timeout_ms = (long)(timeout * 1000);
  if (ftruncate(s->err, 0) < 0 || lseek(s->err, 0, SEEK_SET) < 0) die("stderr capture: %s", strerror(errno));
  uint32_t cmd = 1;
  if (write(s->ctl, &cmd, 4) != 4) die("the forkserver of %s is gone", prog);
  int32_t pid, status;
  if (read_full(s->st, &pid, 4, 10000) < 0 || pid < 0) die("the forkserver of %s could not fork", prog);
  int rc = read_full(s->st, &status, 4, (int)(timeout * 1000) + 3000);
  int timed_out = 0;
  if (rc == -ETIMEDOUT) {
    timed_out = 1;
    kill(pid, SIGKILL);
    rc = read_full(s->st, &status, 4, 10000);
  }
  if (rc < 0) die("the forkserver of %s is gone: %s", prog, read_errtail(s->err));
  o->steps = s->shm->steps;
  o->inexact = s->shm->inexact;
  memcpy(o->outside, s->shm->outside, sizeof o->outside);
  o->outside[sizeof o->outside - 1] = 0;
  o->ndec = s->shm->mlen < IPF_EXEC_MIRROR_CAP ? s->shm->mlen : IPF_EXEC_MIRROR_CAP;
  const char *tail = read_errtail(s->err);
  const char *san;
  char sanline[512];
  char more[1300] = "";
  if (*tail) snprintf(more, sizeof more, "\nits stderr ended with:\n%s", tail);
  int ok_status = 0;
  for (int i = 0; i < nok; i++) ok_status |= WIFEXITED(status) && WEXITSTATUS(status) == ok_exit[i];
  if (timed_out) {
    o->wall_cut = 1;
    o->verdict = IPF_VERDICT_BUG;
    snprintf(o->kind, sizeof o->kind, "hang");
    snprintf(o->message, sizeof o->message,
             "hang: no end within %g s of wall-clock time (--timeout): a thread spins or blocks where the kit "
             "has no scheduling point (plain memory accesses, a blocking call it does not intercept)%s",
             timeout, more);
  } else if (__atomic_load_n(&s->shm->reported, __ATOMIC_ACQUIRE)) {
    o->verdict = s->shm->verdict;
    o->wall_cut = s->shm->wall_cut;          /* the execution's own --timeout report */
    snprintf(o->kind, sizeof o->kind, "%s", s->shm->kind);
    snprintf(o->message, sizeof o->message, "%s", s->shm->message);
    if (o->verdict == IPF_VERDICT_BUG && *tail) strncat(o->message, more, sizeof o->message - strlen(o->message) - 1);
  } else if ((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) &&
             (san = ipf__sanitizer_report(s->err, sanline, sizeof sanline))) {
    /* a sanitizer's report: its own kind ("leak" is not a concurrency bug) */
    o->verdict = IPF_VERDICT_BUG;
    snprintf(o->kind, sizeof o->kind, "%s", san);
    snprintf(o->message, sizeof o->message, "%s: %s%s", san, sanline, more);
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    o->verdict = IPF_VERDICT_BUG;
    snprintf(o->kind, sizeof o->kind, "%s",
             sig == SIGABRT ? (strstr(tail, "Assertion") ? "assert" : "abort") : "signal");
    snprintf(o->message, sizeof o->message, "%s: killed by %s (signal %d)%s", o->kind, signame(sig), sig, more);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && !ok_status) {
    o->verdict = IPF_VERDICT_BUG;
    snprintf(o->kind, sizeof o->kind, "exit");
    snprintf(o->message, sizeof o->message, "exit: the program exited with status %d%s", WEXITSTATUS(status), more);
  } else {
    o->verdict = IPF_VERDICT_OK;
    snprintf(o->kind, sizeof o->kind, "ok");
  }
  return o->verdict;
}

static char *read_plan_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("--plan %s: %s", path, strerror(errno));
  char *b = malloc(65536);
  if (!b) die("out of memory");
  size_t n = fread(b, 1, 65535, f);
  int more = fgetc(f) != EOF;
  fclose(f);
  if (more) { free(b); die("--plan %s: larger than 64 KiB", path); }
  b[n] = 0;
  return b;
}

/* The line that replays sched: this binary, the options that shape the
 * execution (its hash covers the plan; --ok-exit changes the verdict; a
 * wall-clock hang needs its --timeout) and the program. */
static void shq(FILE *f, const char *s);
static void replay_line(FILE *f, const char *plan_file, const char **faults, int nfaults, const int *ok_exit,
                        int nok, double timeout, const char *sched, char **pargv, int pargc) {
  fprintf(f, "%s exec", ipf__self());
  if (plan_file) { fputs(" --plan ", f); shq(f, plan_file); }
  for (int i = 0; i < nfaults; i++) { fputs(" --fault ", f); shq(f, faults[i]); }
  for (int i = 0; i < nok; i++) fprintf(f, " --ok-exit %d", ok_exit[i]);
  if (timeout > 0) fprintf(f, " --timeout %g", timeout);
  fprintf(f, " --schedule %s --", sched);
  for (int i = 0; i < pargc; i++) { fputc(' ', f); shq(f, pargv[i]); }
}

static void shq(FILE *f, const char *s) {
  if (*s && !strpbrk(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~")) { fputs(s, f); return; }
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputs("'\\''", f);
    else fputc(*s, f);
  }
  fputc('\'', f);
}

/* A schedule string of an execution that the wall clock cut (--timeout)
 * ends in this marker: its replay runs the recorded decisions and, where
 * they end, reports the same hang instead of "schedule ended early". */
#define HANG_MARK "/hang"

static const int exec_sites[] = {
#define IPF_X_SITE(s) IPF_SITE_##s,
  IPF_EXEC_SITES(IPF_X_SITE)
#undef IPF_X_SITE
};

static int exec_can_fire(int site) {
  for (size_t i = 0; i < sizeof exec_sites / sizeof exec_sites[0]; i++)
    if (exec_sites[i] == site) return 1;
  return 0;
}

enum { E_JSON = 256, E_STRATEGY, E_DEPTH, E_RUNS, E_MAX_STEPS, E_TIMEOUT, E_SEED, E_PLAN, E_FAULT, E_SCHEDULE,
       E_TRACE, E_HTML, E_OK_EXIT, E_SHOW_OUTPUT, E_PREEMPTIONS, E_BOUND_EXACT, E_MAX_FAULTS };

static const struct option exec_opts[] = {
  { "help", no_argument, NULL, 'h' },
  { "json", no_argument, NULL, E_JSON },
  { "strategy", required_argument, NULL, E_STRATEGY },
  { "depth", required_argument, NULL, E_DEPTH },
  { "runs", required_argument, NULL, E_RUNS },
  { "max-steps", required_argument, NULL, E_MAX_STEPS },
  { "timeout", required_argument, NULL, E_TIMEOUT },
  { "seed", required_argument, NULL, E_SEED },
  { "plan", required_argument, NULL, E_PLAN },
  { "fault", required_argument, NULL, E_FAULT },
  { "schedule", required_argument, NULL, E_SCHEDULE },
  { "trace", no_argument, NULL, E_TRACE },
  { "html", required_argument, NULL, E_HTML },
  { "ok-exit", required_argument, NULL, E_OK_EXIT },
  { "show-output", no_argument, NULL, E_SHOW_OUTPUT },
  { "preemptions", required_argument, NULL, E_PREEMPTIONS },
  { "bound-exact", no_argument, NULL, E_BOUND_EXACT },
  { "max-faults", required_argument, NULL, E_MAX_FAULTS },
  { NULL, 0, NULL, 0 },
};

/* --strategy dfs: dfs.c runs the search (the same code as explore's) and
 * asks for each execution here; the forkserver's execution takes its
 * decisions on the search's stack itself, in the state it shares with this
 * command (exec.h, IPF_EXEC_DFS_FD). What the search needs of an execution
 * besides that: its verdict, the preemptions it took (for a bug's depth)
 * and, for a bug, its schedule string from the decision mirror. */
struct dfs_ctx {
  struct server *s;
  double timeout;
  const char *prog;
  const int *ok_exit;
  int nok;
  struct outcome *o;
  long *fcalls, *ffired;
};

static int exec_runner(void *arg, const ipf_scenario *sc, const ipf_config *cfg, ipf_result *res) {
  struct dfs_ctx *x = arg;
  x->s->shm->strategy = IPF_STRAT_DFS;
  int v = run_one(x->s, x->timeout, x->prog, x->ok_exit, x->nok, x->o);
  if (x->s->shm->fstats)
    for (int k = 0; k < IPF_SITE_COUNT; k++) { x->fcalls[k] += x->s->shm->fcalls[k]; x->ffired[k] += x->s->shm->ffired[k]; }
  memset(res, 0, sizeof *res);
  res->verdict = v;
  snprintf(res->kind, sizeof res->kind, "%s", x->o->kind);
  memcpy(res->message, x->o->message, sizeof res->message - 1);   /* its head: o keeps it whole */
  res->steps = x->o->steps;
  res->inexact = x->o->inexact;
  res->preemptions = ipf__dfs_preemptions();
  if (v == IPF_VERDICT_BUG) res->schedule = ipf_schedule_make(sc, cfg, x->s->shm->mirror, x->o->ndec);
  return v;
}

#define MAX_EXEC_FAULTS 64
#define MAX_OK_EXIT 32

int ipf__cmd_exec(int argc, char **argv) {
  ipf_config cfg;
  ipf_config_init(&cfg);
  cfg.strategy = IPF_STRAT_PCT;
  long runs = 1000;
  double timeout = 10;
  int json = 0, trace = 0, show_output = 0;
  const char *plan_file = NULL, *schedule = NULL, *html = NULL;
  const char *faults[MAX_EXEC_FAULTS];
  int nfaults = 0;
  int ok_exit[MAX_OK_EXIT], nok = 0;
  int runs_set = 0, dfs_opt = 0;
  opterr = 0;
  optind = 1;
  /* getopt_long over argv[1..]; '+': the first non-option is PROGRAM, and
   * everything after it is the program's */
  int ac = argc - 1, c;
  char **av = argv + 1;
  while ((c = getopt_long(ac, av, "+:h", exec_opts, NULL)) != -1) {
    const char *v = optarg;
    if (c == ':') { c = optopt; v = NULL; }
    switch (c) {
    case 'h': printf(exec_help, ipf__prog()); return 0;
    case E_JSON: json = 1; break;
    case E_STRATEGY:
      if (!v) die("--strategy needs a value: random, pct, rr or dfs");
      if (!strcmp(v, "random")) cfg.strategy = IPF_STRAT_RANDOM;
      else if (!strcmp(v, "pct")) cfg.strategy = IPF_STRAT_PCT;
      else if (!strcmp(v, "rr")) cfg.strategy = IPF_STRAT_RR;
      else if (!strcmp(v, "dfs")) cfg.strategy = IPF_STRAT_DFS;
      else die("--strategy: unknown strategy '%s' (random, pct, rr or dfs)", v);
      break;
    case E_DEPTH: cfg.pct_depth = (int)num("--depth", v, 1, 16); break;
    case E_RUNS: runs = num("--runs", v, 1, 1000000000L); runs_set = 1; break;
    case E_PREEMPTIONS: cfg.dfs_preemptions = (int)num("--preemptions", v, 0, 64); dfs_opt = 1; break;
    case E_MAX_FAULTS: cfg.dfs_max_faults = (int)num("--max-faults", v, 0, 64); dfs_opt = 1; break;
    case E_BOUND_EXACT: cfg.dfs_bound_exact = 1; dfs_opt = 1; break;
    case E_MAX_STEPS: cfg.max_steps = num("--max-steps", v, 1, 100000000L); break;
    case E_TIMEOUT: {
      if (!v) die("--timeout needs a value in seconds");
      char *end;
      errno = 0;
      timeout = strtod(v, &end);
      if (errno || end == v || *end || !(timeout > 0 && timeout <= 86400))
        die("--timeout: '%s' is not a number of seconds from 0 to 86400", v);

      break;
    }
    case E_SEED: {
      if (!v || *v == '-') die("--seed: '%s' is not a number from 0 to 2^64-1", v ? v : "");
      char *end;
      errno = 0;
      unsigned long long n = strtoull(v, &end, 10);
      if (errno || end == v || *end) die("--seed: '%s' is not a number from 0 to 2^64-1", v);
      cfg.seed = n;
      break;
    }
    case E_PLAN:
      if (!v) die("--plan needs a plan file (faults/*.plan) or 'none'");
      if (plan_file) die("--plan given twice");
      plan_file = v;
      break;
    case E_FAULT:
      if (!v) die("--fault needs 'SITE=TERMS', e.g. 'ipf/io/read=short(3)'");
      if (nfaults == MAX_EXEC_FAULTS) die("more than %d --fault options", MAX_EXEC_FAULTS);
      faults[nfaults++] = v;
      break;
    case E_SCHEDULE:
      if (!v) die("--schedule needs the schedule string exec printed");
      schedule = v;
      break;
    case E_TRACE: trace = 1; break;
    case E_HTML:
      if (!v) die("--html needs a file to write");
      html = v;
      break;
    case E_OK_EXIT:
      if (nok == MAX_OK_EXIT) die("more than %d --ok-exit options", MAX_OK_EXIT);
      ok_exit[nok++] = (int)num("--ok-exit", v, 0, 255);
      break;
    case E_SHOW_OUTPUT: show_output = 1; break;
    default: {
      char why[700];
      const char *arg = optind - 1 < ac ? av[optind - 1] : NULL;
      die("%s (the program goes after the options, or after '--')", ipf__opt_bad(arg, optopt, exec_opts, why, sizeof why));
    }
    }
  }
  int dfs = cfg.strategy == IPF_STRAT_DFS;
  if (dfs && schedule) die("--schedule replays one execution: it does not go with --strategy dfs");
  if (!dfs && dfs_opt) die("--preemptions, --bound-exact and --max-faults go with --strategy dfs");
  if (dfs && !runs_set) runs = 200000;
  if (optind >= ac) die("no program given: %s exec [options] [--] PROGRAM [ARGS...]", ipf__prog());
  char **pargv = av + optind;
  int pargc = ac - optind;
  char *path = find_program(pargv[0]);
  if (!path) die("%s: no such executable", pargv[0]);
  if (html) {
    FILE *t = fopen(html, "a");
    if (!t) die("--html %s: %s", html, strerror(errno));
    fclose(t);
  }

  /* the "scenario": its name carries the command line into the schedule hash */
  char name[512];
  const char *base = strrchr(pargv[0], '/') ? strrchr(pargv[0], '/') + 1 : pargv[0];
  size_t nl = (size_t)snprintf(name, sizeof name, "exec:%s", base);
  for (int i = 1; i < pargc && nl < sizeof name; i++)
    nl += (size_t)snprintf(name + nl, sizeof name - nl, " %s", pargv[i]);
  ipf_scenario sc = { name, IPF_EXPECT_OK, "a program under ipcfault exec", NULL, 0, 0, NULL };

  ipf_plan *plan = NULL;
  char err[512];
  if (plan_file && strcmp(plan_file, "none")) {
    char *text = read_plan_file(plan_file);
    int rc = ipf_plan_parse(text, plan_file, &plan, err, sizeof err);
    free(text);
    if (rc) { fprintf(stderr, "%s\n", err); free(path); return 2; }
  } else {
    plan = ipf_plan_new();
    if (!plan) die("out of memory");
  }
  for (int i = 0; i < nfaults; i++)
    if (ipf_plan_add(plan, faults[i], err, sizeof err)) { fprintf(stderr, "%s\n", err); ipf_plan_free(plan); free(path); return 2; }
  for (int i = 0; i < IPF_SITE_COUNT; i++)
    if (ipf_plan_has(plan, i) && !exec_can_fire(i)) {
      ipf_plan_free(plan);
      die("%s: exec cannot fire %s: an unmodified program reaches only the interposed calls' sites "
          "(ipf/io/read, write, recv, send, accept, connect, close, pipe; ipf/sync/cond_wait; ipf/sched/point)",
          plan_file && strcmp(plan_file, "none") ? plan_file : "--fault", ipf_site_name(i));
    }
  char *preload = find_preload();
  char *ptext = ipf_plan_format(plan);
  if (!ptext || strlen(ptext) >= sizeof ((struct ipf_exec_shm *)0)->plan) die("--plan: plan too large");
  cfg.plan = plan;
  int cut = 0;                          /* replaying a schedule the wall clock cut */
  char *sched_in = NULL;
  if (schedule) {
    if (strlen(schedule) >= IPF_EXEC_SCHED_CAP) die("--schedule: longer than the kit accepts");
    sched_in = strdup(schedule);
    if (!sched_in) die("out of memory");
    size_t sl = strlen(sched_in), ml = strlen(HANG_MARK);
    if (sl > ml && !strcmp(sched_in + sl - ml, HANG_MARK)) { sched_in[sl - ml] = 0; cut = 1; }
    char why[256];
    if (ipf_schedule_check(&sc, sched_in, why, sizeof why) < 0) die("%s", why);
    cfg.strategy = IPF_STRAT_REPLAY;
    runs = 1;
  }

  ipf__cli_stop_on_signal();
  struct server s;
  int dfs_fd = -1;
  if (dfs) {
    void *b;
    size_t z;
    dfs_fd = ipf__dfs_arena(&b, &z);
  }
  start_server(&s, path, pargv, preload, show_output, dfs_fd);
  struct ipf_exec_shm *shm = s.shm;
  snprintf(shm->name, sizeof shm->name, "%s", name);
  snprintf(shm->plan, sizeof shm->plan, "%s", ptext);
  if (sched_in) snprintf(shm->schedule, IPF_EXEC_SCHED_CAP, "%s", sched_in);
  shm->strategy = cfg.strategy;
  shm->pct_depth = cfg.pct_depth;
  shm->max_steps = cfg.max_steps;
  shm->trace = trace || html;
  shm->show_output = show_output;

  struct outcome o;
  long execs = 0, longest = 0;
  long fcalls[IPF_SITE_COUNT] = { 0 }, ffired[IPF_SITE_COUNT] = { 0 };
  uint64_t seed = cfg.seed;
  double t0 = ipf__now_s();
  int v = IPF_VERDICT_OK;
  ipf_dfs_stats dst;
  struct dfs_ctx dx = { &s, timeout, pargv[0], ok_exit, nok, &o, fcalls, ffired };
  if (dfs) {
    /* dfs.c's search, each execution run by the forkserver (exec_runner) */
    shm->seed = seed;
    ipf_result dr;
    ipf__dfs_set_runner(exec_runner, &dx);
    v = ipf_explore_dfs(&sc, &cfg, runs, &dr, &dst, ipf__cli_stop_requested);
    ipf__dfs_set_runner(NULL, NULL);
    if (v == IPF_VERDICT_ERROR && strncmp(dr.message, o.message, sizeof dr.message - 1)) {
      /* the search's own error (a decision that does not replay) */
      o.verdict = v;
      snprintf(o.kind, sizeof o.kind, "%s", dr.kind);
      snprintf(o.message, sizeof o.message, "%s", dr.message);
    }
    ipf_result_free(&dr);
    execs = dst.executions;
  }
  for (long i = 0; i < runs && !dfs; i++) {
    seed = schedule ? cfg.seed : ipf_exec_seed(cfg.seed, i);
    shm->seed = seed;
    shm->pct_steps = longest ? longest : 50;
    /* a cut schedule's replay has the time the recording had, and more,
     * to reach the point where it was cut */
    v = run_one(&s, cut ? 2 * timeout : timeout, pargv[0], ok_exit, nok, &o);
    execs = i + 1;
    if (shm->fstats)
      for (int k = 0; k < IPF_SITE_COUNT; k++) { fcalls[k] += shm->fcalls[k]; ffired[k] += shm->ffired[k]; }
    if (o.steps > longest) longest = o.steps;
    if (v != IPF_VERDICT_OK || ipf__cli_stop_requested()) break;
  }
  int interrupted = v == IPF_VERDICT_OK && !schedule && ipf__cli_stop_requested() &&
                    (dfs ? !dst.exhaustive : execs < runs);
  double secs = ipf__now_s() - t0;
  if (cut && v == IPF_VERDICT_ERROR && !strncmp(o.message, "schedule ended early", 20)) {
    /* the recorded decisions all fit and ran out where the wall clock had
     * cut the execution: that is the hang, reproduced up to its point */
    v = o.verdict = IPF_VERDICT_BUG;
    snprintf(o.kind, sizeof o.kind, "hang");
    snprintf(o.message, sizeof o.message,
             "hang: the recorded execution was cut by the wall clock (--timeout) after %zu decisions; this "
             "replay took the same %zu decisions and stopped where it was cut (the interleaving up to the "
             "hang is reproduced, not its wall-clock time)", o.ndec, o.ndec);
  } else if (cut && o.wall_cut) {
    size_t n = strlen(o.message);
    snprintf(o.message + n, sizeof o.message - n,
             "\n(replaying a wall-clock hang: this replay too was cut, after %zu decisions)", o.ndec);
  }
  char *sched = NULL;
  if (v == IPF_VERDICT_BUG) {
    char *raw = ipf_schedule_make(&sc, &cfg, shm->mirror, o.ndec);
    if (raw && (o.wall_cut || cut)) {
      sched = malloc(strlen(raw) + sizeof HANG_MARK);
      if (sched) sprintf(sched, "%s%s", raw, HANG_MARK);
      free(raw);
    } else {
      sched = raw;
    }
  }
  /* the interleaving, as the execution published it */
  ipf_result tr;
  memset(&tr, 0, sizeof tr);
  tr.verdict = v;
  snprintf(tr.kind, sizeof tr.kind, "%s", o.kind);
  memcpy(tr.message, o.message, sizeof tr.message - 1);     /* the page quotes its head */
  tr.message[sizeof tr.message - 1] = 0;
  tr.steps = o.steps;
  tr.nthreads = shm->tnthreads;
  tr.thread_names = shm->tnames;                             /* the page's, not freed */
  tr.events = shm->tnev ? shm->tev : NULL;
  tr.nevents = shm->tnev;
  int html_failed = 0;
  if (html) {
    char *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&line, &len);
    if (m) {
      if (sched || schedule)
        replay_line(m, plan_file, faults, nfaults, ok_exit, nok, o.wall_cut ? timeout : 0,
                    sched ? sched : schedule, pargv, pargc);
      else
        fputs("(no bug found: the page shows the last execution, which has no replay line)", m);
      fclose(m);
    }
    if (ipf__write_html(html, &sc, &tr, line) < 0) html_failed = errno ? errno : EIO;
    free(line);
  }

  int rc = v == IPF_VERDICT_BUG ? 1 : 0;
  if (html_failed) {
    fprintf(stderr, "%s exec: --html %s: %s\n", ipf__prog(), html, strerror(html_failed));
    rc = 2;
  } else if (v == IPF_VERDICT_ERROR) {
    if (json) {
      printf("{\"scenario\":");
      ipf__json_str(stdout, name);
      printf(",\"verdict\":\"error\",\"kind\":\"error\",\"message\":");
      ipf__json_str(stdout, o.message);
      printf("}\n");
    }
    fprintf(stderr, "%s exec: %s: %s\n", ipf__prog(), name, o.message);
    rc = 2;
  } else if (json) {
    printf("{\"scenario\":");
    ipf__json_str(stdout, name);
    printf(",\"expect\":\"ok\",\"verdict\":\"%s\",\"kind\":", v == IPF_VERDICT_BUG ? "bug" : "ok");
    ipf__json_str(stdout, o.kind);
    printf(",\"message\":");
    ipf__json_str(stdout, o.message);
    printf(",\"mode\":\"controlled\",\"strategy\":\"%s\",\"seed\":%" PRIu64 ",\"schedule\":",
           strategy_name(cfg.strategy), seed);
    ipf__json_str(stdout, v == IPF_VERDICT_BUG && sched ? sched : "");
    printf(",\"steps\":%ld,\"executions\":%ld,\"executions_per_second\":%.1f,\"plan\":", o.steps, execs,
           secs > 0 ? execs / secs : 0.0);
    ipf__json_str(stdout, ptext);
    printf(",\"replayable\":%s,\"outside\":", o.inexact ? "false" : "true");
    ipf__json_str(stdout, o.outside);
    printf(",\"clean_error\":null,\"faults\":{");
    for (int i = 0, k = 0; i < IPF_SITE_COUNT; i++)
      if (fcalls[i] || ffired[i])
        printf("%s\"%s\":{\"calls\":%ld,\"fired\":%ld}", k++ ? "," : "", ipf_site_name(i), fcalls[i], ffired[i]);
    printf("},\"interrupted\":%s", interrupted ? "true" : "false");
    if (dfs)
      printf(",\"exhaustive\":%s,\"unbounded\":%s,\"schedules\":%ld,\"pruned\":%ld,\"bound\":%d,"
             "\"max_faults\":%d,\"at_least\":%ld,\"depth\":%d", dst.exhaustive ? "true" : "false",
             dst.unbounded ? "true" : "false", dst.schedules, dst.pruned, dst.bound, dst.max_faults,
             dst.exhaustive ? dst.schedules : dst.at_least, dst.depth);
    printf(",\"program\":");
    ipf__json_str(stdout, path);
    printf(",\"replay\":");
    if (v == IPF_VERDICT_BUG && sched && !schedule) {
      /* the replay line as one string, the same as the text report's */
      char *line = NULL;
      size_t len = 0;
      FILE *m = open_memstream(&line, &len);
      if (m) {
        replay_line(m, plan_file, faults, nfaults, ok_exit, nok, o.wall_cut ? timeout : 0, sched, pargv, pargc);
        fclose(m);
      }
      ipf__json_str(stdout, line ? line : "");
      free(line);
    } else {
      printf("null");
    }
    printf("}\n");
  } else {
    if (v == IPF_VERDICT_BUG) {
      if (schedule) printf("BUG in %s (replayed)\n", name);
      else if (dfs)
        printf("BUG in %s after %ld execution%s (dfs, depth %d: found at preemption bound %d)\n", name, execs,
               execs == 1 ? "" : "s", dst.depth, dst.bound);
      else printf("BUG in %s after %ld execution%s (%s, controlled mode)\n", name, execs, execs == 1 ? "" : "s",
                  strategy_name(cfg.strategy));
      printf("%s\n", o.message);
      if (o.inexact) printf("(not exactly replayable: %s)\n", ipf_inexact_words(o.inexact));
      if (o.outside[0]) printf("(outside the run: %s)\n", o.outside);
    } else if (schedule) {
      printf("ok: %s: the schedule ran to the end without a bug%s\n", name,
             cut ? " (it was recorded as a wall-clock hang: this replay did not reproduce it)" : "");
    } else if (dfs) {
      char sum[512];
      ipf_dfs_summary(&dst, sum, sizeof sum);
      printf("ok: %s, %s (%ld executions, %.0f/s)%s\n", name, sum, execs, secs > 0 ? execs / secs : 0.0,
             interrupted ? " (interrupted)" : "");
    } else {
      printf("ok: %s, nothing found in %ld executions (%s, %.0f executions/s)%s\n", name, execs,
             strategy_name(cfg.strategy), secs > 0 ? execs / secs : 0.0, interrupted ? " (interrupted)" : "");
    }
    if (v == IPF_VERDICT_OK && o.outside[0])
      printf("note: the program started a process outside the run (%s): the scheduler did not control it, so "
             "its timing was not part of the schedules\n", o.outside);
    for (int i = 0, k = 0; i < IPF_SITE_COUNT; i++)
      if (ffired[i]) printf("%s %s %ld", k++ ? "," : "faults fired:", ipf_site_name(i), ffired[i]);
    for (int i = 0; i < IPF_SITE_COUNT; i++) if (ffired[i]) { printf("\n"); break; }
    if (trace) {
      printf("\n");
      if (tr.nevents && shm->tfirst) printf("(the last %zu of %zu events)\n", tr.nevents, tr.nevents + shm->tfirst);
      ipf_trace_print(stdout, &tr);
    }
    if (v == IPF_VERDICT_BUG && !schedule && sched) {
      printf("\nReplay it:\n  ");
      replay_line(stdout, plan_file, faults, nfaults, ok_exit, nok, o.wall_cut ? timeout : 0, sched, pargv, pargc);
      putchar('\n');
    }
  }
  stop_server(&s);
  free(sched);
  free(sched_in);
  free(ptext);
  free(path);
  free(preload);
  ipf_plan_free(plan);
  return rc;
}
