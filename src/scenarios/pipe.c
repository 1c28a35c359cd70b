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
 *
 * Between processes (ipf_fork: in a controlled run every child is a managed
 * process of the same run, its calls scheduling points like any thread's).
 * pipe/fork-framed runs the same protocol with a forked child as the writer
 * and the parent as the reader; the child first sends one frame of twice the
 * pipe's real capacity (F_GETPIPE_SZ), so that a parent which waits for its
 * child before draining (pipe/wait-before-drain) can never see it end. The
 * reader-child scenarios fork a reader and a writer and the parent only
 * reaps them: a reader that keeps its inherited write end
 * (pipe/child-keeps-write-end) never sees end of file; one that exits after
 * the first message (pipe/reader-exits-early) leaves a writer that does not
 * ignore SIGPIPE to be killed with messages unsent. What children took and
 * reported lives in a MAP_SHARED report made before the first fork; the
 * parent judges it, and how each child ended, after reaping them all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/pipe.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"
#include "../sched/internal.h"     /* ipf__exec_adopt */
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

void *ipf__shared_scratch(void **cache, size_t len) {
  if (!*cache) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    *cache = p;          /* for the life of the process, as a static would be */
  }
  return *cache;
}

long ipf__child_begin(void) { return ipf__io_disruptions(); }

void ipf__child_exit(long begun, long *shared, int status) {
  long d = ipf__io_disruptions() - begun;
  if (d > 0) __atomic_add_fetch(shared, d, __ATOMIC_RELAXED);
  ipf_exit(status);
}

void ipf__children_collect(long *shared) {
  for (long d = __atomic_exchange_n(shared, 0, __ATOMIC_RELAXED); d > 0; d--) ipf__io_disrupted();
}

/* ---- the workload --------------------------------------------------------------- */

static const char *const msgs[] = { "Rubber duck", "Quack, quack", "Goodbye!" };
#define NMSG 3

/* Written by whichever process took or reported it; read by the parent
 * (the scenario's main) after every child is reaped. */
static struct pipe_report {
  struct ipf__inbox inbox;
  char werr[128], rerr[128];
  long faults;                    /* disruptions injected in children */
} *rep;
static void *rep_cache;

/* pipe/fork-framed's first frame: twice what the pipe holds. */
static char *bulk_out, *bulk_in;
static size_t bulk_len;
static char bulk_label[48];       /* how the reader notes it, and the oracle expects it */

static void write_all(int fd, const char *bulk, size_t blen) {
  for (int i = bulk ? -1 : 0; i < NMSG; i++) {
    const char *m = i < 0 ? bulk : msgs[i];
    size_t n = i < 0 ? blen : strlen(msgs[i]);
    int rc;
    if (IPF_BUG(IPF_BUG_PIPE_ONE_READ)) {
      /* BUG: pipes.py relies on multiprocessing's framing; over pipe(2)
       * the bytes go out bare and message boundaries are lost. */
      ssize_t w = ipf_write_full(fd, m, n, 0);
      rc = w < 0 ? (int)w : 0;
    } else {
      rc = ipf_pipe_send(fd, m, n);
      if (rc == -EINTR) { i--; continue; }
    }
    if (rc < 0) { ipf__err_append(rep->werr, sizeof rep->werr, "writer", rc); break; }
  }
  int rc = ipf_close(fd);
  if (rc < 0) ipf__err_append(rep->werr, sizeof rep->werr, "writer close", rc);
}

static void writer(void *arg) { write_all((int)(intptr_t)arg, NULL, 0); }

/* Note what the reader took; a frame too big to be a message is the bulk
 * frame, noted by its size (and whether every byte is right). */
static void took(const char *buf, size_t len) {
  if (len <= sizeof rep->inbox.got[0]) { ipf__inbox_add(&rep->inbox, buf, len); return; }
  char l[48];
  int ok = bulk_out && len == bulk_len && memcmp(buf, bulk_out, len) == 0;
  snprintf(l, sizeof l, ok ? "<%zu bytes>" : "<%zu bytes, corrupt>", len);
  ipf__inbox_add(&rep->inbox, l, strlen(l));
}

/* Read messages until end of file (or an error). */
static void read_all(int rfd, char *buf, size_t cap) {
  for (;;) {
    if (IPF_BUG(IPF_BUG_PIPE_ONE_READ)) {
      /* BUG: "each read() returns exactly one message": one read of up to
       * 1024 bytes is taken as one message, whatever it holds. */
      ssize_t r = ipf_read(rfd, buf, cap < 1024 ? cap : 1024);
      if (r == -EINTR) continue;
      if (r < 0) { ipf__err_append(rep->rerr, sizeof rep->rerr, "reader", (int)r); break; }
      if (r == 0) break;
      ipf__inbox_add(&rep->inbox, buf, (size_t)r);
      continue;
    }
    size_t len;
    int rc = ipf_pipe_recv(rfd, buf, cap, &len);
    if (rc == -EINTR) continue;
    if (rc == 0) break;
    if (rc < 0) { ipf__err_append(rep->rerr, sizeof rep->rerr, "reader", rc); break; }
    took(buf, len);
    /* BUG: the reader process is done after the first message and exits;
     * its read end closes with the rest unread. */
    if (IPF_BUG(IPF_BUG_PIPE_READER_EXITS)) break;
  }
}

