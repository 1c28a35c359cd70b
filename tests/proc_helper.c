/* The process calls of exec mode (src/preload: fork, the wait family, exit,
 * the exec family, posix_spawn/system/popen) from a plain program, for
 * tests/sh/proc_exec.sh. Each mode exits 0 when the calls behaved as POSIX
 * says, else 1 with the reason on stderr. Run as it is, with the preload
 * library but not under ipcfault (every call passes through), and under
 * `ipcfault exec` (modes that fork need the run to span processes).
 *   spawn     posix_spawn + waitpid, waitid(P_PID), system, popen/pclose:
 *             processes outside the run, waited for by the kernel
 *   execfail  fork; the child's execvp of a missing program fails, the
 *             child _exits 127 (it stays in the run); the parent waitpids
 *   exec      fork; the child execl's /bin/sh -c 'exit 4' (it leaves the
 *             run); the parent waitpids 4
 *   pollexec  the same, the parent polling with waitpid(WNOHANG) and usleep
 *   kill      fork; the child blocks reading a pipe; the parent SIGKILLs
 *             it and waitpids (under exec: the oracle's process-killed)
 *   orphans   fork twice (child and grandchild block on a pipe); the first
 *             process _exits (under exec: process-alive, both killed)
 *   waitid    fork; the child _exits 3; the parent waitid(P_PID, WNOWAIT)
 *             sees it, then waitid(P_ALL) reaps it
 *   wait4     fork; the child exit(2)s (atexit handler and stdio flush
 *             into a pipe); the parent reads the flushed text, then
 *             wait4(-1) with rusage
 *   waitidfull fork; the child writes 128 KiB into a pipe; the parent
 *             waitid(WEXITED | WNOWAIT)s before it reads (under exec: a
 *             deadlock across the two processes)
 *   spawnabba system("exit 0"), then two threads take two mutexes in
 *             opposite orders (under exec: a deadlock whose report says
 *             a process outside the run took part) */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what) {
  fprintf(stderr, "proc_helper: %s\n", what);
  return 1;
}

static int spawn(void) {
  pid_t p;
  char *argv[] = { "sh", "-c", "exit 7", NULL };
  if (posix_spawn(&p, "/bin/sh", NULL, NULL, argv, environ)) return fail("posix_spawn");
  int st;
  if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 7) return fail("waitpid of a spawned process");
  if (posix_spawnp(&p, "sh", NULL, NULL, argv, environ)) return fail("posix_spawnp");
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)p, &si, WEXITED) || si.si_pid != p || si.si_code != CLD_EXITED || si.si_status != 7)
    return fail("waitid of a spawned process");
  st = system("exit 5");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 5) return fail("system");
  FILE *f = popen("echo popen-out", "r");
  if (!f) return fail("popen");
  char line[64] = "";
  if (!fgets(line, sizeof line, f) || strcmp(line, "popen-out\n")) return fail("popen output");
  if (pclose(f) != 0) return fail("pclose");
  return 0;
}

static int execfail(void) {
  pid_t p = fork();
  if (p < 0) return fail("fork");
  if (p == 0) {
    execlp("ipcfault-no-such-program", "ipcfault-no-such-program", (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 127) return fail("failed exec: status");
  return 0;
}

static int exec_sh(void) {
  pid_t p = fork();
  if (p < 0) return fail("fork");
  if (p == 0) {
    execl("/bin/sh", "sh", "-c", "exit 4", (char *)NULL);
    _exit(126);
  }
  int st;
  if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 4) return fail("exec'd child: status");
  return 0;
}

static int poll_exec(void) {
  pid_t p = fork();
  if (p < 0) return fail("fork");
  if (p == 0) {
    execl("/bin/sh", "sh", "-c", "exit 4", (char *)NULL);
    _exit(126);
  }
  int st = 0;
  pid_t r;
  for (long i = 0; (r = waitpid(p, &st, WNOHANG)) == 0; i++) {
    if (i == 20000) return fail("waitpid(WNOHANG) never saw the exec'd child end");
    usleep(1000);
  }
  if (r != p || !WIFEXITED(st) || WEXITSTATUS(st) != 4) return fail("exec'd child, polled: status");
  return 0;
}

static int kill_mode(void) {
  int fds[2];
  if (pipe(fds)) return fail("pipe");
  pid_t p = fork();
  if (p < 0) return fail("fork");
  if (p == 0) {
    char c;
    close(fds[1]);
    (void)!read(fds[0], &c, 1);   /* blocks: nobody writes */
    _exit(0);
  }
  close(fds[0]);
  if (kill(p, SIGKILL)) return fail("kill");
  int st;
  if (waitpid(p, &st, 0) != p || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) return fail("killed child: status");
  close(fds[1]);
  return 0;
}

/* The first process _exits while its child and grandchild block on a
 * pipe nobody writes: under exec both are the run's leftovers. */
static int orphans(void) {
  int fds[2];
  if (pipe(fds)) return fail("pipe");
  if (fork() == 0) {
    char c;
    if (fork() == 0) { close(fds[1]); (void)!read(fds[0], &c, 1); _exit(0); }
    close(fds[1]);
    (void)!read(fds[0], &c, 1);
    _exit(0);
  }
  _exit(0);
}

static int waitid_mode(void) {
  pid_t p = fork();
  if (p < 0) return fail("fork");
  if (p == 0) _exit(3);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT) || si.si_pid != p || si.si_status != 3)
    return fail("waitid WNOWAIT");
  memset(&si, 0, sizeof si);
  if (waitid(P_ALL, 0, &si, WEXITED) || si.si_pid != p || si.si_code != CLD_EXITED || si.si_status != 3)
    return fail("waitid P_ALL");
  if (waitpid(p, NULL, WNOHANG) != -1) return fail("reaped twice");
  return 0;
}

