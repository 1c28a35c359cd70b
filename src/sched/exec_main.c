/* exec mode, the program's side: forkserver and per-execution controller.
 *
 * DESIGN. `ipcfault exec` starts the program once (protocol in exec.h). When
 * the program reaches main — through the LD_PRELOAD library's
 * __libc_start_main hook, or through the main() that -include
 * ipcfault/pthread.h puts in front of the program's own — this file turns the
 * process into a forkserver, as AFL does: the dynamic loader, relocations
 * and constructors run once, and each execution costs one fork. fork() is
 * safe here because the process has no thread yet.
 *
 * In each child the initial thread becomes the unmanaged controller of one
 * ipf_exec, and the program's main runs as the managed thread "main" on a
 * worker (the program's threads are managed workers too): the same
 * execution model as a scenario, so deadlock and hang detection, PCT,
 * replay and the fault plan all apply unchanged. The controller blocks every
 * signal it can, so that signals meant for the process reach the program's
 * threads, whose mask main restores. The execution ends when the program
 * exits (main returns, exit() from any thread, a fatal signal): its status
 * is the verdict the command reads. When the scheduler ends it instead
 * (deadlock, hang at the step bound, a schedule that does not fit), ipf_exec
 * returns here and the controller writes the verdict into the shared page
 * and leaves with _exit, running none of the program's exit handlers (its
 * threads are parked mid-operation).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dfs.h"
#include "exec.h"
#include "internal.h"
#include "ipcfault/fault.h"

int ipf__exec_active;

static struct ipf_exec_shm *shm;
static ipf_main_fn user_main;
static int user_argc;
static char **user_argv, **user_envp;
static sigset_t user_mask;

static void body(void) {
  pthread_sigmask(SIG_SETMASK, &user_mask, NULL);
  ipf__pt_run_main(user_main, user_argc, user_argv, user_envp);
}

/* What the command prints besides the verdict: fault counts and, with
 * --trace/--html, the interleaving (the last IPF_EXEC_TRACE_CAP events).
 * Called once, wherever the execution ends. */
static pid_t exec_pid;                /* the execution's root process */
static void publish(void) {
  static int done;
  /* the program's own children inherit the handler: theirs is not the
   * execution's end */
  if (getpid() != exec_pid || done++) return;
  for (int i = 0; i < IPF_SITE_COUNT; i++) ipf_fault_stats(i, &shm->fcalls[i], &shm->ffired[i]);
  shm->fstats = 1;
  if (!shm->trace) return;
  ipf_result r;
  memset(&r, 0, sizeof r);
  ipf__trace_now(&r);
  shm->tnthreads = r.nthreads < 64 ? r.nthreads : 64;
  memcpy(shm->tnames, r.thread_names, (size_t)shm->tnthreads * sizeof shm->tnames[0]);
  size_t from = r.nevents > IPF_EXEC_TRACE_CAP ? r.nevents - IPF_EXEC_TRACE_CAP : 0;
  if (r.events) memcpy(shm->tev, r.events + from, (r.nevents - from) * sizeof *shm->tev);
  shm->tfirst = from;
  shm->tnev = r.nevents - from;
}

/* The program ends the execution itself (exit, or main's return): no
 * process of the run outlives it, and what the run's process oracles found
 * (a child killed by a signal, one left running or unreaped) is the
 * verdict, whatever the exit status. */
static void at_program_exit(void) {
  if (getpid() != exec_pid) return;
  char kind[32], msg[sizeof shm->message];
  if (ipf__procs_kill(kind, sizeof kind, msg, sizeof msg) == IPF_VERDICT_BUG &&
      !__atomic_load_n(&shm->reported, __ATOMIC_ACQUIRE)) {
    shm->verdict = IPF_VERDICT_BUG;
    snprintf(shm->kind, sizeof shm->kind, "%s", kind);
    snprintf(shm->message, sizeof shm->message, "%s", msg);
    publish();
    __atomic_store_n(&shm->reported, 1, __ATOMIC_RELEASE);
    return;
  }
  publish();
}

/* The same when the root process ends with _exit, which runs no atexit
 * handler (exec mode's _exit interposer calls it, src/preload). */
void ipf__exec_program_exit(void) { at_program_exit(); }

/* A fatal signal from the program (a failed assert, SIGSEGV): publish what
 * the execution did, then die of the signal as it would have. */
static void on_fatal(int sig) {
  publish();
  signal(sig, SIG_DFL);
  raise(sig);
}

static __attribute__((noreturn)) void report(int verdict, const char *kind, const char *msg) {
  publish();
  shm->verdict = verdict;
  shm->wall_cut = ipf__wd_wall_hit;
  snprintf(shm->kind, sizeof shm->kind, "%s", kind);
  snprintf(shm->message, sizeof shm->message, "%s", msg);
  __atomic_store_n(&shm->reported, 1, __ATOMIC_RELEASE);
  _exit(0);
}

/* Once the program exits, what runs (atexit handlers registered before
 * main, LeakSanitizer's check, which waits for a tracer thread the kit does
 * not manage) runs plainly: the execution is over. Registered at the start
 * of each execution, so it runs after the program's own handlers. */
static void plain_at_exit(void) { ipf__exec_active = 0; }

