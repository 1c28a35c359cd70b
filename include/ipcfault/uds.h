/* ipcfault/uds.h — Unix domain sockets: a server and a client, framed
 * messages over SOCK_STREAM, records over SOCK_SEQPACKET.
 *
 * The socket file goes in a private directory (ipf_tmpdir, 0700); its path
 * is checked against the 107 bytes sun_path holds (IPF_ETOOLONG, never a
 * silently cut name). A stale socket file (one nobody listens on, left by a
 * crashed server) is detected by a connect probe and replaced; a live one
 * gives -EADDRINUSE. ipf_uds_server_close unlinks the file on every path.
 * Sends use MSG_NOSIGNAL: a vanished peer is -EPIPE, never SIGPIPE.
 * Readiness is the caller's handshake: ipf_uds_listen returns only once the
 * socket listens, so whoever waits for that return (a semaphore, a pipe
 * byte) can connect without sleeping and without racing.
 * Stream sockets have no message boundaries: messages are frames
 * (ipcfault/pipe.h), and a peer that disconnects mid-frame is IPF_ETRUNC.
 * SOCK_SEQPACKET keeps boundaries: one send is one record; a record larger
 * than the buffer is IPF_EFRAME (recv reports its true length), and empty
 * records are refused (-EINVAL: they would read as end of file).
 * Fault sites: ipf/uds/send (error, eintr, epipe; short/eof/reset: the
 * sender dies mid-frame), ipf/uds/recv (error, eintr, eof, reset),
 * ipf/uds/connect (error, eintr), plus the ipf/io sites underneath.
 */
#ifndef IPCFAULT_UDS_H
#define IPCFAULT_UDS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPF_UDS_PATH_MAX 107

/* Bug switches of the uds family (IPF_BUG). */
#define IPF_BUG_UDS_SLEEP_STARTUP   0x10000u  /* sleep instead of a readiness handshake */
#define IPF_BUG_UDS_RECV_IS_MESSAGE 0x20000u  /* one recv() taken as one message */
#define IPF_BUG_UDS_TRUNC_ACCEPTED  0x40000u  /* a truncated frame delivered as a message */

typedef struct ipf_uds_server ipf_uds_server_t;
/* A connection: value type, fields readable. */
typedef struct ipf_uds_conn { int fd; int type; } ipf_uds_conn;

/* Bind and listen at path; type SOCK_STREAM or SOCK_SEQPACKET. The caller
 * owns *out (ipf_uds_server_close). 0, IPF_ETOOLONG, -EADDRINUSE (a live
 * server is there) or a negative errno; on failure no file is left. */
int ipf_uds_listen(const char *path, int type, ipf_uds_server_t **out);
/* Accept one client, waiting at most timeout_ms (< 0: no limit). */
int ipf_uds_accept(ipf_uds_server_t *s, ipf_uds_conn *c, long timeout_ms);
const char *ipf_uds_path(const ipf_uds_server_t *s);
/* Close the listening socket and unlink its file. */
int ipf_uds_server_close(ipf_uds_server_t *s);

int ipf_uds_connect(const char *path, int type, ipf_uds_conn *c);
/* One message: 0 or a negative errno. */
int ipf_uds_send(ipf_uds_conn *c, const void *msg, size_t len);
/* One message: 1 with *len, 0 at end of file, IPF_ETRUNC, IPF_EFRAME, -errno. */
int ipf_uds_recv(ipf_uds_conn *c, void *buf, size_t cap, size_t *len);
int ipf_uds_close(ipf_uds_conn *c);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_UDS_H */
