/* A worker never reaped: the parent forks a worker that computes a sum
 * and writes it into a pipe, reads the pipe to end of file (which comes
 * when the worker has exited and its write end is closed), and returns
 * without waiting for it. The dead worker stays a zombie for as long as
 * the parent lives: in a long-running server one per request, until the
 * process table is full. The program's output is right, so only the run's
 * oracle (a child never reaped) tells. Fixed: waitpid after end of file. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipe_child.h"

static int worker(int wfd) {
  long sum = 0;
  for (int i = 1; i <= 100; i++) sum += i;
  return write(wfd, &sum, sizeof sum) == (ssize_t)sizeof sum ? 0 : 3;
}

int main(void) {
  int rfd;
  pid_t pid = fork_pipe_child(&rfd, worker);
  if (pid < 0) return 2;
  long sum = 0, v;
  ssize_t n;
  while ((n = read(rfd, &v, sizeof v)) == (ssize_t)sizeof v) sum = v;
  close(rfd);
#ifdef FIXED
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
#endif
  return sum == 5050 ? 0 : 1;
}
