/* Fault- and scheduler-aware I/O wrappers (ipcfault/io.h).
 *
 * DESIGN. Every wrapper is: scheduling point (controlled) or chaos delay,
 * then one fault decision, then the real syscall. Three worlds:
 *  - plain and chaos: the syscall as the caller asked for it, blocking in the
 *    kernel if it blocks.
 *  - controlled: no managed thread may sleep in the kernel, or the scheduler
 *    (which runs one thread at a time) would stop with it. So a call that
 *    would block first waits on the scheduler (IPF_WAIT_FD: the scheduler
 *    polls the fd with a zero timeout when it picks the next thread) and only
 *    then makes the syscall, which can no longer block. Writes are done with
 *    O_NONBLOCK (MSG_DONTWAIT for sockets) piece by piece, waiting for room
 *    between pieces, which is what a blocking write does in the kernel; the
 *    flag is restored before every wait so other threads sharing the file
 *    description never observe it. Readiness of a kernel object touched only
 *    by managed threads is a function of what those threads did, so the
 *    choice stream alone still determines the execution.
 *  - FIFO opens block in the kernel until the other side opens. In a
 *    controlled run the open is made non-blocking and the wait emulated from
 *    a small registry of the FIFOs opened through ipf_open (readers, writers,
 *    and a counter of writer opens, as Linux's fifo_open keeps), so a FIFO
 *    open-order deadlock is a deadlock the scheduler sees and reports.
 * The registry and the per-fd table are shared by managed threads that the
 * scheduler hands over without happens-before edges TSan can see, so every
 * field is accessed with relaxed atomics: the scheduler's handoff orders
 * them, and TSan stays quiet about the kit's own bookkeeping.
 * Fault handling is compiled only with IPF_FAULTS, so a build with faults off
 * carries no trace of it (the bench compares the two).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/sched.h"
#include "../sched/internal.h"

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_RELAXED)

/* ---- per-fd table and FIFO registry -------------------------------------- */

enum { K_NONE, K_PIPE_R, K_PIPE_W, K_FIFO_R, K_FIFO_W, K_FIFO_RW };

#define FD_TABLE 1024
static struct fdinfo {
  int kind;          /* K_* (set by the wrapper that created the fd) */
  int peer;          /* pipe: the other end's fd */
  int fifo;          /* K_FIFO_*: registry index */
  int external;      /* ipf_io_external */
  int owned;         /* opened by a managed thread of the current execution */
} fdt[FD_TABLE];

#define NFIFO 1024   /* abandoned (deadlocked) executions keep theirs for good */
static struct fifo_ent {
  unsigned long dev, ino;
  int refs;          /* registered fds + waiters; 0 = free slot */
  int readers, writers;
  unsigned wcount;   /* writer opens so far: a waiting reader wakes on a change */
} fifos_boot[NFIFO], *fifos = fifos_boot;
/* A FIFO's readers and writers may be in different processes of a run, so
 * the registry is shared by them (sched.c, "Processes"): each process maps
 * its own at its first controlled execution, before any fork of the run. */
static pid_t shared_pid;

static struct fdinfo *info(int fd) { return fd >= 0 && fd < FD_TABLE ? &fdt[fd] : NULL; }

static void fd_forget(int fd) {
  struct fdinfo *f = info(fd);
  if (!f) return;
  int k = LD(f->kind);
  if (k == K_FIFO_R || k == K_FIFO_W || k == K_FIFO_RW) {
    struct fifo_ent *e = &fifos[LD(f->fifo)];
    if (k != K_FIFO_W) ADD(e->readers, -1);
    if (k != K_FIFO_R) ADD(e->writers, -1);
    ADD(e->refs, -1);
  }
  if (k) ST(f->kind, K_NONE);
  if (LD(f->external)) ST(f->external, 0);
  if (LD(f->owned)) ST(f->owned, 0);
}

/* The execution is over and some of its threads were abandoned (deadlock,
 * hang): they will never close what they opened, so close it for them and
 * drop their FIFO registry entries. Without this, every deadlocked execution
 * would leak its fds and registry slots, and a long exploration in one
 * process would end in ENFILE. Called by the controller (sched.c). */
void ipf__io_reap(void) {
  for (int fd = 0; fd < FD_TABLE; fd++) {
    if (!LD(fdt[fd].owned)) continue;
    fd_forget(fd);
    close(fd);
  }
}

static void fd_set_kind(int fd, int kind, int peer) {
  struct fdinfo *f = info(fd);
  if (!f) return;
  ST(f->peer, peer);
  ST(f->kind, kind);
  ST(f->external, 0);
  ST(f->owned, ipf__world() == IPF_WORLD_CONTROLLED);
}

static int fifo_find(unsigned long dev, unsigned long ino) {
  for (int i = 0; i < NFIFO; i++)
    if (LD(fifos[i].refs) > 0 && LD(fifos[i].dev) == dev && LD(fifos[i].ino) == ino) return i;
  return -1;
}

/* Find or make the entry and take a reference; -1 when the table is full. */
static int fifo_ref(unsigned long dev, unsigned long ino) {
  int i = fifo_find(dev, ino);
  if (i < 0) {
    for (i = 0; i < NFIFO && LD(fifos[i].refs) > 0; i++) {}
    if (i == NFIFO) return -1;
    ST(fifos[i].dev, dev);
    ST(fifos[i].ino, ino);
    ST(fifos[i].readers, 0);
    ST(fifos[i].writers, 0);
    ST(fifos[i].wcount, 0u);
  }
  ADD(fifos[i].refs, 1);
  return i;
}

