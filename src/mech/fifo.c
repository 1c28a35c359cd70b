/* Named pipes with framed messages (ipcfault/fifo.h).
 *
 * DESIGN. The two facts about FIFOs that this file is built around:
 * open(2) of either end blocks until the other end is opened, and read(2)
 * reports end of file whenever no writer is open at that moment. The first
 * makes two peers that each open their read end first deadlock; the reader
 * here opens non-blocking, which never waits, and only then opens anything
 * else. The second makes a reader that stops at the first end of file lose
 * the messages of a writer that had not opened yet; the reader here holds a
 * write end itself (the keepalive) until every expected writer has said
 * goodbye, so no premature end of file can be seen. A writer that dies
 * without its goodbye leaves the reader waiting, so every wait is bounded
 * and reported as -ETIMEDOUT: never a hang.
 * The two bug switches are the lines of open_reader marked IPF_BUG.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/fifo.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "../sched/internal.h"     /* ipf__exec_adopt */

struct ipf_fifo_reader {
  int fd;          /* read end */
  int keep;        /* keepalive write end, -1 once dropped */
  int nwriters;
  int byes;        /* goodbye frames seen */
};

int ipf_fifo_make(const char *dir, const char *name, char *path, size_t cap) {
  int k = snprintf(path, cap, "%s/%s", dir, name);
  if (k < 0 || (size_t)k >= cap) return -ENAMETOOLONG;
  return ipf_mkfifo(path, 0600);
}

static int set_blocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) return -errno;
  return 0;
}

int ipf_fifo_open_reader(const char *path, int nwriters, ipf_fifo_reader_t **out) {
  *out = NULL;
  if (nwriters < 1) return -EINVAL;
#ifdef IPF_FAULTS
  int fe = ipf__chan_open_fault(IPF_SITE_FIFO_OPEN);
  if (fe < 0) return fe;
#endif
  ipf_fifo_reader_t *r = calloc(1, sizeof *r);
  if (!r) return -ENOMEM;
  /* adopted at once: the opens below are scheduling points, where an
   * execution can be abandoned (the open-order deadlock); freed for it then,
   * its fds reaped by io.c */
  ipf__exec_adopt(r, free);
  r->keep = -1;
  r->nwriters = nwriters;
  int flags = O_RDONLY | O_NONBLOCK;
  if (IPF_BUG(IPF_BUG_FIFO_BLOCKING_OPEN))
    flags = O_RDONLY;   /* BUG: a blocking open waits for a writer; two peers that both open their read end first wait for each other */
  r->fd = ipf_open(path, flags, 0);
  if (r->fd < 0) { int e = r->fd; ipf__exec_disown(r); free(r); return e; }
  if (IPF_BUG(IPF_BUG_FIFO_EARLY_EOF)) {
    /* BUG: no write end of its own: end of file comes whenever no writer
     * happens to be open, even if one has not written yet. */
  } else {
    r->keep = ipf_open(path, O_WRONLY | O_NONBLOCK, 0);   /* our reader is open: cannot ENXIO */
    if (r->keep < 0) { int e = r->keep; ipf_close(r->fd); ipf__exec_disown(r); free(r); return e; }
  }
  int rc = set_blocking(r->fd);
  if (rc < 0) { ipf_fifo_close_reader(r); return rc; }
  if (r->keep >= 0) set_blocking(r->keep);
  *out = r;
  return 0;
}

int ipf_fifo_recv(ipf_fifo_reader_t *r, void *buf, size_t cap, size_t *len, long timeout_ms) {
  *len = 0;
  for (;;) {
    if (r->keep >= 0 && r->byes >= r->nwriters) {
      /* every writer said goodbye: from now on end of file is the truth */
      ipf_close(r->keep);
      r->keep = -1;
    }
    int rc = ipf_wait_fd(r->fd, POLLIN, timeout_ms);
    if (rc < 0) return rc;
#ifdef IPF_FAULTS
    if (ipf__chan_recv_fault(IPF_SITE_FIFO_READ, r->fd, &rc)) return rc;
#endif
    rc = ipf_frame_recv(r->fd, buf, cap, len, 0);
    if (rc == 1 && *len == 0) { r->byes++; continue; }
    return rc;
  }
}

int ipf_fifo_close_reader(ipf_fifo_reader_t *r) {
  if (!r) return 0;
  int rc = 0;
  if (r->keep >= 0) rc = ipf_close(r->keep);
  int rc2 = ipf_close(r->fd);
  ipf__exec_disown(r);
  free(r);
  return rc < 0 ? rc : rc2;
}

int ipf_fifo_open_writer(const char *path, long timeout_ms) {
#ifdef IPF_FAULTS
  int fe = ipf__chan_open_fault(IPF_SITE_FIFO_OPEN);
  if (fe < 0) return fe;
#endif
  return ipf_open_timeout(path, O_WRONLY, 0, timeout_ms);
}

int ipf_fifo_send(int fd, const void *msg, size_t len) {
  if (len == 0 || len > IPF_FIFO_MSG_MAX) return -EMSGSIZE;
#ifdef IPF_FAULTS
  long arg = 0;
  int act = ipf_fault(IPF_SITE_FIFO_WRITE, &arg);
  switch (act) {
  case IPF_ACT_ERROR: ipf__io_disrupted(); return -(arg > 0 ? (int)arg : EIO);
  case IPF_ACT_EINTR: return -EINTR;
  case IPF_ACT_EPIPE: ipf__io_disrupted(); return -EPIPE;
  case IPF_ACT_EOF: case IPF_ACT_RESET:
    ipf__io_disrupted();
    /* the writer dies between two frames (never inside one: other writers
     * share the stream, and a cut frame would corrupt theirs) */
    ipf_io_disconnect(fd);
    return -EPIPE;
  default: break;
  }
#endif
  return ipf_frame_send(fd, msg, len, 0);
}

int ipf_fifo_close_writer(int fd) {
  int rc = ipf_frame_send(fd, "", 0, 0);
  int rc2 = ipf_close(fd);
  return rc < 0 ? rc : rc2;
}
