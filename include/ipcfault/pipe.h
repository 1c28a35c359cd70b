/* ipcfault/pipe.h — framed messages over byte streams, and the pipe channel.
 *
 * A byte stream (pipe, FIFO, stream socket) has no message boundaries: one
 * read may return part of a message or several at once. A frame is a 4-byte
 * big-endian length followed by that many bytes; the reader reads the
 * header fully, checks the length, then reads the payload fully. So short
 * reads and writes and EINTR are survived, and the end of the stream is told
 * apart from a broken one:
 *   clean end of file between frames   -> 0
 *   end of file inside a frame          -> IPF_ETRUNC (never a partial message)
 *   length over the limit or the buffer -> IPF_EFRAME (the stream is unusable)
 *   a reader gone (EPIPE)               -> -EPIPE, never SIGPIPE on sockets;
 *                                          ignore SIGPIPE for pipes
 * The pipe channel is the framing over pipe(2) with its own fault sites
 * (ipf/pipe/write, ipf/pipe/read): error(E), eintr, delay, and on the write
 * side reset/eof/short: the writer dies mid-frame (a prefix of the frame
 * goes out, then the write end is disconnected).
 */
#ifndef IPCFAULT_PIPE_H
#define IPCFAULT_PIPE_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPF_FRAME_HDR 4
#define IPF_FRAME_MAX (16u << 20)    /* 16 MiB: larger lengths are malformed */

/* Bug switches of the pipe family (IPF_BUG). */
#define IPF_BUG_PIPE_ONE_READ       0x100u  /* one read() is taken as one message, no framing */
#define IPF_BUG_PIPE_UNCLOSED_WRITE 0x200u  /* the reader's side keeps a write end open */
#define IPF_BUG_PIPE_WAIT_BEFORE_DRAIN 0x400u  /* the parent waitpid()s its writer child before reading */
#define IPF_BUG_PIPE_CHILD_KEEPS_WRITE 0x800u  /* the reading child keeps its inherited write end */
#define IPF_BUG_PIPE_READER_EXITS   0x4000u /* the reader process exits after one message; the
                                              * writer does not ignore SIGPIPE */

/* Send one frame on fd (IPF_IO_SOCK in flags: a stream socket, sent with
 * MSG_NOSIGNAL). Retries short writes and EINTR. 0 or a negative errno;
 * -EMSGSIZE when len > IPF_FRAME_MAX. */
int ipf_frame_send(int fd, const void *msg, size_t len, int flags);
/* Receive one frame into buf (cap bytes). Returns 1 with *len set, 0 at a
 * clean end of file, IPF_ETRUNC, IPF_EFRAME or a negative errno. */
int ipf_frame_recv(int fd, void *buf, size_t cap, size_t *len, int flags);
/* ipf_frame_recv that, when keep_partial is set, hands back what arrived of
 * a truncated frame as if it were whole. Only a bug variant sets it
 * (uds/truncated-frame-accepted). */
int ipf__frame_recv(int fd, void *buf, size_t cap, size_t *len, int flags, int keep_partial);
/* Send a prefix of a frame (cut bytes of header+payload), then disconnect
 * fd: a writer dying mid-message. Returns the error the writer would see. */
int ipf__frame_send_cut(int fd, const void *msg, size_t len, size_t cut, int flags);

/* Mechanism-level fault sites of the byte-stream channels (pipe, fifo, uds).
 * Each asks `site` once; returns 1 and the result in *rc when a fault
 * decided the call. Send side: error, eintr, epipe; short(n)/eof/reset cut
 * the frame (n bytes, or a prefix chosen from the choice stream) and
 * disconnect. Receive side: error, eintr; eof and reset disconnect.
 * Open side (a FIFO's open, a socket's connect): error and eintr, returned
 * as the negative errno the call fails with; 0 when no fault decided it. */
int ipf__chan_send_fault(int site, int fd, const void *msg, size_t len, int flags, int *rc);
int ipf__chan_recv_fault(int site, int fd, int *rc);
int ipf__chan_open_fault(int site);

/* Async-signal-safe frame send for a child forked from a threaded process:
 * raw write(2) loop, no faults, no scheduler. 0 or a negative errno. */
int ipf_frame_send_raw(int fd, const void *msg, size_t len);

/* The pipe channel: framing over the ends of a pipe made with ipf_pipe
 * (ipcfault/io.h). The caller owns the fds and closes them with ipf_close;
 * end of file reaches the reader only when every copy of the write end is
 * closed, in every process. */
int ipf_pipe_send(int wfd, const void *msg, size_t len);
int ipf_pipe_recv(int rfd, void *buf, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_PIPE_H */