void ipf_io_external(int fd) {
  struct fdinfo *f = info(fd);
  if (f && ipf__world() == IPF_WORLD_CONTROLLED) ST(f->external, 1);
}

static int is_external(int fd) {
  struct fdinfo *f = info(fd);
  return f && LD(f->external);
}

/* ---- waiting ---------------------------------------------------------------- */

static __thread char why_buf[224];

/* Words for a deadlock report: what this fd is and who could still make it
 * ready. The scheduler prints them after its own "blocked in ... on fd N".
 * Its probes are the kit's, hidden from TSan (describe_fd). */
static const char *describe_fd_probe(int fd, short ev) {
  struct fdinfo *f = info(fd);
  int k = f ? LD(f->kind) : K_NONE;
  struct stat st;
  if (k == K_PIPE_R && (ev & POLLIN)) {
    int peer = LD(f->peer);
    struct stat ps;
    if (fstat(fd, &st) == 0 && fcntl(peer, F_GETFD) >= 0 && fstat(peer, &ps) == 0 && ps.st_ino == st.st_ino)
      snprintf(why_buf, sizeof why_buf, "pipe read end fd %d: empty, and its write end fd %d is still open "
               "in this process, so end of file cannot come", fd, peer);
    else
      snprintf(why_buf, sizeof why_buf, "pipe read end fd %d: empty, and a write end is still open", fd);
  } else if (k == K_PIPE_W) {
    snprintf(why_buf, sizeof why_buf, "pipe write end fd %d: full, nobody reads", fd);
  } else if (k == K_FIFO_R || k == K_FIFO_W) {
    snprintf(why_buf, sizeof why_buf, "FIFO fd %d: %s", fd,
             (ev & POLLIN) ? "empty, and a writer is still open" : "full, nobody reads");
  } else if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
    int acc = 0;
    socklen_t l = sizeof acc;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) == 0 && acc)
      snprintf(why_buf, sizeof why_buf, "listening socket fd %d: no client has connected", fd);
    else
      snprintf(why_buf, sizeof why_buf, "socket fd %d: %s", fd,
               (ev & POLLIN) ? "nothing received, and the peer has not closed" : "send buffer full");
  } else {
    snprintf(why_buf, sizeof why_buf, "fd %d: not ready", fd);
  }
  return why_buf;
}

static const char *describe_fd(int fd, short ev) {
  IPF_TSAN_IGNORE_BEGIN();
  const char *why = describe_fd_probe(fd, ev);
  IPF_TSAN_IGNORE_END();
  return why;
}

/* Who, among the run's processes, holds an end of the pipe or FIFO st
 * open for `acc` (O_RDONLY: a reader; O_WRONLY: a writer), as words
 * ("parent (pid 41) fd 3, child (pid 42) fd 4"); the count. Read from
 * /proc/PID/fd and fdinfo, so it sees what the kernel sees, inherited
 * copies included. For reports only. */
static int holders(const struct stat *st, int acc, char *out, size_t cap) {
  pid_t pids[64];
  const char *names[64];
  int np = ipf__run_procs(pids, names, 64), n = 0;
  size_t o = 0;
  out[0] = 0;
  for (int i = 0; i < np; i++) {
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pids[i]);
    DIR *d = opendir(dir);
    if (!d) continue;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      char path[320], info[4096];
      struct stat fs;
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      if (stat(path, &fs) < 0 || fs.st_ino != st->st_ino || fs.st_dev != st->st_dev) continue;
      if (ipf__proc_read(info, sizeof info, "/proc/%d/fdinfo/%s", (int)pids[i], e->d_name) < 0) continue;
      const char *fl = strstr(info, "flags:");
      if (!fl) continue;
      long flags = strtol(fl + 6, NULL, 8);
      int a = (int)(flags & O_ACCMODE);
      if (!(a == acc || a == O_RDWR)) continue;
      int w = snprintf(out + o, cap > o ? cap - o : 0, "%s%s (pid %d) fd %s", n ? ", " : "", names[i],
                       (int)pids[i], e->d_name);
      if (w > 0 && o + (size_t)w < cap) o += (size_t)w;
      n++;
    }
    closedir(d);
  }
  return n;
}

static __thread char explain_buf[400];

static const char *io_explain(int fd, short ev) {
  struct stat st;
  /* within one process, the words of the block (which name the fd of the
   * other end when this process holds it) say it all */
  if (!ipf__multiproc() || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) return describe_fd_probe(fd, ev);
  int guard = ipf__pt_guard;          /* the kit's own syscalls, past exec mode's interposers */
  ipf__pt_guard = 1;
  struct fdinfo *f = info(fd);
  int k = f ? LD(f->kind) : K_NONE;
  const char *what = k == K_FIFO_R || k == K_FIFO_W || k == K_FIFO_RW ? "FIFO" : "pipe";
  int unread = 0;
  if (ioctl(fd, FIONREAD, &unread) < 0) unread = -1;
  int size = fcntl(fd, F_GETPIPE_SZ);
  char who[300];
  if (ev & POLLOUT) {
    int n = holders(&st, O_RDONLY, who, sizeof who);
    snprintf(explain_buf, sizeof explain_buf, "%s full: %d of %d bytes unread; %s%s", what, unread, size,
             n == 0 ? "nobody holds its read end" : n == 1 ? "its only reader: " : "its readers: ", who);
  } else {
    int n = holders(&st, O_WRONLY, who, sizeof who);
    snprintf(explain_buf, sizeof explain_buf, "%s empty; %s%s%s", what,
             n == 1 ? "its only write end is held by " : "its write ends are held by ", who,
             " (end of file comes only once every write end is closed)");
  }
  ipf__pt_guard = guard;
  return explain_buf;
}

