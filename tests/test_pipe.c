/* Criterion tests of the io wrappers, the framing and the pipe family:
 * frames survive short transfers, truncation and malformed lengths are
 * reported, EPIPE is an error, no fd leaks, every scenario's verdict. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/io.h"
#include "ipcfault/pipe.h"
#include "ipcfault/run.h"
#include "verdict.h"
#include "ipcfault/sched.h"

static int fd_count(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1;
}

static void no_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

/* Explore sc and return the verdict (kind copied to kind). */
struct dribble { int fd; const unsigned char *p; size_t n; };
static void *dribbler(void *a) {
  struct dribble *d = a;
  for (size_t i = 0; i < d->n; i++) {     /* one byte per write: every read is short */
    cr_assert_eq(write(d->fd, d->p + i, 1), 1);
    if (i % 3 == 0) usleep(200);
  }
  return NULL;
}

Test(pipe, frame_arrives_whole_when_written_one_byte_at_a_time, .init = no_sigpipe, .timeout = 10) {
  int fds[2];
  cr_assert_eq(ipf_pipe(fds), 0);
  const char *msg = "Rubber duck";
  unsigned char wire[64] = { 0, 0, 0, 11 };
  memcpy(wire + 4, msg, 11);
  struct dribble d = { fds[1], wire, 15 };
  pthread_t t;
  pthread_create(&t, NULL, dribbler, &d);
  char buf[64];
  size_t len;
  cr_assert_eq(ipf_pipe_recv(fds[0], buf, sizeof buf, &len), 1);
  cr_assert_eq(len, 11);
  cr_assert(memcmp(buf, msg, 11) == 0);
  pthread_join(t, NULL);
  ipf_close(fds[1]);
  cr_assert_eq(ipf_pipe_recv(fds[0], buf, sizeof buf, &len), 0, "clean EOF after the last frame");
  ipf_close(fds[0]);
}

Test(pipe, truncation_reported_when_writer_closes_mid_frame, .init = no_sigpipe) {
  int fds[2];
  cr_assert_eq(ipf_pipe(fds), 0);
  unsigned char wire[] = { 0, 0, 0, 11, 'R', 'u', 'b' };
  cr_assert_eq(write(fds[1], wire, sizeof wire), (ssize_t)sizeof wire);
  ipf_close(fds[1]);
  char buf[64];
  size_t len = 99;
  cr_assert_eq(ipf_pipe_recv(fds[0], buf, sizeof buf, &len), IPF_ETRUNC);
  cr_assert_eq(len, 0, "no partial message handed out");
  ipf_close(fds[0]);
}

Test(pipe, truncation_reported_when_header_cut) {
  int fds[2];
  cr_assert_eq(ipf_pipe(fds), 0);
  cr_assert_eq(write(fds[1], "\0\0", 2), 2);
  ipf_close(fds[1]);
  char buf[8];
  size_t len;
  cr_assert_eq(ipf_pipe_recv(fds[0], buf, sizeof buf, &len), IPF_ETRUNC);
  ipf_close(fds[0]);
}

Test(pipe, malformed_length_reported_when_over_buffer_or_limit) {
  int fds[2];
  cr_assert_eq(ipf_pipe(fds), 0);
  cr_assert_eq(write(fds[1], "\xff\xff\xff\xff", 4), 4);
  char buf[8];
  size_t len;
  cr_assert_eq(ipf_pipe_recv(fds[0], buf, sizeof buf, &len), IPF_EFRAME);
  cr_assert_eq(write(fds[1], "\0\0\0\x10", 4), 4);   /* 16 > the 8-byte buffer */
  cr_assert_eq(ipf_pipe_recv(fds[0], buf, sizeof buf, &len), IPF_EFRAME);
  ipf_close(fds[0]);
  ipf_close(fds[1]);
}

Test(pipe, epipe_returned_when_reader_gone, .init = no_sigpipe) {
  int fds[2];
  cr_assert_eq(ipf_pipe(fds), 0);
  ipf_close(fds[0]);
  cr_assert_eq(ipf_pipe_send(fds[1], "x", 1), -EPIPE);
  ipf_close(fds[1]);
}

Test(pipe, large_frame_round_trips_when_bigger_than_the_pipe, .init = no_sigpipe, .timeout = 10) {
  int fds[2];
  cr_assert_eq(ipf_pipe(fds), 0);
  static unsigned char big[200000], back[200000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7);
  pid_t pid = fork();
  if (pid == 0) { close(fds[0]); _exit(ipf_frame_send_raw(fds[1], big, sizeof big) ? 1 : 0); }
  ipf_close(fds[1]);
  size_t len;
  cr_assert_eq(ipf_pipe_recv(fds[0], back, sizeof back, &len), 1);
  cr_assert_eq(len, sizeof big);
  cr_assert(memcmp(big, back, len) == 0);
  ipf_close(fds[0]);
  int st;
  waitpid(pid, &st, 0);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

Test(pipe, disconnect_makes_the_writer_see_epipe, .init = no_sigpipe) {
  int fds[2];
  cr_assert_eq(ipf_pipe(fds), 0);
  cr_assert_eq(ipf_io_disconnect(fds[0]), 0);
  cr_assert_eq(ipf_write(fds[1], "x", 1), -EPIPE);
  char c;
  cr_assert_eq(ipf_read(fds[0], &c, 1), 0, "the reader's fd now reads end of file");
  ipf_close(fds[0]);
  ipf_close(fds[1]);
}

Test(pipe, every_scenario_gets_its_verdict, .timeout = 120) {
  char kind[32];
  /* the kit keeps one fd of its own once it has run an execution (the
   * run's shared state, a memfd): counted from after the first */
  cr_assert_eq(explore_verdict("pipe/framed", 1, kind, sizeof kind), IPF_VERDICT_OK, "%s", kind);
  int before = fd_count();
  cr_assert_eq(explore_verdict("pipe/framed", 300, kind, sizeof kind), IPF_VERDICT_OK, "%s", kind);
  cr_assert_eq(explore_verdict("pipe/fork-framed", 100, kind, sizeof kind), IPF_VERDICT_OK, "%s", kind);
  cr_assert_eq(fd_count(), before, "ok scenarios leave no fd behind");
  cr_assert_eq(explore_verdict("pipe/one-read-one-message", 1000, kind, sizeof kind), IPF_VERDICT_BUG);
  cr_assert_eq(explore_verdict("pipe/unclosed-write-end", 1000, kind, sizeof kind), IPF_VERDICT_BUG);
  cr_assert_str_eq(kind, "deadlock");
}

Test(pipe, deadlock_report_names_the_open_write_end) {
  const ipf_scenario *sc = ipf_scenario_find("pipe/unclosed-write-end");
  ipf_config c;
  ipf_config_init(&c);
  ipf_result r;
  ipf_exec(sc, &c, &r);
  cr_assert_eq(r.verdict, IPF_VERDICT_BUG);
  cr_assert(strstr(r.message, "ipf_read on fd"), "%s", r.message);
  cr_assert(strstr(r.message, "write end fd"), "%s", r.message);
  ipf_result_free(&r);
}
