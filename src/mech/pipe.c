/* Framed messages over byte streams, and the pipe channel (ipcfault/pipe.h).
 *
 * DESIGN. The header and the payload go out in one writev/sendmsg, so a
 * frame of at most PIPE_BUF bytes is one atomic write on a pipe or FIFO
 * (several writers never interleave inside it), and a large frame costs one
 * syscall per kernel-sized piece, not one per header. The reader reads the
 * 4-byte header fully, then exactly the payload, straight into the caller's
 * buffer: no intermediate copy, two reads per frame. Every loop retries
 * short transfers and EINTR and nothing else; every other error ends the
 * call and is returned, because a stream that failed mid-frame cannot be
 * resynchronised. Lengths are checked against both IPF_FRAME_MAX and the
 * caller's buffer before a byte of payload is read, so a corrupt header can
 * never make the reader allocate or overrun.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/pipe.h"
#include "ipcfault/sched.h"

static void put_be32(unsigned char *h, uint32_t n) {
  h[0] = (unsigned char)(n >> 24); h[1] = (unsigned char)(n >> 16);
  h[2] = (unsigned char)(n >> 8);  h[3] = (unsigned char)n;
}
static uint32_t get_be32(const unsigned char *h) {
  return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Write all of iov (a local copy: it is advanced in place). */
static int send_iov(int fd, struct iovec *iov, int cnt, int flags) {
  while (cnt > 0) {
    ssize_t r = (flags & IPF_IO_SOCK) ? ipf_sendv(fd, iov, cnt, 0) : ipf_writev(fd, iov, cnt);
    if (r == -EINTR) continue;
    if (r < 0) return (int)r;
    size_t k = (size_t)r;
    while (cnt > 0 && k >= iov->iov_len) { k -= iov->iov_len; iov++; cnt--; }
    if (cnt > 0) { iov->iov_base = (char *)iov->iov_base + k; iov->iov_len -= k; }
  }
  return 0;
}

int ipf_frame_send(int fd, const void *msg, size_t len, int flags) {
  if (len > IPF_FRAME_MAX) return -EMSGSIZE;
  unsigned char h[IPF_FRAME_HDR];
  put_be32(h, (uint32_t)len);
  struct iovec iov[2] = { { h, sizeof h }, { (void *)msg, len } };
  return send_iov(fd, iov, len ? 2 : 1, flags);
}

int ipf__frame_send_cut(int fd, const void *msg, size_t len, size_t cut, int flags) {
  unsigned char h[IPF_FRAME_HDR];
  put_be32(h, (uint32_t)len);
  size_t hc = cut < sizeof h ? cut : sizeof h, pc = cut - hc;
  if (pc > len) pc = len;
  struct iovec iov[2] = { { h, hc }, { (void *)msg, pc } };
  int rc = send_iov(fd, iov, pc ? 2 : 1, flags);
  ipf_io_disconnect(fd);
  ipf_note("writer disconnected after %zu of %zu frame bytes", hc + pc, sizeof h + len);
  return rc < 0 ? rc : (flags & IPF_IO_SOCK) ? -ECONNRESET : -EPIPE;
}

int ipf__frame_recv(int fd, void *buf, size_t cap, size_t *len, int flags, int keep_partial) {
  unsigned char h[IPF_FRAME_HDR];
  *len = 0;
  ssize_t r = ipf_read_full(fd, h, sizeof h, flags);
  if (r < 0) return (int)r;
  if (r == 0) return 0;
  if ((size_t)r < sizeof h) return IPF_ETRUNC;
  uint32_t n = get_be32(h);
  if (n > IPF_FRAME_MAX || n > cap) return IPF_EFRAME;
  r = ipf_read_full(fd, buf, n, flags);
  if (r < 0) return (int)r;
  if ((size_t)r < n) {
    if (keep_partial) { *len = (size_t)r; return 1; }
    return IPF_ETRUNC;
  }
  *len = n;
  return 1;
}

int ipf_frame_recv(int fd, void *buf, size_t cap, size_t *len, int flags) {
  return ipf__frame_recv(fd, buf, cap, len, flags, 0);
}