/* Called by whichever thread reports the deadlock, about another's fd. */
const char *ipf__io_explain(int fd, short ev) {
  IPF_TSAN_IGNORE_BEGIN();
  const char *why = io_explain(fd, ev);
  IPF_TSAN_IGNORE_END();
  return why;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A real wait in the kernel (plain, chaos, external fds). */
static int kernel_wait(int fd, short ev, long ms) {
  long end = ms >= 0 ? now_ms() + ms : 0;
  for (;;) {
    struct pollfd p = { .fd = fd, .events = ev };
    long left = ms >= 0 ? end - now_ms() : -1;
    if (ms >= 0 && left < 0) left = 0;
    int r = poll(&p, 1, ms >= 0 ? (int)(left > INT_MAX ? INT_MAX : left) : -1);
    if (r > 0) return 0;
    if (r == 0) return -ETIMEDOUT;
    if (errno != EINTR) return -errno;
  }
}

/* Wait until fd is ready for ev; no scheduling point of its own. */
static int wait_ready(int fd, short ev, long ms) {
  if (ipf__world() != IPF_WORLD_CONTROLLED || is_external(fd)) return kernel_wait(fd, ev, ms);
  struct pollfd p = { .fd = fd, .events = ev };
  if (poll(&p, 1, 0) > 0) return 0;
  ipf_set_wait_reason(describe_fd(fd, ev));
  return ipf__block(IPF_WAIT_FD, (const void *)(intptr_t)fd, ev, ms);
}

static void point(int w, const char *what) {
  if (w == IPF_WORLD_CONTROLLED) ipf__point(what, NULL);
  else if (w == IPF_WORLD_CHAOS) ipf__chaos_delay();
}
/* The point before a transfer on fd or a wait for it: dfs sees the object
 * behind fd, unless its peer is outside the run. */
static void point_fd(int w, const char *what, int fd) {
  if (w == IPF_WORLD_CONTROLLED) ipf__point_fd(what, is_external(fd) ? -1 : fd);
  else if (w == IPF_WORLD_CHAOS) ipf__chaos_delay();
}

int ipf_wait_fd(int fd, short events, long timeout_ms) {
  point_fd(ipf__world(), "ipf_wait_fd", fd);
  return wait_ready(fd, events, timeout_ms);
}

/* Really disconnect fd so that the peer sees it: shut a socket down both
 * ways; swap a pipe or FIFO end for the matching end of a fresh pipe whose
 * other end is already closed (the fd number stays the caller's, and the
 * original end is released, so its peer sees EOF or EPIPE). */
int ipf_io_disconnect(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  if (S_ISSOCK(st.st_mode)) return shutdown(fd, SHUT_RDWR) < 0 ? -errno : 0;
  if (!S_ISFIFO(st.st_mode)) return -EINVAL;
  int fl = fcntl(fd, F_GETFL);
  int p[2];
  if (fl < 0 || pipe(p) < 0) return -errno;
  int keep = (fl & O_ACCMODE) == O_WRONLY ? 1 : 0;
  close(p[1 - keep]);
  struct fdinfo *f = info(fd);
  int owned = f && LD(f->owned);
  fd_forget(fd);
  int rc = dup2(p[keep], fd) < 0 ? -errno : 0;
  close(p[keep]);
  /* still the execution's fd: an abandoned execution's reap must close it
   * (dropping `owned` here leaked one fd per such execution, and a long run
   * in one process drifted past FD_TABLE, where fds are not tracked at all) */
  if (f && owned) ST(f->owned, 1);
  return rc;
}

static long disruptions;
long ipf__io_disruptions(void) { return __atomic_load_n(&disruptions, __ATOMIC_RELAXED); }
void ipf__io_disruptions_reset(void) { __atomic_store_n(&disruptions, 0, __ATOMIC_RELAXED); }
void ipf__io_disrupted(void) { __atomic_add_fetch(&disruptions, 1, __ATOMIC_RELAXED); }

/* ---- faults -------------------------------------------------------------------- */

#ifdef IPF_FAULTS
#define GO 1

/* May a transfer of n bytes on fd be split? Not a write of at most PIPE_BUF
 * bytes to a pipe or FIFO (atomic by POSIX), not a message socket. */
static int splittable(int fd, size_t n, int writing) {
  if (n < 2) return 0;
  struct stat st;
  if (fstat(fd, &st) < 0) return 0;
  if (S_ISFIFO(st.st_mode)) return !writing || n > PIPE_BUF;
  if (S_ISSOCK(st.st_mode)) {
    int type = 0;
    socklen_t l = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0 && type == SOCK_STREAM;
  }
  return 1;
}

/* One fault decision for a transfer of *n bytes. Returns GO (with *n
 * possibly reduced) or the value the wrapper returns instead. */
static ssize_t fault_xfer(int site, int fd, size_t *n, int writing) {
  long arg = 0;
  int act = ipf_fault(site, &arg);
  switch (act) {
  case IPF_ACT_OFF: case IPF_ACT_DELAY: return GO;
  case IPF_ACT_ERROR: ipf__io_disrupted(); return -(arg > 0 ? arg : EIO);
  case IPF_ACT_EINTR: return -EINTR;
  case IPF_ACT_EPIPE: ipf__io_disrupted(); return -EPIPE;
  case IPF_ACT_SHORT:
    if (splittable(fd, *n, writing)) *n = ipf_fault_short_len(arg, *n);
    return GO;
  case IPF_ACT_EOF:
    ipf__io_disrupted();
    ipf_io_disconnect(fd);
    return writing ? -EPIPE : 0;
  case IPF_ACT_RESET:
    ipf__io_disrupted();
    ipf_io_disconnect(fd);
    return -ECONNRESET;
  default: return GO;
  }
}

/* Sites of calls that move no data: error, eintr (delay is done). */
static int fault_simple(int site) {
  long arg = 0;
  int act = ipf_fault(site, &arg);
  if (act == IPF_ACT_ERROR) { ipf__io_disrupted(); return -(arg > 0 ? arg : EIO); }
  if (act == IPF_ACT_EINTR) return -EINTR;
  return 0;
}
#endif

/* ---- data transfer ----------------------------------------------------------- */

static size_t iov_total(const struct iovec *iov, int cnt) {
  size_t t = 0;
  for (int i = 0; i < cnt; i++) t += iov[i].iov_len;
  return t;
}

#ifdef IPF_FAULTS
/* Cut a local iovec copy down to n bytes; returns the new count. */
static int iov_clamp(struct iovec *iov, int cnt, size_t n) {
  for (int i = 0; i < cnt; i++) {
    if (iov[i].iov_len >= n) { iov[i].iov_len = n; return i + 1; }
    n -= iov[i].iov_len;
  }
  return cnt;
}
#endif

/* Drop the first k bytes of a local iovec copy. */
static void iov_advance(struct iovec **iov, int *cnt, size_t k) {
  while (*cnt > 0 && k >= (*iov)->iov_len) { k -= (*iov)->iov_len; (*iov)++; (*cnt)--; }
  if (*cnt > 0) { (*iov)->iov_base = (char *)(*iov)->iov_base + k; (*iov)->iov_len -= k; }
}

static ssize_t sys_xfer(int writing, int sock, int fd, struct iovec *iov, int cnt, int flags) {
  if (sock) {
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
    return writing ? sendmsg(fd, &m, flags | MSG_NOSIGNAL) : recvmsg(fd, &m, flags);
  }
  if (cnt == 1) return writing ? write(fd, iov[0].iov_base, iov[0].iov_len) : read(fd, iov[0].iov_base, iov[0].iov_len);
  return writing ? writev(fd, iov, cnt) : readv(fd, iov, cnt);
}

/* Controlled run: a read that may not block in the kernel. */
static ssize_t ctl_read(int sock, int fd, struct iovec *iov, int cnt, int flags) {
  for (;;) {
    int nb = (flags & MSG_DONTWAIT) || (fcntl(fd, F_GETFL) & O_NONBLOCK);
    if (!nb) {
      int rc = wait_ready(fd, POLLIN, -1);
      if (rc < 0) return rc;
    }
    ssize_t r = sys_xfer(0, sock, fd, iov, cnt, sock ? flags | MSG_DONTWAIT : flags);
    if (r >= 0) return r;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && !nb) continue;
    return -errno;
  }
}