static int reset_state(void) {
  ipf__ignore_sigpipe();
  ipf__io_disruptions_reset();
  rep = ipf__shared_scratch(&rep_cache, sizeof *rep);
  if (!rep) { ipf_fail("setup", "mmap of the shared report: %s", strerror(errno)); return -1; }
  memset(rep, 0, sizeof *rep);
  bulk_out = bulk_in = NULL;
  bulk_len = 0;
  return 0;
}

static void check(const char *stream) {
  char errs[300];
  snprintf(errs, sizeof errs, "%s%s%s", rep->werr, *rep->werr && *rep->rerr ? "; " : "", rep->rerr);
  const char *sent[NMSG + 1];
  int n = 0;
  if (bulk_out) sent[n++] = bulk_label;
  for (int i = 0; i < NMSG; i++) sent[n++] = msgs[i];
  ipf__stream_oracle(stream, sent, n, &rep->inbox, errs);
}

static void body_threads(void) {
  if (reset_state() < 0) return;
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
    if (rc < 0) ipf__err_append(rep->rerr, sizeof rep->rerr, "reader close", rc);
  }
  char buf[1024];
  read_all(fds[0], buf, sizeof buf);
  ipf_close(fds[0]);
  if (IPF_BUG(IPF_BUG_PIPE_UNCLOSED_WRITE)) ipf_close(fds[1]);
  ipf_thread_join(&w);
  check("pipe");
}

/* ---- between processes ---------------------------------------------------------- */

/* The writer process: its copy of the read end is the reader's business. */
static __attribute__((noreturn)) void writer_proc(int wfd, int rfd) {
  long begun = ipf__child_begin();
  int rc = ipf_close(rfd);
  if (rc < 0) ipf__err_append(rep->werr, sizeof rep->werr, "writer close of the read end", rc);
  if (IPF_BUG(IPF_BUG_PIPE_READER_EXITS)) {
    /* BUG: the writer does not ignore SIGPIPE (the reference inherits SIG_IGN
     * and gets EPIPE, which it reports): a write after its reader is gone
     * kills it, with messages unsent and nobody told. */
    signal(SIGPIPE, SIG_DFL);
  }
  write_all(wfd, bulk_out, bulk_len);
  ipf__child_exit(begun, &rep->faults, 0);
}

/* The reader process: it inherited both ends and closes the one it does not use. */
static __attribute__((noreturn)) void reader_proc(int rfd, int wfd) {
  long begun = ipf__child_begin();
  if (IPF_BUG(IPF_BUG_PIPE_CHILD_KEEPS_WRITE)) {
    /* BUG: the reading child never closes its inherited copy of the write
     * end: a writer is open as long as the reader itself is, so end of file
     * never comes and the reader waits for ever. */
  } else {
    int rc = ipf_close(wfd);
    if (rc < 0) ipf__err_append(rep->rerr, sizeof rep->rerr, "reader close of the write end", rc);
  }
  char buf[1024];
  read_all(rfd, buf, sizeof buf);
  ipf_close(rfd);
  if (IPF_BUG(IPF_BUG_PIPE_CHILD_KEEPS_WRITE)) ipf_close(wfd);
  ipf__child_exit(begun, &rep->faults, 0);
}

/* How a child ended is an oracle: killed by a signal, or an exit status
 * that is not 0. */
static void judge_child(const char *who, pid_t pid, int status) {
  if (pid < 0) { ipf_fail("child", "waitpid of the %s process: %s", who, strerror(errno)); return; }
  if (WIFSIGNALED(status))
    ipf_fail("process-killed", "the %s process (pid %ld) was killed by signal %d (%s), %d of %d messages "
             "delivered", who, (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)), rep->inbox.n,
             NMSG + (bulk_out != NULL));
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    ipf_fail("child", "the %s process (pid %ld) ended badly (wait status %d)", who, (long)pid, status);
}

static pid_t reap(pid_t pid, int *status) {
  *status = 0;
  return ipf_waitpid(pid, status, 0) == pid ? pid : -1;
}

/* The first frame of the writer process: twice what the pipe really holds
 * (F_GETPIPE_SZ), a pattern the reader checks byte for byte. */
static int bulk_prepare(int wfd) {
  int cap = fcntl(wfd, F_GETPIPE_SZ);
  if (cap <= 0) { ipf_fail("setup", "F_GETPIPE_SZ: %s", strerror(errno)); return -1; }
  bulk_len = 2 * (size_t)cap;
  bulk_out = malloc(bulk_len);
  bulk_in = malloc(bulk_len);
  if (!bulk_out || !bulk_in) {
    free(bulk_out); free(bulk_in);
    bulk_out = bulk_in = NULL;
    ipf_fail("setup", "malloc of %zu bytes", bulk_len);
    return -1;
  }
  /* a parent abandoned in a deadlock (pipe/wait-before-drain) never frees them */
  ipf__exec_adopt(bulk_out, free);
  ipf__exec_adopt(bulk_in, free);
  for (size_t i = 0; i < bulk_len; i++) bulk_out[i] = (char)('a' + i % 23);
  snprintf(bulk_label, sizeof bulk_label, "<%zu bytes>", bulk_len);
  return 0;
}

