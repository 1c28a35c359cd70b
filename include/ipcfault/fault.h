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
#include <stddef.h>

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
 * and sets *arg (0 when the action has none): the positive errno for error;
 * for short the byte count n of short(n), or 0 for a plain `short` (pass it
 * to ipf_fault_short_len, which clamps n to the transfer or draws a length
 * from the choice stream); the code for throw(code) and crash(status).
 * delay is performed inside ipf_fault (steps: that many ipf_yield calls;
 * Nms: ipf_sleep(N), virtual time in a controlled run) before it returns
 * IPF_ACT_DELAY with *arg = steps, or -ms: the caller then simply proceeds.
 * arg may be NULL. Counts the call (per site, per execution) for the
 * Nth-call sweep and for `n*` terms. Not itself a scheduling point: the io
 * wrappers and sync primitives that ask already are.
 * Where the decision comes from: the plan installed for the current
 * execution (ipf_config.plan), drawing every p% check and every short length
 * from the run's choice stream; when the plan says nothing (or off), libfiu
 * (fiu_fail(site name)) when the libfiu bridge is on — see below. Outside
 * an execution only libfiu decides, and only with the bridge on.
 * Cost: inline, so that a site outside executions with the bridge off (the
 * common case in production builds and benchmarks) is one load and one
 * predictable branch: no call, no counter, no lock. */
extern int ipf__fault_live;   /* an execution is in progress, or the libfiu bridge is on */
int ipf__fault_decide(int site, long *arg);
static inline int ipf_fault(int site, long *arg) {
  if (__builtin_expect(!__atomic_load_n(&ipf__fault_live, __ATOMIC_RELAXED), 1)) {
    if (arg) *arg = 0;
    return 0;   /* IPF_ACT_OFF */
  }
  return ipf__fault_decide(site, arg);
}
const char *ipf_site_name(int site);
/* Site by libfiu name; -1 when unknown. */
int ipf_site_find(const char *name);

/* ---- fault plans ------------------------------------------------------------
 * A plan maps sites to chains of terms, in the grammar of FreeBSD fail(9),
 * fail-rs and gofail:  SITE = TERM[->TERM...]  with  TERM = [p%][n*]action[(arg)]
 *   action: off | error(ERRNO name or number, default EIO) | short[(n)] | eof
 *           | reset | epipe | eintr | delay(N) steps | delay(Nms) | spurious
 *           | throw[(code)] | crash[(status)]
 * Chain semantics, evaluated at every call of the site, left to right:
 *  - a term whose n* count is used up is skipped;
 *  - a p% term draws from the choice stream; when the draw misses, the term
 *    is skipped (its count is not used) and the next term is tried;
 *  - the first term not skipped is the answer: its count goes down by one
 *    and its action (possibly off) is the result;
 *  - when every term is skipped, the answer is off.
 * So `2*off->30%short(3)->eof` is: calls 1 and 2 untouched, then every call
 * either short(3) (30%) or eof (70%). `3*off->1*error(EIO)` fails exactly the
 * 4th call; `3*off->error(EIO)` fails the 4th and every later one.
 * SITE may end in '*' (a prefix glob, like ipf/io/ and a star); a site given twice keeps
 * the last chain, so --fault overrides a line of --plan. */
typedef struct ipf_plan ipf_plan;

/* Parse plan text: lines "SITE = TERMS", '#' starts a comment, blank lines
 * are ignored. `file` names the source in errors. On success *out is a new
 * plan owned by the caller (ipf_plan_free) and 0 is returned; otherwise
 * IPF_EPLAN, *out is NULL and err holds one line
 * "file:line:col: what is wrong: expected ..." . */
int ipf_plan_parse(const char *text, const char *file, ipf_plan **out, char *err, size_t errlen);
/* Add one 'SITE=TERMS' (a --fault option) to p, replacing that site's chain.
 * Errors as above, with file "--fault". Returns 0 or IPF_EPLAN (p unchanged). */
int ipf_plan_add(ipf_plan *p, const char *site_eq_terms, char *err, size_t errlen);
/* An empty plan: no fault fires (libfiu still may). NULL when out of memory. */
ipf_plan *ipf_plan_new(void);
void ipf_plan_free(ipf_plan *p);
/* Canonical text: one line "site = terms" per site in site-number order,
 * globs expanded, 100% and default arguments dropped. Two plans that mean the
 * same have the same text; the schedule hash covers it. Caller frees. "" for
 * an empty plan; NULL when out of memory. */
char *ipf_plan_format(const ipf_plan *p);
/* Does the plan give `site` a chain? */
int ipf_plan_has(const ipf_plan *p, int site);

/* The term the Nth-call sweep injects at a site, and the one libfiu's
 * failnum 1 means: "error(EIO)" at io and channel sites, "throw" at
 * ipf/pool/task, "spurious" at ipf/sync/cond_wait, "delay(1)" at
 * ipf/sched/point. */
const char *ipf_site_default_term(int site);

/* Calls of `site` and faults fired there in the current (or last) execution;
 * outside executions, since the last execution, and only while the libfiu
 * bridge is on (an inactive site counts nothing). */
void ipf_fault_stats(int site, long *calls, long *fired);

/* For short: the length to move of a transfer of len bytes (len >= 1):
 * min(n, len) for short(n); for a plain `short` 1 + a choice in [0, len-1)
 * from the stream (so strictly less than len when len > 1). Always >= 1. */
size_t ipf_fault_short_len(long arg, size_t len);

/* A scenario (or mechanism) that ends an execution with a clear, reported
 * error instead of success, and whose oracles accept that, says so here:
 * the verdict stays ok, and `ipcfault sweep` counts the run as a clean
 * error instead of a success. Reset at the start of every execution. */
void ipf_clean_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first clean error of the current or last execution, or NULL. */
const char *ipf_clean_error_text(void);

/* ---- the libfiu bridge ------------------------------------------------------
 * Every site is also a libfiu failpoint of the same name: when the plan says
 * off, ipf_fault asks fiu_fail(name). What fires is given by the failnum of
 * fiu_enable (fiu-ctrl: failnum=N, failinfo=A):
 *   1 (libfiu's and fiu-ctrl's default): the site's default term above;
 *   2..10: that IPF_ACT_* action (2 short, 3 eof, 4 reset, 5 epipe, 6 eintr,
 *          7 delay, 8 spurious, 9 throw, 10 crash), failinfo its argument;
 *   negative: error(-failnum), e.g. -104 is error(ECONNRESET).
 * libfiu decides outside the choice stream (its own generator, not
 * reproducible across threads): a libfiu-driven fault does not replay. To
 * replay, write the fault into a plan. */
/* The bridge is opt-in: without it a site never asks libfiu (fiu_fail takes
 * a read lock on every call). Turn it on with ipf_fiu_enable() in a test
 * before fiu_enable(), with IPCFAULT_FIU=1 in the environment (read when the
 * library loads), or with the CLI's --fiu (or --fiu-ctrl, which implies it).
 * It stays on for the life of the process. Returns 0. */
int ipf_fiu_enable(void);
/* Is the bridge on? */
int ipf_fiu_enabled(void);
/* Start libfiu's remote control (fiu_init + fiu_rc_fifo(prefix)), so that
 * `fiu-ctrl -c 'enable name=ipf/io/read' PID` reaches this process; prefix
 * NULL is fiu-ctrl's default, "${TMPDIR:-/tmp}/fiu-ctrl". The named pipes
 * prefix-PID.in/.out are removed at exit. Turns the bridge on
 * (ipf_fiu_enable). Returns 0 or a negative errno. */
int ipf_fiu_remote(const char *prefix);

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
