/* Reader exits early: the parent reads the first message from a pipe its
 * child writes five messages into, then closes the read end and waits for
 * the child. Whenever the child's next write comes after that close, the
 * child, which does not ignore SIGPIPE, is killed by it with messages
 * unsent: whether it happens depends on how the two processes interleave.
 * The parent does not look at how the child ended (as such programs
 * usually do not); a child killed by a signal is the run's oracle failure.
 * Fixed: the reader drains the pipe to end of file before it closes it. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipe_child.h"

#define MSGS 5
#define MSG "message from the child\n"

static int child(int wfd) {
  for (int i = 0; i < MSGS; i++)
    if (write(wfd, MSG, strlen(MSG)) < 0) return 3;
  return 0;
}

int main(void) {
  int rfd;
  pid_t pid = fork_pipe_child(&rfd, child);
  if (pid < 0) return 2;
  char buf[sizeof MSG];
  ssize_t n = read(rfd, buf, strlen(MSG));      /* the first message */
#ifdef FIXED
  char rest[256];
  while (read(rfd, rest, sizeof rest) > 0) {}
#endif
  close(rfd);
  waitpid(pid, NULL, 0);
  return n > 0 ? 0 : 1;
}
