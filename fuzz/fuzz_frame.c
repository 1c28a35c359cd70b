/* Fuzz the frame decoders of the byte-stream channels: the pipe channel
 * (ipf_pipe_recv), the FIFO reader (ipf_fifo_recv: goodbye frames and the
 * keepalive), Unix stream sockets (ipf__frame_recv, with and without the
 * bug variant's keep_partial) and SOCK_SEQPACKET records (ipf_uds_recv).
 *
 * DESIGN. Input: byte 0 picks the channel (bits 0-1), keep_partial (bit 2)
 * and the FIFO's writer count (bits 3-4, 1..4); bytes 1-2 the receive
 * buffer's capacity (little endian); the rest is what the peer wrote — the
 * raw stream, or for seqpacket a list of records, each a length byte and
 * that many bytes (empty records are skipped: ipf_uds_send refuses them).
 * The bytes are written into a real pipe/FIFO/socketpair, the write side is
 * closed, and the decoder is called until it ends. A reference decoder over
 * the same bytes says what every call must return — 1 with exactly the
 * next frame's bytes, 0 at a clean end, IPF_ETRUNC for a cut frame,
 * IPF_EFRAME for a length over the limit or the buffer — and any
 * difference, or a reported length over the capacity, aborts. The FIFO
 * reader blocks, by design, on a cut frame while it still holds its
 * keepalive (writes of at most PIPE_BUF bytes are atomic, so a real writer
 * cannot leave one); the model skips those inputs instead of hanging.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "ipcfault/error.h"
#include "ipcfault/fifo.h"
#include "ipcfault/io.h"
#include "ipcfault/pipe.h"
#include "ipcfault/uds.h"

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "fuzz_frame: " __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)
#define MAX_STREAM 60000     /* fits a pipe's and a socket's default buffer */

enum { CH_PIPE, CH_FIFO, CH_STREAM, CH_SEQPACKET };

static char fifo_dir[256], fifo_path[512];

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The reference: what the next frame decode of s[*off..n) must return. */
static int ref_next(const uint8_t *s, size_t n, size_t *off, size_t cap, int keep_partial,
                    const uint8_t **msg, size_t *len) {
  size_t left = n - *off;
  *len = 0;
  if (left == 0) return 0;
  if (left < IPF_FRAME_HDR) { *off = n; return IPF_ETRUNC; }
  uint32_t l = be32(s + *off);
  if (l > IPF_FRAME_MAX || l > cap) return IPF_EFRAME;
  *msg = s + *off + IPF_FRAME_HDR;
  if (left - IPF_FRAME_HDR < l) {
    *off = n;
    if (!keep_partial) return IPF_ETRUNC;
    *len = left - IPF_FRAME_HDR;
    return 1;
  }
  *len = l;
  *off += IPF_FRAME_HDR + l;
  return 1;
}

static void write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    CHECK(k > 0, "harness: write: %s", strerror(errno));
    p += k;
    n -= (size_t)k;
  }
}

static void check_frame(int rc, int want, const uint8_t *buf, size_t len, const uint8_t *msg, size_t wlen,
                        size_t cap, int call) {
  CHECK(rc == want, "call %d returned %d, the reference says %d", call, rc, want);
  CHECK(len <= cap, "call %d: length %zu over the capacity %zu", call, len, cap);
  if (rc == 1) {
    CHECK(len == wlen, "call %d: length %zu, the reference says %zu", call, len, wlen);
    CHECK(!len || !memcmp(buf, msg, len), "call %d: the message bytes differ from the stream's", call);
  }
}

/* pipe, unix stream: the whole stream, then end of file */
static void run_stream(int ch, int keep, const uint8_t *s, size_t n, size_t cap, uint8_t *buf) {
  int fd[2];
  if (ch == CH_PIPE) CHECK(pipe(fd) == 0, "harness: pipe");
  else CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0, "harness: socketpair");
  write_all(fd[1], s, n);
  close(fd[1]);
  size_t off = 0;
  for (int call = 1;; call++) {
    const uint8_t *msg = NULL;
    size_t wlen, len = 7;
    int want = ref_next(s, n, &off, cap, ch == CH_STREAM && keep, &msg, &wlen);
    int rc = ch == CH_PIPE ? ipf_pipe_recv(fd[0], buf, cap, &len)
                           : ipf__frame_recv(fd[0], buf, cap, &len, IPF_IO_SOCK, keep);
    check_frame(rc, want, buf, len, msg, wlen, cap, call);
    if (rc != 1) break;
  }
  close(fd[0]);
}