/* Controlled run: a blocking write emulated piecewise (see DESIGN). */
static ssize_t ctl_write(int sock, int fd, struct iovec *iov, int cnt, int flags) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return -errno;
  if ((fl & O_NONBLOCK) || (flags & MSG_DONTWAIT) || is_external(fd)) {
    ssize_t r = sys_xfer(1, sock, fd, iov, cnt, flags);
    return r < 0 ? -errno : r;
  }
  size_t want = iov_total(iov, cnt), done = 0;
  ssize_t err = 0;
  while (done < want || want == 0) {
    if (!sock) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    ssize_t r = sys_xfer(1, sock, fd, iov, cnt, sock ? flags | MSG_DONTWAIT : flags);
    int e = errno;
    if (!sock) fcntl(fd, F_SETFL, fl);
    if (r >= 0) {
      done += (size_t)r;
      if (want == 0) break;
      iov_advance(&iov, &cnt, (size_t)r);
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      int rc = wait_ready(fd, POLLOUT, -1);
      if (rc < 0) { err = rc; break; }
      continue;
    }
    err = -e;
    break;
  }
  return done ? (ssize_t)done : err;
}

static ssize_t xfer(const char *what, int site, int writing, int sock, int fd,
                    const struct iovec *iov0, int cnt, int flags) {
  (void)site;
  if (cnt < 1 || cnt > IOV_MAX) return -EINVAL;
  int w = ipf__world();
  point_fd(w, what, fd);
  struct iovec local[cnt];
  memcpy(local, iov0, sizeof local);
  struct iovec *iov = local;
#ifdef IPF_FAULTS
  size_t n = iov_total(iov, cnt), m = n;
  ssize_t f = fault_xfer(site, fd, &m, writing);
  if (f != GO) return f;
  if (m < n) cnt = iov_clamp(iov, cnt, m);
#endif
  if (w == IPF_WORLD_CONTROLLED)
    return writing ? ctl_write(sock, fd, iov, cnt, flags) : ctl_read(sock, fd, iov, cnt, flags);
  ssize_t r = sys_xfer(writing, sock, fd, iov, cnt, flags);
  return r < 0 ? -errno : r;
}

