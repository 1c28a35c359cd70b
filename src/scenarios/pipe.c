/* The pipe family: pipes.py's writer and reader over a real pipe(2).
 *
 * DESIGN. The reader's side is main; the writer is a thread given its own
 * descriptor of the write end (a dup, exactly what a forked child inherits),
 * so that, as with processes, the reader's side must close the write end it
 * does not use before end of file can come. The writer sends "Rubber duck"
 * (pipes.py's one message) and two more, so that merged messages can show,
 * then closes; the reader reads until end of file. Oracles, after the join:
 * every message delivered exactly once, in order, never a partial or merged
 * one as data; when fewer arrived, some side must have reported an error
 * (an injected fault, and what follows from it), which makes the run a clean
 * error rather than a pass; no fd left open (IPF_SC_FDS).
 * pipe/fork-framed runs the same protocol with a forked child as the writer.
 * The child is not managed by the scheduler: it only makes async-signal-safe
 * calls (raw writev, close, _exit), and the parent marks its read end
 * external, so its waits block in the kernel, not on the scheduler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/pipe.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"
#include "stream.h"

/* ---- the stream oracle (shared with fifo.c and uds.c) ------------------------ */

void ipf__inbox_add(struct ipf__inbox *in, const char *p, size_t n) {
  if (in->n < IPF_INBOX_MAX) {
    if (n > sizeof in->got[0]) n = sizeof in->got[0];
    memcpy(in->got[in->n], p, n);
    in->glen[in->n] = n;
    ipf_note("got \"%.*s\"", (int)n, p);
  }
  in->n++;
}

/* in->got[i] (in->glen[i] bytes) is what the reader took as message i.
 * errors is what any side reported ("" when nothing). */
void ipf__stream_oracle(const char *stream, const char *const *sent, int nsent, const struct ipf__inbox *in,
                        const char *errors) {
  const char (*got)[256] = in->got;
  const size_t *glen = in->glen;
  int ngot = in->n;
  for (int i = 0; i < ngot; i++) {
    if (i >= nsent) {
      ipf_fail("duplicate", "%s: %d messages delivered, only %d were sent (message %d: \"%.*s\")",
               stream, ngot, nsent, i + 1, (int)glen[i], got[i]);
      return;
    }
    size_t sl = strlen(sent[i]);
    if (glen[i] == sl && memcmp(got[i], sent[i], sl) == 0) continue;
    if (glen[i] < sl && memcmp(got[i], sent[i], glen[i]) == 0)
      ipf_fail("partial-message", "%s: message %d delivered as \"%.*s\", a part of \"%s\"%s", stream, i + 1,
               (int)glen[i], got[i], sent[i], *errors ? "" : "");
    else if (glen[i] > sl && memcmp(got[i], sent[i], sl) == 0)
      ipf_fail("merged-messages", "%s: message %d delivered as \"%.*s\": \"%s\" run together with what "
               "followed it", stream, i + 1, (int)glen[i], got[i], sent[i]);
    else
      ipf_fail("order", "%s: message %d delivered as \"%.*s\", expected \"%s\"", stream, i + 1,
               (int)glen[i], got[i], sent[i]);
    return;
  }
  if (*errors && ipf__io_disruptions() == 0) {
    ipf_fail("unexplained-error", "%s: no fault was injected, yet: %s", stream, errors);
    return;
  }
  if (ngot < nsent && !*errors) {
    ipf_fail("lost", "%s: %d of %d messages delivered and no error reported (first missing: \"%s\")",
             stream, ngot, nsent, sent[ngot]);
    return;
  }
  if (*errors) ipf_clean_error("%s: %d of %d messages delivered; reported: %s", stream, ngot, nsent, errors);
}

void ipf__ignore_sigpipe(void) {
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
  }
}

void ipf__err_append(char *buf, size_t cap, const char *who, int rc) {
  size_t o = strlen(buf);
  if (o < cap) snprintf(buf + o, cap - o, "%s%s: %s", o ? "; " : "", who, ipf_strerror(rc));
}

/* ---- the workload --------------------------------------------------------------- */

static const char *const msgs[] = { "Rubber duck", "Quack, quack", "Goodbye!" };
#define NMSG 3

static struct ipf__inbox inbox;
static char werr[128], rerr[128];


static void writer(void *arg) {
  int fd = (int)(intptr_t)arg;
  for (int i = 0; i < NMSG; i++) {
    size_t n = strlen(msgs[i]);
    int rc;
    if (IPF_BUG(IPF_BUG_PIPE_ONE_READ)) {
      /* BUG: pipes.py relies on multiprocessing's framing; over pipe(2)
       * the bytes go out bare and message boundaries are lost. */
      ssize_t w = ipf_write_full(fd, msgs[i], n, 0);
      rc = w < 0 ? (int)w : 0;
    } else {
      rc = ipf_pipe_send(fd, msgs[i], n);
      if (rc == -EINTR) { i--; continue; }
    }
    if (rc < 0) { ipf__err_append(werr, sizeof werr, "writer", rc); break; }
  }
  int rc = ipf_close(fd);
  if (rc < 0) ipf__err_append(werr, sizeof werr, "writer close", rc);
}

