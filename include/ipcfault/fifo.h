/* ipcfault/fifo.h — named pipes (mkfifo) with framed messages.
 *
 * A FIFO lives in a private directory (ipf_tmpdir, mode 0700) with mode
 * 0600, and is unlinked with the directory on every path. Opening is
 * ordered so it cannot deadlock: a reader opens its end non-blocking (that
 * never waits for a writer) and then a write end of its own, the keepalive;
 * a writer's open waits (bounded) for a reader. The keepalive is what gives
 * "end of file only after every writer closed": a FIFO reports end of file
 * whenever no writer happens to be open, which between two writers is a
 * lie. Each writer ends its stream with an empty frame; when the reader has
 * seen one from each of the nwriters it expects, it drops the keepalive and
 * the end of file that follows is real. Frames are at most PIPE_BUF bytes,
 * so each is one atomic write and writers never interleave inside one.
 * Fault sites: ipf/fifo/open (error, eintr, delay), ipf/fifo/write (error,
 * eintr, epipe; eof/reset: the writer dies between frames), ipf/fifo/read
 * (error, eintr; eof/reset disconnect), and the ipf/io sites underneath.
 */
#ifndef IPCFAULT_FIFO_H
#define IPCFAULT_FIFO_H

#include <limits.h>
#include <stddef.h>

#include "ipcfault/pipe.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IPF_FIFO_MSG_MAX (PIPE_BUF - IPF_FRAME_HDR)

/* Bug switches of the fifo family (IPF_BUG). */
#define IPF_BUG_FIFO_BLOCKING_OPEN 0x1000u  /* the reader opens its end with a blocking open first */
#define IPF_BUG_FIFO_EARLY_EOF     0x2000u  /* no keepalive: the first EOF ends the reader */

/* mkfifo(dir/name, 0600); the path goes to path (cap bytes). 0 or -errno. */
int ipf_fifo_make(const char *dir, const char *name, char *path, size_t cap);

typedef struct ipf_fifo_reader ipf_fifo_reader_t;
/* Open the read end of the FIFO at path for nwriters writers (>= 1). Never
 * waits. The caller owns *out and releases it with ipf_fifo_close_reader. */
int ipf_fifo_open_reader(const char *path, int nwriters, ipf_fifo_reader_t **out);
/* Next message: 1 with *len, 0 at end of file (every writer said goodbye
 * and closed), IPF_ETRUNC, IPF_EFRAME, -ETIMEDOUT when nothing came for
 * timeout_ms (virtual time in a controlled run), or a negative errno. */
int ipf_fifo_recv(ipf_fifo_reader_t *r, void *buf, size_t cap, size_t *len, long timeout_ms);
int ipf_fifo_close_reader(ipf_fifo_reader_t *r);

/* Open a write end; waits at most timeout_ms for a reader. Returns the fd
 * (owned by the caller: ipf_fifo_close_writer) or -ETIMEDOUT / -errno. */
int ipf_fifo_open_writer(const char *path, long timeout_ms);
/* One message of 1..IPF_FIFO_MSG_MAX bytes (-EMSGSIZE otherwise). */
int ipf_fifo_send(int fd, const void *msg, size_t len);
/* Say goodbye (an empty frame) and close. 0 or the first error. */
int ipf_fifo_close_writer(int fd);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_FIFO_H */
