/* ipcfault/io.h — fault- and scheduler-aware I/O: what byte-stream code under
 * test calls instead of read(2), write(2), send(2) and friends.
 *
 * DESIGN. Each wrapper is the real syscall on a real kernel object, plus:
 *  - a scheduling point (inside a controlled run) or a seeded random delay
 *    (chaos mode) before the call;
 *  - a fault site (ipf/io/read, ipf/io/send, ...; ipcfault/fault.h) asked
 *    once per call. short(n) is a real partial transfer (fewer bytes move,
 *    nothing is lost); eof and reset really disconnect (shutdown(2) for a
 *    socket, the pipe end swapped for a dead one with dup2(2)) so the peer
 *    sees it; eintr returns -EINTR, epipe -EPIPE, error(E) -E, all before
 *    anything moves; delay was already performed by ipf_fault.
 *    Where the kernel cannot split a transfer, short does not apply and the
 *    call proceeds whole: writes of at most PIPE_BUF bytes to a pipe or FIFO
 *    (POSIX makes them atomic; frames of many writers rely on it) and any
 *    transfer on a message socket (SOCK_SEQPACKET, SOCK_DGRAM: a short read
 *    would discard the rest of the record).
 *  - inside a controlled run, a call that would block parks the thread on
 *    the scheduler (it waits for the fd to become ready) instead of sleeping
 *    in the kernel, so the scheduler stays in control: a reader of an empty
 *    pipe whose writers are all blocked is a deadlock the scheduler reports,
 *    naming the fd. A blocking write is emulated whole (all bytes, waiting
 *    for room as needed), as the kernel does. open(2) of a FIFO, which blocks
 *    in the kernel until the other side opens, is emulated the same way.
 *    Fds whose peer is another process (after fork) are not under the
 *    scheduler's control: mark them with ipf_io_external and their waits
 *    block in the kernel.
 * Outside any run the wrappers are the plain syscalls plus the fault sites.
 *
 * Returns: a count or 0 on success, a negative errno on failure (libuv
 * style); errno is not used. SIGPIPE is never raised by ipf_send/ipf_sendv
 * (MSG_NOSIGNAL); for ipf_write on a pipe whose reader is gone, ignore
 * SIGPIPE (the ipcfault command does) to get -EPIPE.
 */
#ifndef IPCFAULT_IO_H
#define IPCFAULT_IO_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

ssize_t ipf_read(int fd, void *buf, size_t n);
ssize_t ipf_write(int fd, const void *buf, size_t n);
ssize_t ipf_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t ipf_writev(int fd, const struct iovec *iov, int iovcnt);
/* flags as recv(2)/send(2); ipf_send always adds MSG_NOSIGNAL. */
ssize_t ipf_recv(int fd, void *buf, size_t n, int flags);
ssize_t ipf_send(int fd, const void *buf, size_t n, int flags);
/* Scatter send over a socket (sendmsg(2) with MSG_NOSIGNAL). Site ipf/io/send. */
ssize_t ipf_sendv(int fd, const struct iovec *iov, int iovcnt, int flags);

/* Returns the new fd (owned by the caller) or a negative errno. */
int ipf_accept(int fd, struct sockaddr *addr, socklen_t *len);
int ipf_connect(int fd, const struct sockaddr *addr, socklen_t len);
int ipf_open(const char *path, int flags, mode_t mode);
/* ipf_open with a bound on how long opening a FIFO may wait for its other
 * side: -ETIMEDOUT after timeout_ms (virtual time in a controlled run). */
int ipf_open_timeout(const char *path, int flags, mode_t mode, long timeout_ms);
int ipf_close(int fd);
int ipf_pipe(int fds[2]);
int ipf_mkfifo(const char *path, mode_t mode);
int ipf_socket(int domain, int type, int protocol);
int ipf_bind(int fd, const struct sockaddr *addr, socklen_t len);
int ipf_listen(int fd, int backlog);

/* Wait until fd is ready for `events` (POLLIN, POLLOUT) or timeout_ms pass
 * (< 0: no limit). 0 or -ETIMEDOUT. A scheduling point; virtual time in a
 * controlled run (a timeout ends only when nothing else can run). */
int ipf_wait_fd(int fd, short events, long timeout_ms);

/* The peer of fd is another process, which the scheduler does not run:
 * waits on fd block in the kernel (holding the run's token) instead of
 * parking on the scheduler, which would see nobody able to make progress.
 * Cleared by ipf_close. No effect outside a controlled run. */
void ipf_io_external(int fd);

/* Really disconnect fd so that its peer sees it, keeping the fd number the
 * caller's (it still must be closed): a socket is shut down both ways; a
 * pipe or FIFO end is swapped (dup2) for the same end of a dead pipe, so the
 * peer reads end of file or gets EPIPE. What the eof and reset faults do.
 * 0 or a negative errno (-EINVAL for other kinds of fd). */
int ipf_io_disconnect(int fd);

/* A private directory for sockets and FIFOs (DESIGN.md), mode 0700; its
 * path goes to dir (cap >= 80). It is made inside one parent per process
 * tree, ${TMPDIR:-/tmp}/ipcfault-PID-RANDOM (0700), whose name the first
 * process picks when the library loads and forked children inherit. A
 * directory made by a thread of an execution and not removed when the
 * execution ends (say it was abandoned in a deadlock) is removed then, by
 * ipf_exec; the process that picked the parent removes it with everything
 * below at exit. ipf_tmpdir_remove unlinks every entry, removes the
 * directory and forgets it. 0 or a negative errno. */
int ipf_tmpdir(char *dir, size_t cap);
int ipf_tmpdir_remove(const char *dir);
/* Remove the parent and everything in it now, in the process that picked it
 * (or in a child whose parent is gone); elsewhere nothing. For a signal
 * path that leaves with _exit (a signal thread: not async-signal-safe). */
void ipf_tmpdir_cleanup(void);

/* Internal, for oracles: how many injected faults that can make a call
 * fail (error, epipe, eof, reset, a cut frame; not short, eintr or delay)
 * the io wrappers and channels carried out since the last reset. An error
 * reported when this is 0 was not caused by a fault. */
long ipf__io_disruptions(void);
void ipf__io_disruptions_reset(void);
void ipf__io_disrupted(void);

/* Loops that survive short transfers and EINTR.
 * ipf_read_full: reads exactly n bytes; returns n, or the count read before
 *   end of file (< n, 0 at a clean EOF), or a negative errno (bytes already
 *   read are then lost to the caller: treat the stream as broken).
 * ipf_write_full: writes all n bytes; returns n or a negative errno.
 * IPF_IO_SOCK in flags uses recv/send (MSG_NOSIGNAL) instead of read/write. */
#define IPF_IO_SOCK 0x1
ssize_t ipf_read_full(int fd, void *buf, size_t n, int flags);
ssize_t ipf_write_full(int fd, const void *buf, size_t n, int flags);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_IO_H */