/* Read messages until end of file (or an error). */
static void read_all(int rfd) {
  char buf[1024];
  for (;;) {
    if (IPF_BUG(IPF_BUG_PIPE_ONE_READ)) {
      /* BUG: "each read() returns exactly one message": one read of up to
       * 1024 bytes is taken as one message, whatever it holds. */
      ssize_t r = ipf_read(rfd, buf, sizeof buf);
      if (r == -EINTR) continue;
      if (r < 0) { ipf__err_append(rerr, sizeof rerr, "reader", (int)r); break; }
      if (r == 0) break;
      ipf__inbox_add(&inbox, buf, (size_t)r);
      continue;
    }
    size_t len;
    int rc = ipf_pipe_recv(rfd, buf, sizeof buf, &len);
    if (rc == -EINTR) continue;
    if (rc == 0) break;
    if (rc < 0) { ipf__err_append(rerr, sizeof rerr, "reader", rc); break; }
    ipf__inbox_add(&inbox, buf, len);
  }
}

static void reset_state(void) {
  ipf__ignore_sigpipe();
  ipf__io_disruptions_reset();
  memset(&inbox, 0, sizeof inbox);
  werr[0] = rerr[0] = 0;
}

static void check(const char *stream) {
  char errs[300];
  snprintf(errs, sizeof errs, "%s%s%s", werr, *werr && *rerr ? "; " : "", rerr);
  ipf__stream_oracle(stream, msgs, NMSG, &inbox, errs);
}

static void body_threads(void) {
  reset_state();
  int fds[2];
  int rc = ipf_pipe(fds);
  if (rc < 0) { ipf_clean_error("pipe: %s", ipf_strerror(rc)); return; }
  /* The writer's own descriptor of the write end, as a child would inherit it. */
  int wfd = fcntl(fds[1], F_DUPFD_CLOEXEC, 0);
  if (wfd < 0) { ipf_fail("setup", "dup: %s", strerror(errno)); ipf_close(fds[0]); ipf_close(fds[1]); return; }
  ipf_thread_t w;
  ipf_thread_create(&w, "writer", writer, (void *)(intptr_t)wfd);
  if (IPF_BUG(IPF_BUG_PIPE_UNCLOSED_WRITE)) {
    /* BUG: pipes.py closes nothing: the reader's side still holds a write
     * end, so end of file never comes and the reader waits for ever. */
  } else {
    rc = ipf_close(fds[1]);
    if (rc < 0) ipf__err_append(rerr, sizeof rerr, "reader close", rc);
  }
  read_all(fds[0]);
  ipf_close(fds[0]);
  if (IPF_BUG(IPF_BUG_PIPE_UNCLOSED_WRITE)) ipf_close(fds[1]);
  ipf_thread_join(&w);
  check("pipe");
}

static void body_fork(void) {
  reset_state();
  int fds[2];
  int rc = ipf_pipe(fds);
  if (rc < 0) { ipf_clean_error("pipe: %s", ipf_strerror(rc)); return; }
  pid_t pid = fork();
  if (pid < 0) {
    ipf_fail("setup", "fork: %s", strerror(errno));
    ipf_close(fds[0]);
    ipf_close(fds[1]);
    return;
  }
  if (pid == 0) {
    /* The child: async-signal-safe calls only, until _exit. */
    close(fds[0]);
    for (int i = 0; i < NMSG; i++) {
      size_t n = 0;
      while (msgs[i][n]) n++;
      if (ipf_frame_send_raw(fds[1], msgs[i], n) < 0) _exit(3);
    }
    _exit(close(fds[1]) < 0 ? 4 : 0);
  }
  rc = ipf_close(fds[1]);
  if (rc < 0) ipf__err_append(rerr, sizeof rerr, "parent close", rc);
  ipf_io_external(fds[0]);
  read_all(fds[0]);
  ipf_close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
      snprintf(werr, sizeof werr, "child writer: write failed (exit status 3)");
    else
      ipf_fail("child", "the writer process ended badly (wait status %d)", status);
  }
  check("pipe between processes");
}

const ipf_scenario ipf__pipe_scenarios[] = {
  { "pipe/one-read-one-message", IPF_EXPECT_BUG,
    "assumes each read() returns exactly one message: short reads split it, back-to-back writes merge",
    body_threads, IPF_SC_FDS, IPF_BUG_PIPE_ONE_READ,
    "ipf/io/read = 30%short" },
  { "pipe/unclosed-write-end", IPF_EXPECT_BUG,
    "the reader's side keeps a write end open, so EOF never comes: hang",
    body_threads, IPF_SC_FDS, IPF_BUG_PIPE_UNCLOSED_WRITE,
    "ipf/io/read = 30%short" },
  { "pipe/framed", IPF_EXPECT_OK,
    "length-prefixed frames, read/write-fully loops, EINTR, EOF, SIGPIPE handled",
    body_threads, IPF_SC_FDS, 0,
    "ipf/io/read = 30%short->10%eintr\n"
    "ipf/io/write = 10%eintr\n"
    "ipf/pipe/read = 5%eintr\n"
    "ipf/pipe/write = 5%reset" },
  { "pipe/fork-framed", IPF_EXPECT_OK,
    "the same between parent and forked child",
    body_fork, IPF_SC_FDS | IPF_SC_FORKS, 0,
    "ipf/io/read = 30%short->10%eintr\n"
    "ipf/pipe/read = 3%reset" },
};
const size_t ipf__pipe_nscenarios = sizeof ipf__pipe_scenarios / sizeof ipf__pipe_scenarios[0];
