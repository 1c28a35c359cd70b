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

#define MSGS 5
#define MSG "message from the child\n"

int main(void) {
  int fds[2];
  if (pipe(fds)) return 2;
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    close(fds[0]);
    for (int i = 0; i < MSGS; i++)
      if (write(fds[1], MSG, strlen(MSG)) < 0) _exit(3);
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  char buf[sizeof MSG];
  ssize_t n = read(fds[0], buf, strlen(MSG));   /* the first message */
#ifdef FIXED
  char rest[256];
  while (read(fds[0], rest, sizeof rest) > 0) {}
#endif
  close(fds[0]);
  waitpid(pid, NULL, 0);
  return n > 0 ? 0 : 1;
}
