/* The fifo family: a two-way talk over two named pipes, with a second
 * writer on one of them.
 *
 * DESIGN. FIFO A carries left -> right, FIFO B right -> left. Each peer
 * opens its read end first. Left then sends its messages on A, says goodbye
 * and reads B until end of file; right reads A until end of file, then
 * answers on B. When it has said goodbye on A, left starts a
 * helper thread that opens a second write end of A and sends one more
 * message, so right's end of file must wait for two writers, one of which
 * opens only after the other has closed. Oracles, after the joins:
 * per producer, every message delivered exactly once and in order, never a
 * partial one; fewer only with an error reported, and an error only where a
 * fault was injected; no fd left open; the FIFOs and their private directory
 * gone. fifo/open-order-deadlock makes both peers open their read end with a
 * blocking open first (the helper is not started yet: nobody else can
 * unblock them); fifo/early-eof drops the reader's keepalive.
 *
 * fifo/unrelated-processes: a writer and a reader process that share no fd
 * and no memory of the parent's making, only the path of a FIFO in a private
 * 0600 directory. Each role is a program's main (fifo_writer_main,
 * fifo_reader_main: argv = role, FIFO path, report path) whose report, what
 * the reader took and what either reported, goes to a file in the same
 * directory. Each child is forked (ipf_fork) and then execs this binary
 * anew as its role (ipf_exec_peer: a separately exec'd program that stays in
 * the run, same choice stream, so the interleaving replays).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/fifo.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "registry.h"
#include "stream.h"


#define TIMEOUT_MS 500

static const char *const left_msgs[] = { "left: Hello, right!", "left: Goodbye!" };
static const char *const helper_msgs[] = { "helper: one more from left's side" };
static const char *const right_msgs[] = { "right: Hello, left!", "right: How are you doing?", "right: Goodbye!" };


static char path_a[128], path_b[128];
static struct ipf__inbox at_right, at_left;     /* written by right / left only */
static char err_left[160], err_right[160], err_helper[160];


static void send_all(const char *path, const char *const *m, int n, char *err, size_t errcap,
                     const char *who) {
  int fd = ipf_fifo_open_writer(path, TIMEOUT_MS);
  if (fd < 0) { ipf__err_append(err, errcap, who, fd); return; }
  for (int i = 0; i < n; i++) {
    int rc = ipf_fifo_send(fd, m[i], strlen(m[i]));
    if (rc == -EINTR) { i--; continue; }
    if (rc < 0) { ipf__err_append(err, errcap, who, rc); break; }
  }
  int rc = ipf_fifo_close_writer(fd);
  if (rc < 0 && !*err) ipf__err_append(err, errcap, who, rc);
}

static void read_all(ipf_fifo_reader_t *r, struct ipf__inbox *in, char *err, size_t errcap, const char *who) {
  char buf[IPF_FIFO_MSG_MAX];
  for (;;) {
    size_t len;
    int rc = ipf_fifo_recv(r, buf, sizeof buf, &len, TIMEOUT_MS);
    if (rc == -EINTR) continue;
    if (rc == 0) break;
    if (rc < 0) { ipf__err_append(err, errcap, who, rc); break; }
    ipf__inbox_add(in, buf, len);
  }
}

static void helper(void *arg) {
  (void)arg;
  send_all(path_a, helper_msgs, 1, err_helper, sizeof err_helper, "helper");
}

static void left(void *arg) {
  (void)arg;
  ipf_fifo_reader_t *r = NULL;
  int rc = ipf_fifo_open_reader(path_b, 1, &r);
  if (rc < 0) ipf__err_append(err_left, sizeof err_left, "left open B", rc);
  send_all(path_a, left_msgs, 2, err_left, sizeof err_left, "left");
  ipf_thread_t h;
  ipf_thread_create(&h, "helper", helper, NULL);
  if (r) read_all(r, &at_left, err_left, sizeof err_left, "left");
  ipf_fifo_close_reader(r);
  ipf_thread_join(&h);
}

static void right(void *arg) {
  (void)arg;
  ipf_fifo_reader_t *r = NULL;
  int rc = ipf_fifo_open_reader(path_a, 2, &r);
  if (rc < 0) ipf__err_append(err_right, sizeof err_right, "right open A", rc);
  if (r) read_all(r, &at_right, err_right, sizeof err_right, "right");
  ipf_fifo_close_reader(r);
  send_all(path_b, right_msgs, 3, err_right, sizeof err_right, "right");
}