static __attribute__((noreturn)) void child(void) {
  exec_pid = getpid();
  close(IPF_EXEC_CTL_FD);
  close(IPF_EXEC_ST_FD);
  int null = open("/dev/null", O_RDWR);
  /* the program's output is discarded, its stderr kept for the report,
   * unless --show-output left them as the command's */
  if (null >= 0) { dup2(null, 0); if (!shm->show_output) dup2(null, 1); if (null > 2) close(null); }
  if (!shm->show_output) dup2(IPF_EXEC_ERR_FD, 2);
  close(IPF_EXEC_ERR_FD);
  atexit(plain_at_exit);
  shm->fstats = 0;
  shm->tnev = 0;
  shm->tnthreads = 0;
  atexit(at_program_exit);             /* the program's exit() or main's return */
  static const int fatal[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
    /* only where nobody (a sanitizer's runtime) handles the signal already */
    struct sigaction old;
    if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO))
      signal(fatal[i], on_fatal);
  }
  shm->steps = 0;
  shm->reported = 0;
  shm->mlen = 0;
  shm->inexact = 0;
  shm->outside[0] = 0;
  ipf__exec_outside = shm->outside;
  shm->wall_cut = 0;
  ipf__exec_stepc = &shm->steps;
  ipf__heap_begin();
  /* the stall watchdog (watchdog.c): the command's --timeout, and where to
   * say that a stall preemption made the execution inexact */
  ipf__wd_wall_ms = shm->timeout_ms;
  ipf__wd_inexact_out = &shm->inexact;

  ipf_config cfg;
  ipf_config_init(&cfg);
  cfg.strategy = (ipf_strategy)shm->strategy;
  cfg.seed = shm->seed;
  cfg.pct_depth = shm->pct_depth;
  cfg.pct_steps = shm->pct_steps;
  cfg.max_steps = shm->max_steps;
  cfg.mirror = shm->mirror;
  cfg.mirror_cap = IPF_EXEC_MIRROR_CAP;
  cfg.mirror_len = &shm->mlen;
  cfg.trace = shm->trace;
  if (cfg.strategy == IPF_STRAT_REPLAY) cfg.schedule = shm->schedule;
  ipf_plan *plan = NULL;
  if (shm->plan[0]) {
    char err[512];
    if (ipf_plan_parse(shm->plan, "plan", &plan, err, sizeof err)) report(IPF_VERDICT_ERROR, "error", err);
  } else {
    plan = ipf_plan_new();
  }
  cfg.plan = plan;
  static ipf_scenario sc;
  sc.name = shm->name;
  sc.expect = IPF_EXPECT_OK;
  sc.summary = "a program under ipcfault exec";
  sc.body = body;

  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &user_mask);
  sigdelset(&user_mask, ipf__stall_sig());   /* the kit's: never blocked in managed threads */
  ipf__worker_stack = 8u << 20;       /* what main and a pthread would get */
  ipf__exec_active = 1;
  ipf_result res;
  int v = ipf_exec(&sc, &cfg, &res);
  report(v, res.kind, res.message);
}

int ipf__exec_main(ipf_main_fn m, int argc, char **argv, char **envp) {
  const char *e = getenv("IPF_EXEC");
  if (!e || strcmp(e, "1") || fcntl(IPF_EXEC_ST_FD, F_GETFD) < 0) return m(argc, argv, envp);
  /* one forkserver per start: the program's own children (system(),
   * popen) must not try to become one */
  unsetenv("IPF_EXEC");
  unsetenv("LD_PRELOAD");
  shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED, IPF_EXEC_SHM_FD, 0);
  if (shm == MAP_FAILED || shm->magic != IPF_EXEC_MAGIC) {
    fprintf(stderr, "ipcfault exec: the command's shared page is missing\n");
    _exit(125);
  }
  close(IPF_EXEC_SHM_FD);
  if (shm->dfs_size && fcntl(IPF_EXEC_DFS_FD, F_GETFD) >= 0) {
    /* --strategy dfs: the command's search state, at the command's address
     * (its pointers are absolute), inherited by every execution */
    int rc = ipf__dfs_attach(IPF_EXEC_DFS_FD, shm->dfs_base, shm->dfs_size, 0);
    close(IPF_EXEC_DFS_FD);
    if (rc < 0) {
      fprintf(stderr, "ipcfault exec: --strategy dfs: the program cannot map the search's state at %p "
              "(%s): its address space is laid out differently; run it again\n", shm->dfs_base, strerror(-rc));
      _exit(125);
    }
  }
  user_main = m;
  user_argc = argc;
  user_argv = argv;
  user_envp = envp;
  ipf__sym_init();                     /* once, inherited by every execution */
  ipf__heap_prepare();
  ipf__wd_prepare();                   /* the stall watchdog's handler, likewise */
  fflush(NULL);
  uint32_t hello = IPF_EXEC_MAGIC;
  if (write(IPF_EXEC_ST_FD, &hello, 4) != 4) _exit(125);
  for (;;) {
    uint32_t cmd;
    if (read(IPF_EXEC_CTL_FD, &cmd, 4) != 4) _exit(0);
    pid_t server = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      /* an execution dies with its forkserver (which dies with the command) */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != server) _exit(1);
      child();
    }
    int32_t p = pid < 0 ? -errno : pid;
    if (write(IPF_EXEC_ST_FD, &p, 4) != 4) _exit(0);
    if (pid < 0) continue;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    int32_t st = status;
    if (write(IPF_EXEC_ST_FD, &st, 4) != 4) _exit(0);
  }
}