static int waitid_full(void) {
  int fds[2];
  if (pipe(fds)) return fail("pipe");
  pid_t p = fork();
  if (p < 0) return fail("fork");
  static char buf[1 << 17];
  if (p == 0) {
    close(fds[0]);
    _exit(write(fds[1], buf, sizeof buf) == (ssize_t)sizeof buf ? 0 : 1);
  }
  close(fds[1]);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT)) return fail("waitid");   /* before draining: the bug */
  while (read(fds[0], buf, sizeof buf) > 0) {}
  close(fds[0]);
  return waitpid(p, NULL, 0) == p ? 0 : fail("waitpid");
}

static int hfd = -1;
static void at_exit(void) { if (write(hfd, "+handler", 8) != 8) abort(); }

static int wait4_mode(void) {
  int fds[2];
  if (pipe(fds)) return fail("pipe");
  pid_t p = fork();
  if (p < 0) return fail("fork");
  if (p == 0) {
    close(fds[0]);
    hfd = fds[1];
    atexit(at_exit);
    dup2(fds[1], 1);
    fputs("flushed", stdout);   /* in stdio's buffer until exit */
    exit(2);
  }
  close(fds[1]);
  char buf[64];
  size_t got = 0;
  ssize_t n;
  while (got < sizeof buf - 1 && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)n;
  buf[got] = 0;
  close(fds[0]);
  if (strcmp(buf, "+handlerflushed") && strcmp(buf, "flushed+handler")) return fail("exit: handler and flush");
  int st;
  struct rusage ru;
  if (wait4(-1, &st, 0, &ru) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 2) return fail("wait4");
  if (wait(NULL) != -1) return fail("a second child");
  return 0;
}

static pthread_mutex_t ma = PTHREAD_MUTEX_INITIALIZER, mb = PTHREAD_MUTEX_INITIALIZER;
static void *ab(void *arg) {
  pthread_mutex_t *first = arg ? &ma : &mb, *second = arg ? &mb : &ma;
  pthread_mutex_lock(first);
  pthread_mutex_lock(second);
  pthread_mutex_unlock(second);
  pthread_mutex_unlock(first);
  return NULL;
}
static int spawn_abba(void) {
  int st = system("exit 0");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return fail("system");
  pthread_t x, y;
  if (pthread_create(&x, NULL, ab, &ma) || pthread_create(&y, NULL, ab, NULL)) return fail("pthread_create");
  pthread_join(x, NULL);
  pthread_join(y, NULL);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) return fail("usage: proc_helper spawn|execfail|exec|pollexec|kill|orphans|waitid|wait4|spawnabba|waitidfull");
  if (!strcmp(argv[1], "spawn")) return spawn();
  if (!strcmp(argv[1], "execfail")) return execfail();
  if (!strcmp(argv[1], "exec")) return exec_sh();
  if (!strcmp(argv[1], "pollexec")) return poll_exec();
  if (!strcmp(argv[1], "kill")) return kill_mode();
  if (!strcmp(argv[1], "orphans")) return orphans();
  if (!strcmp(argv[1], "waitid")) return waitid_mode();
  if (!strcmp(argv[1], "wait4")) return wait4_mode();
  if (!strcmp(argv[1], "spawnabba")) return spawn_abba();
  if (!strcmp(argv[1], "waitidfull")) return waitid_full();
  return fail("unknown mode");
}