ssize_t ipf_read(int fd, void *buf, size_t n) {
  struct iovec v = { buf, n };
  return xfer("ipf_read", IPF_SITE_IO_READ, 0, 0, fd, &v, 1, 0);
}
ssize_t ipf_write(int fd, const void *buf, size_t n) {
  struct iovec v = { (void *)buf, n };
  return xfer("ipf_write", IPF_SITE_IO_WRITE, 1, 0, fd, &v, 1, 0);
}
ssize_t ipf_readv(int fd, const struct iovec *iov, int iovcnt) {
  return xfer("ipf_readv", IPF_SITE_IO_READ, 0, 0, fd, iov, iovcnt, 0);
}
ssize_t ipf_writev(int fd, const struct iovec *iov, int iovcnt) {
  return xfer("ipf_writev", IPF_SITE_IO_WRITE, 1, 0, fd, iov, iovcnt, 0);
}
ssize_t ipf_recv(int fd, void *buf, size_t n, int flags) {
  struct iovec v = { buf, n };
  return xfer("ipf_recv", IPF_SITE_IO_RECV, 0, 1, fd, &v, 1, flags);
}
ssize_t ipf_send(int fd, const void *buf, size_t n, int flags) {
  struct iovec v = { (void *)buf, n };
  return xfer("ipf_send", IPF_SITE_IO_SEND, 1, 1, fd, &v, 1, flags);
}
ssize_t ipf_sendv(int fd, const struct iovec *iov, int iovcnt, int flags) {
  return xfer("ipf_sendv", IPF_SITE_IO_SEND, 1, 1, fd, iov, iovcnt, flags);
}

ssize_t ipf_read_full(int fd, void *buf, size_t n, int flags) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = (flags & IPF_IO_SOCK) ? ipf_recv(fd, (char *)buf + got, n - got, 0)
                                      : ipf_read(fd, (char *)buf + got, n - got);
    if (r == -EINTR) continue;
    if (r < 0) return r;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

ssize_t ipf_write_full(int fd, const void *buf, size_t n, int flags) {
  size_t put = 0;
  while (put < n) {
    ssize_t r = (flags & IPF_IO_SOCK) ? ipf_send(fd, (const char *)buf + put, n - put, 0)
                                      : ipf_write(fd, (const char *)buf + put, n - put);
    if (r == -EINTR) continue;
    if (r < 0) return r;
    if (r == 0) return -EIO;      /* write(2) of n > 0 bytes never returns 0 */
    put += (size_t)r;
  }
  return (ssize_t)n;
}

/* ---- descriptors ---------------------------------------------------------------- */

#ifdef IPF_FAULTS
#define FAULT_SIMPLE(SITE) do { int f_ = fault_simple(IPF_SITE_##SITE); if (f_) return f_; } while (0)
#else
#define FAULT_SIMPLE(SITE) ((void)IPF_SITE_##SITE)
#endif

int ipf_pipe(int fds[2]) {
  point(ipf__world(), "ipf_pipe");
  FAULT_SIMPLE(IO_PIPE);
  if (pipe(fds) < 0) return -errno;
  fd_set_kind(fds[0], K_PIPE_R, fds[1]);
  fd_set_kind(fds[1], K_PIPE_W, fds[0]);
  return 0;
}

int ipf_close(int fd) {
  point(ipf__world(), "ipf_close");
  int rc = 0;
#ifdef IPF_FAULTS
  rc = fault_simple(IPF_SITE_IO_CLOSE);
#endif
  /* Linux releases the descriptor even when close reports an error (EINTR
   * included), so an injected error still closes: retrying would close a
   * descriptor some other thread may have been given meanwhile. */
  fd_forget(fd);
  if (close(fd) < 0 && rc == 0) rc = -errno;
  return rc;
}

int ipf_mkfifo(const char *path, mode_t mode) {
  point(ipf__world(), "ipf_mkfifo");
  FAULT_SIMPLE(IO_MKFIFO);
  return mkfifo(path, mode) < 0 ? -errno : 0;
}

int ipf_socket(int domain, int type, int protocol) {
  point(ipf__world(), "ipf_socket");
  FAULT_SIMPLE(IO_SOCKET);
  int fd = socket(domain, type, protocol);
  if (fd < 0) return -errno;
  fd_set_kind(fd, K_NONE, -1);
  return fd;
}

int ipf_bind(int fd, const struct sockaddr *addr, socklen_t len) {
  point(ipf__world(), "ipf_bind");
  FAULT_SIMPLE(IO_BIND);
  return bind(fd, addr, len) < 0 ? -errno : 0;
}

int ipf_listen(int fd, int backlog) {
  point(ipf__world(), "ipf_listen");
  FAULT_SIMPLE(IO_LISTEN);
  return listen(fd, backlog) < 0 ? -errno : 0;
}

