/* For the corpus programs that fork (pipe_*.c): a child that writes into a
 * pipe its parent reads. Plain POSIX, no kit header: these programs are run
 * unchanged under `ipcfault exec`, whose preload library sees the pipe, the
 * fork, the closes and the child's writes as the program's own calls, made
 * in the same order as when each program spelled them out. */
#ifndef IPCFAULT_TESTS_PIPE_CHILD_H
#define IPCFAULT_TESTS_PIPE_CHILD_H
#include <stdio.h>
#include <unistd.h>

/* Fork a child that runs child(wfd) with the write end of a new pipe, then
 * closes it and _exits with what child returned; the parent keeps the
 * read end (*rfd) and closes its copy of the write end, so that end of
 * file comes once the child is done with it. The child's pid, or -1 (with
 * perror) when the pipe or the fork failed. */
static inline pid_t fork_pipe_child(int *rfd, int (*child)(int wfd)) {
  int fds[2];
  if (pipe(fds)) { perror("pipe"); return -1; }
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return -1; }
  if (pid == 0) {
    close(fds[0]);
    int rc = child(fds[1]);
    close(fds[1]);
    _exit(rc);
  }
  close(fds[1]);
  *rfd = fds[0];
  return pid;
}
#endif
