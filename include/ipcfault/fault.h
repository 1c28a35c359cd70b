/* ipcfault/fault.h — fault sites and task exceptions, for code under test.
 *
 * DESIGN. Every place a fault can be injected is a numbered, named site in
 * the one X-macro list below; the name is also the site's libfiu failpoint
 * name, so fiu_enable("ipf/io/read", ...) and `fiu-ctrl -c 'enable
 * name=ipf/io/read' PID` reach it. A mechanism asks at a site whether a fault
 * fires with IPF_FAULT(SITE, &arg): the answer is an action (IPF_ACT_OFF when
 * nothing fires) and, for actions that take one, its argument. Inside a
 * controlled run every decision comes from the run's choice stream, so the
 * schedule string replays faults too. With IPF_FAULTS undefined (the kit built
 * with -DIPF_FAULTS=OFF) IPF_FAULT compiles to 0, and a misspelled site is
 * still a compile error.
 */
#ifndef IPCFAULT_FAULT_H
#define IPCFAULT_FAULT_H

#include <setjmp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(ENUM, "libfiu name", "what it covers") — append only: numbers are stable. */
#define IPF_FAULT_SITES(X)                                                        \
  X(IO_READ,      "ipf/io/read",      "ipf_read: error, short, eof, eintr, delay") \
  X(IO_WRITE,     "ipf/io/write",     "ipf_write: error, short, epipe, eintr, delay") \
  X(IO_RECV,      "ipf/io/recv",      "ipf_recv: error, short, eof, reset, eintr, delay") \
  X(IO_SEND,      "ipf/io/send",      "ipf_send: error, short, epipe, reset, eintr, delay") \
  X(IO_ACCEPT,    "ipf/io/accept",    "ipf_accept: error, eintr, delay")            \
  X(IO_CONNECT,   "ipf/io/connect",   "ipf_connect: error, eintr, delay")           \
  X(IO_OPEN,      "ipf/io/open",      "ipf_open: error, eintr, delay")              \
  X(IO_CLOSE,     "ipf/io/close",     "ipf_close: error, eintr, delay")             \
  X(IO_PIPE,      "ipf/io/pipe",      "ipf_pipe: error")                            \
  X(IO_MKFIFO,    "ipf/io/mkfifo",    "ipf_mkfifo: error")                          \
  X(IO_SOCKET,    "ipf/io/socket",    "ipf_socket: error")                          \
  X(IO_BIND,      "ipf/io/bind",      "ipf_bind: error")                            \
  X(IO_LISTEN,    "ipf/io/listen",    "ipf_listen: error")                          \
  X(PIPE_READ,    "ipf/pipe/read",    "framed pipe channel, receive side")          \
  X(PIPE_WRITE,   "ipf/pipe/write",   "framed pipe channel, send side")             \
  X(FIFO_OPEN,    "ipf/fifo/open",    "named pipe open")                            \
  X(FIFO_READ,    "ipf/fifo/read",    "named pipe, receive side")                   \
  X(FIFO_WRITE,   "ipf/fifo/write",   "named pipe, send side")                      \
  X(UDS_RECV,     "ipf/uds/recv",     "Unix socket, receive side")                  \
  X(UDS_SEND,     "ipf/uds/send",     "Unix socket, send side")                     \
  X(UDS_CONNECT,  "ipf/uds/connect",  "Unix socket connect")                        \
  X(COND_WAIT,    "ipf/sync/cond_wait", "condition waits: spurious wakeup, delay")  \
  X(SCHED_POINT,  "ipf/sched/point",  "every scheduling point: delay")              \
  X(MQ_PUT,       "ipf/mq/put",       "message queue put: error, delay")            \
  X(MQ_GET,       "ipf/mq/get",       "message queue get: error, delay")            \
  X(POOL_TASK,    "ipf/pool/task",    "thread pool task: throw, crash, error, delay")

enum ipf_site {
#define IPF_X_ENUM(e, name, doc) IPF_SITE_##e,
  IPF_FAULT_SITES(IPF_X_ENUM)
#undef IPF_X_ENUM
  IPF_SITE_COUNT
};

/* Actions, as written in plans: off, error(ERRNO), short(n), eof, reset,
 * epipe, eintr, delay(steps|Nms), spurious, throw, crash. */
enum ipf_action {
  IPF_ACT_OFF = 0, IPF_ACT_ERROR, IPF_ACT_SHORT, IPF_ACT_EOF, IPF_ACT_RESET,
  IPF_ACT_EPIPE, IPF_ACT_EINTR, IPF_ACT_DELAY, IPF_ACT_SPURIOUS, IPF_ACT_THROW,
  IPF_ACT_CRASH
};

/* Does a fault fire at `site` now? Returns the action (IPF_ACT_OFF: none)
 * and sets *arg: the errno for error, the byte count for short (already
 * bounded by nothing: the caller clamps it to the transfer, at least 1), the
 * steps or milliseconds for delay (negative: milliseconds). arg may be NULL.
 * Counts the call for the Nth-call sweep and for `n*` terms. */
int ipf_fault(int site, long *arg);
const char *ipf_site_name(int site);
/* Site by libfiu name; -1 when unknown. */
int ipf_site_find(const char *name);

#ifdef IPF_FAULTS
#define IPF_FAULT(site, argp) ipf_fault(IPF_SITE_##site, (argp))
#else
#define IPF_FAULT(site, argp) ((void)sizeof(IPF_SITE_##site), (void)(argp), 0)
#endif

/* ---- task exceptions -------------------------------------------------------
 * C has no exceptions; a task may fail by returning an error, or by
 * ipf_task_throw(code), which unwinds with longjmp to the innermost
 * IPF_TRY on this thread (setjmp/longjmp style: automatic variables changed
 * inside the try block are indeterminate after the catch unless volatile,
 * and no cleanup runs for the frames skipped). Throwing with no IPF_TRY
 * active aborts the process with a message naming the code. */
typedef struct ipf_catch {
  jmp_buf jb;
  struct ipf_catch *prev;
  int code;
} ipf_catch_t;

void ipf__catch_push(ipf_catch_t *c);
void ipf__catch_pop(ipf_catch_t *c);
__attribute__((noreturn)) void ipf_task_throw(int code);

/* IPF_TRY(c) { ... } IPF_CATCH(c) { ... c.code ... } IPF_END_TRY(c);  */
#define IPF_TRY(c) ipf__catch_push(&(c)); if (setjmp((c).jb) == 0) {
#define IPF_CATCH(c) ipf__catch_pop(&(c)); } else {
#define IPF_END_TRY(c) } ((void)0)

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_FAULT_H */
