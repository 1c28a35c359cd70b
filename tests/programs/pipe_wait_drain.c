/* Wait before drain: the parent forks a child that writes 100,000 bytes
 * into a pipe, then waits for the child before it reads. The pipe holds
 * 64 KiB (Linux's default), so the child blocks in write with the rest
 * unsent while the parent blocks in waitpid: each waits for the other, for
 * ever (a deadlock across two processes). Fixed: read to end of file first,
 * then reap the child. Exit status: 0 when every byte arrived and the child
 * exited 0. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipe_child.h"

#define TOTAL 100000

static int child(int wfd) {
  static char buf[TOTAL];
  for (int i = 0; i < TOTAL; i++) buf[i] = (char)('a' + i % 26);
  size_t off = 0;
  while (off < TOTAL) {
    ssize_t n = write(wfd, buf + off, TOTAL - off);
    if (n < 0) return 3;
    off += (size_t)n;
  }
  return 0;
}

static size_t drain(int rfd) {
  char buf[4096];
  size_t got = 0;
  ssize_t n;
  while ((n = read(rfd, buf, sizeof buf)) > 0) got += (size_t)n;
  return got;
}

int main(void) {
  int rfd;
  pid_t pid = fork_pipe_child(&rfd, child);
  if (pid < 0) return 2;
  int status = 0;
  size_t got;
#ifdef FIXED
  got = drain(rfd);
  if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); return 2; }
#else
  if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); return 2; }
  got = drain(rfd);
#endif
  close(rfd);
  if (got != TOTAL || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "got %zu of %d bytes, child status %#x\n", got, TOTAL, status);
    return 1;
  }
  return 0;
}