static void bulk_release(void) {
  ipf__exec_disown(bulk_out);
  ipf__exec_disown(bulk_in);
  free(bulk_out);
  free(bulk_in);
  bulk_out = bulk_in = NULL;
}

/* pipe/fork-framed: the parent reads what its writer child sends. */
static void body_fork(void) {
  if (reset_state() < 0) return;
  int fds[2];
  int rc = ipf_pipe(fds);
  if (rc < 0) { ipf_clean_error("pipe: %s", ipf_strerror(rc)); return; }
  if (bulk_prepare(fds[1]) < 0) { ipf_close(fds[0]); ipf_close(fds[1]); return; }
  pid_t pid = ipf_fork("writer");
  if (pid < 0) {
    ipf_fail("setup", "fork: %s", strerror(errno));
    ipf_close(fds[0]);
    ipf_close(fds[1]);
    bulk_release();
    return;
  }
  if (pid == 0) writer_proc(fds[1], fds[0]);
  rc = ipf_close(fds[1]);
  if (rc < 0) ipf__err_append(rep->rerr, sizeof rep->rerr, "parent close", rc);
  int status = 0;
  pid_t reaped = 0;
  if (IPF_BUG(IPF_BUG_PIPE_WAIT_BEFORE_DRAIN)) {
    /* BUG: the parent waits for its child before reading what it sent; the
     * child's first write is more than the pipe holds, so it cannot finish
     * until someone reads, and nobody will: each waits for the other. */
    reaped = reap(pid, &status);
  }
  read_all(fds[0], bulk_in, bulk_len);
  ipf_close(fds[0]);
  if (!reaped) reaped = reap(pid, &status);
  judge_child("writer", reaped, status);
  ipf__children_collect(&rep->faults);
  check("pipe between processes");
  bulk_release();
}

/* The reader-child scenarios: a reader and a writer process; the parent
 * closes both ends it holds and reaps them. */
static void body_reader_child(void) {
  if (reset_state() < 0) return;
  int fds[2];
  int rc = ipf_pipe(fds);
  if (rc < 0) { ipf_clean_error("pipe: %s", ipf_strerror(rc)); return; }
  pid_t r = ipf_fork("reader");
  if (r == 0) reader_proc(fds[0], fds[1]);
  pid_t w = r < 0 ? -1 : ipf_fork("writer");
  if (w == 0) writer_proc(fds[1], fds[0]);
  int e = errno;
  ipf_close(fds[0]);
  ipf_close(fds[1]);     /* the reader of a failed writer fork sees end of file */
  int rs = 0, ws = 0;
  pid_t rr = r > 0 ? reap(r, &rs) : r, wr = w > 0 ? reap(w, &ws) : w;
  if (r < 0 || w < 0) { ipf_fail("setup", "fork: %s", strerror(e)); return; }
  judge_child("writer", wr, ws);
  judge_child("reader", rr, rs);
  ipf__children_collect(&rep->faults);
  check("pipe between child processes");
}

#define FORK_PLAN "ipf/io/read = 30%short->10%eintr\nipf/pipe/read = 3%reset"
#define PAIR_PLAN "ipf/io/read = 30%short->10%eintr\nipf/pipe/read = 3%reset"

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
    body_fork, IPF_SC_FDS | IPF_SC_FORKS, 0, FORK_PLAN },
  { "pipe/wait-before-drain", IPF_EXPECT_BUG,
    "the parent waitpid()s its child before reading; the child writes more than the pipe holds: deadlock "
    "across processes",
    body_fork, IPF_SC_FDS | IPF_SC_FORKS, IPF_BUG_PIPE_WAIT_BEFORE_DRAIN, FORK_PLAN },
  { "pipe/child-keeps-write-end", IPF_EXPECT_BUG,
    "the reading child never closes its inherited copy of the write end: end of file never comes",
    body_reader_child, IPF_SC_FDS | IPF_SC_FORKS, IPF_BUG_PIPE_CHILD_KEEPS_WRITE, PAIR_PLAN },
  { "pipe/reader-exits-early", IPF_EXPECT_BUG,
    "the reader process exits after the first message; the writer, not ignoring SIGPIPE, is killed with "
    "messages unsent",
    body_reader_child, IPF_SC_FDS | IPF_SC_FORKS, IPF_BUG_PIPE_READER_EXITS, PAIR_PLAN },
};
const size_t ipf__pipe_nscenarios = sizeof ipf__pipe_scenarios / sizeof ipf__pipe_scenarios[0];