int ipf_connect(int fd, const struct sockaddr *addr, socklen_t len) {
  point(ipf__world(), "ipf_connect");
  FAULT_SIMPLE(IO_CONNECT);
  /* AF_UNIX connect does not wait for accept(): it completes at once while
   * the listen backlog has room, so it needs no emulated wait. */
  return connect(fd, addr, len) < 0 ? -errno : 0;
}

int ipf_accept(int fd, struct sockaddr *addr, socklen_t *len) {
  int w = ipf__world();
  point(w, "ipf_accept");
  FAULT_SIMPLE(IO_ACCEPT);
  for (;;) {
    if (w == IPF_WORLD_CONTROLLED && !(fcntl(fd, F_GETFL) & O_NONBLOCK)) {
      int rc = wait_ready(fd, POLLIN, -1);
      if (rc < 0) return rc;
      int c = accept4(fd, addr, len, 0);
      if (c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (c < 0) return -errno;
      fd_set_kind(c, K_NONE, -1);
      return c;
    }
    int c = accept(fd, addr, len);
    if (c < 0) return -errno;
    fd_set_kind(c, K_NONE, -1);
    return c;
  }
}

/* ---- open, with FIFO opens emulated in controlled runs ---------------------------- */

/* What a thread blocked in a FIFO open waits for. The scheduler evaluates
 * the predicate on other threads, so the record is not on the waiter's
 * stack (TSan would see the stack reused) but in a slot per thread id,
 * accessed only with relaxed atomics. */
struct fifo_wait { unsigned long dev, ino; unsigned start; };
static struct fifo_wait fwaits[IPF_MAX_THREADS];

static struct fifo_wait *fifo_wait_slot(unsigned long dev, unsigned long ino, unsigned start) {
  int id = ipf_thread_self();
  struct fifo_wait *fw = &fwaits[id >= 0 && id < IPF_MAX_THREADS ? id : 0];
  ST(fw->dev, dev);
  ST(fw->ino, ino);
  ST(fw->start, start);
  return fw;
}

/* A reader waits for a writer: one is open now, or one opened since. */
static int pred_writer(const void *p) {
  const struct fifo_wait *fw = p;
  int i = fifo_find(LD(fw->dev), LD(fw->ino));
  return i >= 0 && (LD(fifos[i].writers) > 0 || LD(fifos[i].wcount) != LD(fw->start));
}
/* A writer waits for a reader (one waiting in open counts, as in Linux). */
static int pred_reader(const void *p) {
  const struct fifo_wait *fw = p;
  int i = fifo_find(LD(fw->dev), LD(fw->ino));
  return i >= 0 && LD(fifos[i].readers) > 0;
}

static void clear_nonblock(int fd, int flags) {
  if (!(flags & O_NONBLOCK)) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
}

static void fifo_register(int fd, int i, int kind) {
  if (kind != K_FIFO_W) ADD(fifos[i].readers, 1);
  if (kind != K_FIFO_R) { ADD(fifos[i].writers, 1); ADD(fifos[i].wcount, 1u); }
  struct fdinfo *f = info(fd);
  if (f) { ST(f->fifo, i); ST(f->external, 0); ST(f->kind, kind); ST(f->owned, ipf__world() == IPF_WORLD_CONTROLLED); }
}

/* Controlled run: every open goes through here, so that every FIFO end a
 * managed thread holds is in the registry (non-blocking opens included:
 * a waiting writer must see them). */
static int ctl_open(const char *path, int flags, mode_t mode, long ms) {
  int acc = flags & O_ACCMODE, wait = !(flags & O_NONBLOCK);
  int fd = open(path, flags | O_NONBLOCK, mode);
  if (fd < 0 && !(acc == O_WRONLY && errno == ENXIO && wait)) return -errno;
  struct stat st;
  if (fd >= 0 ? fstat(fd, &st) < 0 : stat(path, &st) < 0) {
    int e = -errno;
    if (fd >= 0) close(fd);
    return e;
  }
  if (!S_ISFIFO(st.st_mode)) { clear_nonblock(fd, flags); fd_set_kind(fd, K_NONE, -1); return fd; }
  unsigned long dev = (unsigned long)st.st_dev, ino = (unsigned long)st.st_ino;
  if (acc != O_WRONLY) {
    int i = fifo_ref(dev, ino);
    if (i < 0) { close(fd); return -ENFILE; }
    fifo_register(fd, i, acc == O_RDWR ? K_FIFO_RW : K_FIFO_R);
    if (acc == O_RDONLY && wait && LD(fifos[i].writers) == 0) {
      struct fifo_wait *fw = fifo_wait_slot(dev, ino, LD(fifos[i].wcount));
      snprintf(why_buf, sizeof why_buf, "opening FIFO %s for reading: no writer has opened it", path);
      ipf_set_wait_reason(why_buf);
      ipf__set_pred(pred_writer);
      if (ipf__block(IPF_WAIT_PRED, fw, 0, ms) < 0) {
        fd_forget(fd);
        close(fd);
        return -ETIMEDOUT;
      }
    }
    clear_nonblock(fd, flags);
    return fd;
  }
  /* O_WRONLY: retry the non-blocking open whenever a reader is there. */
  for (int tries = 0; fd < 0; tries++) {
    if (tries > 3) return -ENXIO;     /* the registry says a reader, the kernel none */
    snprintf(why_buf, sizeof why_buf, "opening FIFO %s for writing: no reader has opened it", path);
    ipf_set_wait_reason(why_buf);
    ipf__set_pred(pred_reader);
    if (ipf__block(IPF_WAIT_PRED, fifo_wait_slot(dev, ino, 0), 0, ms) < 0) return -ETIMEDOUT;
    fd = open(path, flags | O_NONBLOCK, mode);
    if (fd < 0 && errno != ENXIO) return -errno;
  }
  int i = fifo_ref(dev, ino);
  if (i < 0) { close(fd); return -ENFILE; }
  fifo_register(fd, i, K_FIFO_W);
  clear_nonblock(fd, flags);
  return fd;
}

/* Outside controlled runs: a FIFO writer open bounded in time. */
static int timed_open_writer(const char *path, int flags, mode_t mode, long ms) {
  long end = now_ms() + ms;
  for (;;) {
    int fd = open(path, flags | O_NONBLOCK, mode);
    if (fd >= 0) { clear_nonblock(fd, flags); return fd; }
    if (errno != ENXIO) return -errno;
    if (now_ms() >= end) return -ETIMEDOUT;
    struct timespec ts = { 0, 1000000L };
    nanosleep(&ts, NULL);
  }
}

int ipf_open_timeout(const char *path, int flags, mode_t mode, long timeout_ms) {
  int w = ipf__world();
  point(w, "ipf_open");
  FAULT_SIMPLE(IO_OPEN);
  if (w == IPF_WORLD_CONTROLLED) return ctl_open(path, flags, mode, timeout_ms);
  if ((flags & O_ACCMODE) == O_WRONLY && !(flags & O_NONBLOCK) && timeout_ms >= 0)
    return timed_open_writer(path, flags, mode, timeout_ms);
  int fd = open(path, flags, mode);
  if (fd < 0) return -errno;
  fd_set_kind(fd, K_NONE, -1);
  return fd;
}

int ipf_open(const char *path, int flags, mode_t mode) {
  return ipf_open_timeout(path, flags, mode, -1);
}

/* ---- private directories ------------------------------------------------------- */

/* DESIGN. Every private directory of a process tree lives in one parent,
 * $TMPDIR/ipcfault-PID-RANDOM (mode 0700), whose name the first process
 * chooses when the library is loaded; forked children (campaign cells,
 * --isolate children, criterion's test processes) inherit the name and put
 * theirs in the same parent. So cleanup never depends on a run reaching its
 * own ipf_tmpdir_remove:
 *  - at the end of every execution, ipf_exec removes the directories the
 *    execution made that are still there (an execution abandoned in a
 *    deadlock never gets to its cleanup; a campaign cell _exits without
 *    atexit handlers);
 *  - the owner (the process that chose the name) removes the whole parent
 *    at exit, and ipf_tmpdir_cleanup does it from a signal path, so what a
 *    killed child left is gone too;
 *  - a child whose owner is already gone removes the parent itself;
 *  - a parent whose process died without cleanup (a crash) is removed by
 *    the next process that loads the library.
 * The parent's name is unpredictable (getrandom) and a parent that exists
 * already is used only if it is a directory of ours with mode 0700.
 * Slots of the still-to-remove list are claimed with a CAS, so threads of
 * any world may create directories without a lock (a lock would add
 * happens-before edges that hide the program's races from TSan). */
#define NTMP 256
/* Shared by the processes of a run like the FIFO registry, so that the
 * root's end of execution removes what a child made and never removed
 * (a killed child); `root` is whose execution it belongs to, `pid` who
 * made it (only the maker removes it at its exit). */
struct tmpslot { int used; int in_run; pid_t pid, root; char path[128]; };
static struct tmpslot tmpdirs_boot[NTMP], *tmpdirs = tmpdirs_boot;
static char tmp_base[96];
static pid_t tmp_owner;

static void tmpdirs_at_exit(void);

static void rm_tree_at(int parent, const char *name);

/* Parents left by processes of ours that died without cleaning up (a crash,
 * abort, SIGKILL): removed by the next process that loads the library. */
static void sweep_dead_parents(const char *base) {
  int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  DIR *d = fdopendir(dfd);
  if (!d) { close(dfd); return; }
  struct dirent *e;
  while ((e = readdir(d))) {
    long pid;
    unsigned r;
    char tail;
    if (sscanf(e->d_name, "ipcfault-%ld-%8x%c", &pid, &r, &tail) != 2 || strlen(e->d_name) < 20 || pid <= 0) continue;
    struct stat st;
    if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;     /* alive, or not ours to ask */
    rm_tree_at(dfd, e->d_name);
  }
  closedir(d);
}

void ipf__io_init(void);
__attribute__((constructor)) static void tmp_base_init(void) { ipf__io_init(); }

/* Also called by a peer image before the constructors run (sched.c). */
void ipf__io_init(void) {
  static int done;
  if (done++) return;
  const char *base = getenv("TMPDIR");
  if (!base || !*base || strlen(base) > 40) base = "/tmp";
  sweep_dead_parents(base);
  unsigned r = 0;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r) r = (unsigned)time(NULL) ^ (unsigned)getpid() << 16;
  tmp_owner = getpid();
  snprintf(tmp_base, sizeof tmp_base, "%s/ipcfault-%ld-%08x", base, (long)tmp_owner, r);
  atexit(tmpdirs_at_exit);
}