/* Split what right received by producer, then check each stream. */
static void check(void) {
  char errs[520];
  snprintf(errs, sizeof errs, "%s%s%s%s%s", err_left, *err_left && (*err_right || *err_helper) ? "; " : "",
           err_right, *err_right && *err_helper ? "; " : "", err_helper);
  if (*errs && ipf__io_disruptions() == 0) {
    ipf_fail("unexplained-error", "no fault was injected, yet: %s (right received %d of 3 messages "
             "on A, left %d of 3 on B)", errs, at_right.n, at_left.n);
    return;
  }
  struct ipf__inbox from_left = { 0 }, from_helper = { 0 };
  for (int i = 0; i < at_right.n && i < IPF_INBOX_MAX; i++) {
    struct ipf__inbox *to = !strncmp(at_right.got[i], "helper:", 7) ? &from_helper : &from_left;
    if (to->n < IPF_INBOX_MAX) {
      memcpy(to->got[to->n], at_right.got[i], at_right.glen[i]);
      to->glen[to->n] = at_right.glen[i];
    }
    to->n++;
  }
  ipf__stream_oracle("FIFO A from left", left_msgs, 2, &from_left, errs);
  ipf__stream_oracle("FIFO A from helper", helper_msgs, 1, &from_helper, errs);
  ipf__stream_oracle("FIFO B", right_msgs, 3, &at_left, errs);
}

/* The private directory (dir, cap bytes) and FIFO a (path_a), and b
 * (path_b) when n is 2; checks their modes. 0, or -1 having said why. */
static int make_fifos(char *dir, size_t cap, int n) {
  int rc = ipf_tmpdir(dir, cap);
  if (rc < 0) { ipf_fail("setup", "mkdtemp: %s", ipf_strerror(rc)); return -1; }
  if ((rc = ipf_fifo_make(dir, "a", path_a, sizeof path_a)) < 0 ||
      (n > 1 && (rc = ipf_fifo_make(dir, "b", path_b, sizeof path_b)) < 0)) {
    ipf_tmpdir_remove(dir);
    if (ipf__io_disruptions() == 0) ipf_fail("setup", "mkfifo: %s", ipf_strerror(rc));
    else ipf_clean_error("mkfifo: %s", ipf_strerror(rc));
    return -1;
  }
  struct stat st;
  if (stat(dir, &st) == 0 && (st.st_mode & 0077) != 0)
    ipf_fail("mode", "directory %s has mode %o: others may reach its FIFOs", dir, st.st_mode & 0777);
  if (stat(path_a, &st) == 0 && (st.st_mode & 0777) != 0600)
    ipf_fail("mode", "FIFO %s has mode %o, not 0600", path_a, st.st_mode & 0777);
  return 0;
}

static void body(void) {
  ipf__ignore_sigpipe();
  ipf__io_disruptions_reset();
  memset(&at_left, 0, sizeof at_left);
  memset(&at_right, 0, sizeof at_right);
  err_left[0] = err_right[0] = err_helper[0] = 0;
  char dir[96];
  if (make_fifos(dir, sizeof dir, 2) < 0) return;
  ipf_thread_t l, r;
  ipf_thread_create(&l, "left", left, NULL);
  ipf_thread_create(&r, "right", right, NULL);
  ipf_thread_join(&l);
  ipf_thread_join(&r);
  check();
  ipf_tmpdir_remove(dir);
  if (access(dir, F_OK) == 0) ipf_fail("leak", "directory %s still exists", dir);
}

/* ---- fifo/unrelated-processes -------------------------------------------------------- */

static const char *const unrel_msgs[] = { "writer: Hello, reader!", "writer: How are you doing?",
                                          "writer: Goodbye!" };
#define NUNREL 3

/* What a role tells the parent when it ends: written to a report file in the
 * private directory, so that parent and roles share nothing but paths, as
 * separately exec'd programs would. Plain syscalls: this is the oracle's
 * channel, not the workload, and a regular file never blocks. */
struct unrel_report {
  struct ipf__inbox inbox;       /* what the reader took */
  char err[160];                 /* what the role reported */
  long faults;                   /* disruptions injected in the role's process */
};

static int report_write(const char *path, const struct unrel_report *r) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return -errno;
  ssize_t k = write(fd, r, sizeof *r);     /* a regular file takes it whole */
  int e = k == (ssize_t)sizeof *r ? 0 : k < 0 ? -errno : -EIO;
  close(fd);
  return e;
}

static int report_read(const char *path, struct unrel_report *r) {
  memset(r, 0, sizeof *r);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t k = read(fd, r, sizeof *r);
  int e = k == (ssize_t)sizeof *r ? 0 : k < 0 ? -errno : -EIO;
  close(fd);
  return e;
}

/* The two roles, each a program's main: argv = role, FIFO path, report
 * path; the exit status is 0 once the report is written. They run in a
 * fresh image (ipf_exec_peer), so they use nothing of the parent's but the
 * paths in argv. */
static int fifo_writer_main(int argc, char **argv) {
  if (argc < 3) return 2;
  struct unrel_report rep;
  memset(&rep, 0, sizeof rep);
  long begun = ipf__io_disruptions();
  send_all(argv[1], unrel_msgs, NUNREL, rep.err, sizeof rep.err, "writer");
  rep.faults = ipf__io_disruptions() - begun;
  return report_write(argv[2], &rep) < 0 ? 3 : 0;
}