int ipf_frame_send_raw(int fd, const void *msg, size_t len) {
  if (len > IPF_FRAME_MAX) return -EMSGSIZE;
  unsigned char h[IPF_FRAME_HDR];
  put_be32(h, (uint32_t)len);
  struct iovec v[2] = { { h, sizeof h }, { (void *)msg, len } };
  struct iovec *iov = v;
  int cnt = len ? 2 : 1;
  while (cnt > 0) {
    ssize_t r = writev(fd, iov, cnt);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    size_t k = (size_t)r;
    while (cnt > 0 && k >= iov->iov_len) { k -= iov->iov_len; iov++; cnt--; }
    if (cnt > 0) { iov->iov_base = (char *)iov->iov_base + k; iov->iov_len -= k; }
  }
  return 0;
}

/* ---- the pipe channel ------------------------------------------------------- */

#ifdef IPF_FAULTS
/* Where a dying writer cuts a frame of len payload bytes: inside the payload
 * when there is one (so a reader that accepts partial frames shows it),
 * else inside the header. From the choice stream: replayable. */
static size_t cut_point(long arg, size_t len, int act) {
  size_t total = IPF_FRAME_HDR + len;
  if (act == IPF_ACT_SHORT && arg > 0) return (size_t)arg < total ? (size_t)arg : total - 1;
  if (len >= 2) return IPF_FRAME_HDR + 1 + ipf_choose((unsigned)(len - 1));
  return 1 + ipf_choose(IPF_FRAME_HDR - 1);
}

int ipf__chan_send_fault(int site, int fd, const void *msg, size_t len, int flags, int *rc) {
  long arg = 0;
  int act = ipf_fault(site, &arg);
  if (act == IPF_ACT_ERROR || act == IPF_ACT_EPIPE || act == IPF_ACT_SHORT || act == IPF_ACT_EOF ||
      act == IPF_ACT_RESET)
    ipf__io_disrupted();
  switch (act) {
  case IPF_ACT_ERROR: *rc = -(arg > 0 ? (int)arg : EIO); return 1;
  case IPF_ACT_EINTR: *rc = -EINTR; return 1;
  case IPF_ACT_EPIPE: *rc = -EPIPE; return 1;
  case IPF_ACT_SHORT: case IPF_ACT_EOF: case IPF_ACT_RESET:
    *rc = ipf__frame_send_cut(fd, msg, len, cut_point(arg, len, act), flags);
    return 1;
  default: return 0;
  }
}

int ipf__chan_open_fault(int site) {
  long arg = 0;
  int act = ipf_fault(site, &arg);
  if (act == IPF_ACT_ERROR) { ipf__io_disrupted(); return -(arg > 0 ? (int)arg : EIO); }
  if (act == IPF_ACT_EINTR) return -EINTR;
  return 0;
}

int ipf__chan_recv_fault(int site, int fd, int *rc) {
  long arg = 0;
  int act = ipf_fault(site, &arg);
  if (act == IPF_ACT_ERROR || act == IPF_ACT_EOF || act == IPF_ACT_RESET) ipf__io_disrupted();
  switch (act) {
  case IPF_ACT_ERROR: *rc = -(arg > 0 ? (int)arg : EIO); return 1;
  case IPF_ACT_EINTR: *rc = -EINTR; return 1;
  case IPF_ACT_EOF: ipf_io_disconnect(fd); *rc = 0; return 1;
  case IPF_ACT_RESET: ipf_io_disconnect(fd); *rc = -ECONNRESET; return 1;
  default: return 0;
  }
}
#endif

int ipf_pipe_send(int wfd, const void *msg, size_t len) {
#ifdef IPF_FAULTS
  int rc;
  if (ipf__chan_send_fault(IPF_SITE_PIPE_WRITE, wfd, msg, len, 0, &rc)) return rc;
#endif
  return ipf_frame_send(wfd, msg, len, 0);
}

int ipf_pipe_recv(int rfd, void *buf, size_t cap, size_t *len) {
  *len = 0;
#ifdef IPF_FAULTS
  int rc;
  if (ipf__chan_recv_fault(IPF_SITE_PIPE_READ, rfd, &rc)) return rc;
#endif
  return ipf_frame_recv(rfd, buf, cap, len, 0);
}