/* Remove dir and everything below it (FIFOs, sockets, subdirectories). */
static void rm_tree_at(int parent, const char *name) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    DIR *d = fdopendir(fd);
    if (d) {
      struct dirent *e;
      while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (unlinkat(fd, e->d_name, 0) < 0 && (errno == EISDIR || errno == EPERM)) rm_tree_at(fd, e->d_name);
      }
      closedir(d);
    } else {
      close(fd);
    }
  }
  unlinkat(parent, name, AT_REMOVEDIR);
}
static void rm_tree(const char *dir) { rm_tree_at(AT_FDCWD, dir); }

static int owner_gone(void) { return kill(tmp_owner, 0) < 0 && errno == ESRCH; }

void ipf_tmpdir_cleanup(void) {
  if (getpid() == tmp_owner || owner_gone()) rm_tree(tmp_base);
}

static void tmpdirs_at_exit(void) {
  for (int i = 0; i < NTMP; i++)
    if (__atomic_load_n(&tmpdirs[i].used, __ATOMIC_ACQUIRE) == 2 && tmpdirs[i].pid == getpid())
      rm_tree(tmpdirs[i].path);
  ipf_tmpdir_cleanup();
}

/* The parent, made on first use: 0, or a negative errno. */
static int tmp_base_make(void) {
  if (mkdir(tmp_base, 0700) == 0) return 0;
  if (errno != EEXIST) return -errno;
  struct stat st;
  if (lstat(tmp_base, &st) < 0) return -errno;
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0777) != 0700) return -EEXIST;
  return 0;
}