static int fifo_reader_main(int argc, char **argv) {
  if (argc < 3) return 2;
  struct unrel_report rep;
  memset(&rep, 0, sizeof rep);
  long begun = ipf__io_disruptions();
  ipf_fifo_reader_t *r = NULL;
  int rc = ipf_fifo_open_reader(argv[1], 1, &r);
  if (rc < 0) ipf__err_append(rep.err, sizeof rep.err, "reader open", rc);
  if (r) read_all(r, &rep.inbox, rep.err, sizeof rep.err, "reader");
  ipf_fifo_close_reader(r);
  rep.faults = ipf__io_disruptions() - begun;
  return report_write(argv[2], &rep) < 0 ? 3 : 0;
}

static void judge(const char *who, pid_t pid, int status) {
  if (WIFSIGNALED(status))
    ipf_fail("process-killed", "the %s process (pid %ld) was killed by signal %d", who, (long)pid, WTERMSIG(status));
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    ipf_fail("child", "the %s process (pid %ld) ended badly (wait status %d)", who, (long)pid, status);
}

static void body_unrelated(void) {
  ipf__ignore_sigpipe();
  ipf__io_disruptions_reset();
  char dir[96], wrep[160], rrep[160];
  if (make_fifos(dir, sizeof dir, 1) < 0) return;
  snprintf(wrep, sizeof wrep, "%s/writer.report", dir);
  snprintf(rrep, sizeof rrep, "%s/reader.report", dir);
  int rc;
  /* Either may start first: the scheduler interleaves them from their first
   * step. The parent holds no fd of the FIFO. */
  pid_t r = ipf_fork("reader");
  if (r == 0) {
    char *av[] = { "fifo-reader", path_a, rrep, NULL };
    ipf_exit(100 - ipf_exec_peer("fifo-reader", av));   /* returns only when the exec failed */
  }
  pid_t w = r < 0 ? -1 : ipf_fork("writer");
  if (w == 0) {
    char *av[] = { "fifo-writer", path_a, wrep, NULL };
    ipf_exit(100 - ipf_exec_peer("fifo-writer", av));
  }
  int e = errno, rs = 0, ws = 0;
  if (w > 0) ipf_waitpid(w, &ws, 0);
  if (r > 0) ipf_waitpid(r, &rs, 0);     /* without a writer, the reader times out and ends */
  if (r < 0 || w < 0) {
    ipf_fail("setup", "fork: %s", strerror(e));
  } else {
    judge("writer", w, ws);
    judge("reader", r, rs);
    struct unrel_report wr, rr;
    if ((rc = report_read(wrep, &wr)) < 0 || (rc = report_read(rrep, &rr)) < 0)
      ipf_fail("report", "a role exited without its report: %s", ipf_strerror(rc));
    for (long d = wr.faults + rr.faults; d > 0; d--) ipf__io_disrupted();
    char errs[330];
    snprintf(errs, sizeof errs, "%s%s%s", wr.err, *wr.err && *rr.err ? "; " : "", rr.err);
    ipf__stream_oracle("FIFO between unrelated processes", unrel_msgs, NUNREL, &rr.inbox, errs);
  }
  ipf_tmpdir_remove(dir);
  if (access(dir, F_OK) == 0) ipf_fail("leak", "directory %s still exists", dir);
}

#define FIFO_PLAN \
  "ipf/io/read = 30%short->5%eintr\n" \
  "ipf/io/write = 5%eintr\n" \
  "ipf/fifo/read = 3%eintr\n" \
  "ipf/fifo/write = 3%eintr->2%reset\n" \
  "ipf/fifo/open = 2%error(EACCES)"

const struct ipf__peer ipf__fifo_peers[] = {
  { "fifo-writer", fifo_writer_main },
  { "fifo-reader", fifo_reader_main },
};
const size_t ipf__fifo_npeers = sizeof ipf__fifo_peers / sizeof ipf__fifo_peers[0];

const ipf_scenario ipf__fifo_scenarios[] = {
  { "fifo/open-order-deadlock", IPF_EXPECT_BUG,
    "two FIFOs for a two-way talk, both sides open their read end first: deadlock",
    body, IPF_SC_FDS, IPF_BUG_FIFO_BLOCKING_OPEN, "ipf/io/read = 20%short" },
  { "fifo/early-eof", IPF_EXPECT_BUG,
    "reader stops at the first EOF while a second writer has not yet written: lost messages",
    body, IPF_SC_FDS, IPF_BUG_FIFO_EARLY_EOF,
    "ipf/io/read = 20%short\n"
    "ipf/fifo/open = 50%delay(3)" },
  { "fifo/framed", IPF_EXPECT_OK,
    "private directory, 0600, open ordering handled, EOF only after all writers, unlink",
    body, IPF_SC_FDS, 0, FIFO_PLAN },
  { "fifo/unrelated-processes", IPF_EXPECT_OK,
    "writer and reader processes that share no fd, only a FIFO path in a private 0600 directory",
    body_unrelated, IPF_SC_FDS | IPF_SC_FORKS, 0, FIFO_PLAN },
};
const size_t ipf__fifo_nscenarios = sizeof ipf__fifo_scenarios / sizeof ipf__fifo_scenarios[0];