/* FIFO: nw writers' goodbyes (empty frames) drop the keepalive */
static void run_fifo(int nw, const uint8_t *s, size_t n, size_t cap, uint8_t *buf) {
  /* model first: skip the inputs on which the reader would block forever */
  size_t off = 0;
  int byes = 0;
  for (;;) {
    const uint8_t *msg;
    size_t wlen;
    size_t before = off;
    int want = ref_next(s, n, &off, cap, 0, &msg, &wlen);
    if (want == IPF_ETRUNC && byes < nw) return;       /* cut frame, keepalive open */
    if (want == 0 && byes < nw) break;                 /* drained, still waiting: -ETIMEDOUT */
    if (want != 1) break;
    if (wlen == 0) byes++;
    (void)before;
  }
  ipf_fifo_reader_t *r;
  CHECK(ipf_fifo_open_reader(fifo_path, nw, &r) == 0, "harness: open reader");
  int w = open(fifo_path, O_WRONLY | O_NONBLOCK);
  CHECK(w >= 0, "harness: open writer: %s", strerror(errno));
  write_all(w, s, n);
  close(w);
  off = 0;
  byes = 0;
  for (int call = 1;; call++) {
    const uint8_t *msg = NULL;
    size_t wlen, len = 7;
    int want;
    for (;;) {          /* the reader consumes goodbyes itself */
      want = ref_next(s, n, &off, cap, 0, &msg, &wlen);
      if (want == 1 && wlen == 0) { byes++; continue; }
      break;
    }
    if (want == 0 && byes < nw) want = -ETIMEDOUT;
    int rc = ipf_fifo_recv(r, buf, cap, &len, 0);
    check_frame(rc, want, buf, len, msg, wlen, cap, call);
    if (rc != 1) break;
  }
  ipf_fifo_close_reader(r);
}

/* SOCK_SEQPACKET: records as they were sent */
static void run_seqpacket(const uint8_t *s, size_t n, size_t cap, uint8_t *buf) {
  int fd[2];
  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fd) == 0, "harness: socketpair");
  const uint8_t *rec[256];
  size_t rlen[256];
  int nrec = 0;
  for (size_t i = 0; i < n && nrec < 256;) {
    size_t k = s[i++];
    if (k > n - i) k = n - i;
    if (k) {
      /* non-blocking: a full socket buffer ends the list (each record costs
       * far more buffer than its bytes; blocking here hung the harness) */
      ssize_t w = send(fd[1], s + i, k, MSG_DONTWAIT);
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      CHECK(w == (ssize_t)k, "harness: send: %s", w < 0 ? strerror(errno) : "short");
      rec[nrec] = s + i;
      rlen[nrec++] = k;
    }
    i += k;
  }
  close(fd[1]);
  ipf_uds_conn c = { fd[0], SOCK_SEQPACKET };
  for (int i = 0;; i++) {
    size_t len = 7;
    int rc = ipf_uds_recv(&c, buf, cap, &len);
    int want = i == nrec ? 0 : rlen[i] > cap ? IPF_EFRAME : 1;
    check_frame(rc, want, buf, len, i < nrec ? rec[i] : NULL, i < nrec ? rlen[i] : 0, cap, i + 1);
    if (rc != 1) break;
  }
  close(fd[0]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  CHECK(ipf_tmpdir(fifo_dir, sizeof fifo_dir) == 0, "harness: tmpdir");
  CHECK(ipf_fifo_make(fifo_dir, "f", fifo_path, sizeof fifo_path) == 0, "harness: mkfifo");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!fifo_path[0]) LLVMFuzzerInitialize(NULL, NULL);
  if (size < 3) return 0;
  int ch = data[0] & 3, keep = (data[0] >> 2) & 1, nw = 1 + ((data[0] >> 3) & 3);
  size_t cap = (size_t)data[1] | (size_t)data[2] << 8;
  const uint8_t *s = data + 3;
  size_t n = size - 3 > MAX_STREAM ? MAX_STREAM : size - 3;
  /* an exact-size buffer: ASan sees any write past cap */
  uint8_t *buf = malloc(cap ? cap : 1);
  switch (ch) {
  case CH_PIPE: case CH_STREAM: run_stream(ch, keep, s, n, cap, buf); break;
  case CH_FIFO: run_fifo(nw, s, n, cap, buf); break;
  default: run_seqpacket(s, n, cap, buf); break;
  }
  free(buf);
  return 0;
}