int ipf_tmpdir(char *dir, size_t cap) {
  char t[128];
  int k = snprintf(t, sizeof t, "%s/XXXXXX", tmp_base);
  if (k < 0 || (size_t)k >= cap || (size_t)k >= sizeof t) return -ENAMETOOLONG;
  int rc = tmp_base_make();
  if (rc < 0) return rc;
  if (!mkdtemp(t)) return -errno;      /* mkdtemp creates it 0700 */
  snprintf(dir, cap, "%s", t);
  int in_run = ipf__world() != IPF_WORLD_PLAIN;
  for (int i = 0; i < NTMP; i++) {
    int z = 0;
    if (__atomic_compare_exchange_n(&tmpdirs[i].used, &z, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      snprintf(tmpdirs[i].path, sizeof tmpdirs[i].path, "%s", t);
      tmpdirs[i].in_run = in_run;
      tmpdirs[i].pid = getpid();
      tmpdirs[i].root = ipf__run_root();
      __atomic_store_n(&tmpdirs[i].used, 2, __ATOMIC_RELEASE);
      break;
    }
  }
  return 0;
}

/* Forget slot i and remove its directory, unless another thread does. */
static void tmp_slot_remove(int i) {
  int two = 2;
  if (__atomic_compare_exchange_n(&tmpdirs[i].used, &two, 3, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
    rm_tree(tmpdirs[i].path);
    __atomic_store_n(&tmpdirs[i].used, 0, __ATOMIC_RELEASE);
  }
}

int ipf_tmpdir_remove(const char *dir) {
  for (int i = 0; i < NTMP; i++) {
    if (__atomic_load_n(&tmpdirs[i].used, __ATOMIC_ACQUIRE) == 2 && !strcmp(tmpdirs[i].path, dir)) {
      tmp_slot_remove(i);
      return 0;
    }
  }
  rm_tree(dir);
  return 0;
}

/* The execution is over (sched.c, every mode): whatever directory its
 * threads made and did not remove goes now. */
static void tmp_reap(void) {
  int any = 0;
  for (int i = 0; i < NTMP; i++)
    if (__atomic_load_n(&tmpdirs[i].used, __ATOMIC_ACQUIRE) == 2 && tmpdirs[i].in_run &&
        tmpdirs[i].root == getpid()) {
      tmp_slot_remove(i);
      any = 1;
    }
  if (any && getpid() != tmp_owner && owner_gone()) rmdir(tmp_base);
}

void ipf__io_exec_begin(void) {
  if (shared_pid == getpid()) return;
  int cf, ct;
  struct fifo_ent *f = ipf__shared_get(IPF_SHK_FIFO, sizeof fifos_boot, &cf);
  struct tmpslot *t = ipf__shared_get(IPF_SHK_TMP, sizeof tmpdirs_boot, &ct);
  if (!f || !t) return;               /* one process per run keeps working without them */
  /* a process forked outside a run (a campaign's cell) after its parent's
   * runs: its views point into the parent's mapping, which sched.c's
   * state_map has just unmapped in this copy; what it knew is its own
   * tables from before any run */
  if (shared_pid) { fifos = fifos_boot; tmpdirs = tmpdirs_boot; }
  /* made now: what this process knew so far goes in; found (a peer image):
   * it is the run's already */
  if (cf) memcpy(f, fifos, sizeof fifos_boot);
  if (ct) memcpy(t, tmpdirs, sizeof tmpdirs_boot);
  fifos = f;
  tmpdirs = t;
  shared_pid = getpid();
}

void ipf__io_exec_end(int abandoned) {
  if (abandoned) ipf__io_reap();
  else
    /* every execution starts with no fd owned: one that a finished
     * execution left open (its oracle reports the leak) is not the next
     * execution's to close */
    for (int fd = 0; fd < FD_TABLE; fd++) if (LD(fdt[fd].owned)) ST(fdt[fd].owned, 0);
  tmp_reap();
}
