/* Shared by the byte-stream families (pipe.c, fifo.c, uds.c): what a reader
 * took as messages, and the oracle that judges it against what was sent. */
#ifndef IPCFAULT_SCENARIOS_STREAM_H
#define IPCFAULT_SCENARIOS_STREAM_H
#include <stddef.h>

#define IPF_INBOX_MAX 8
struct ipf__inbox {
  char got[IPF_INBOX_MAX][256];   /* message i as the reader took it (cut at 256) */
  size_t glen[IPF_INBOX_MAX];
  int n;                          /* messages taken, also past IPF_INBOX_MAX */
};

/* Note a message the reader took (a trace line too). */
void ipf__inbox_add(struct ipf__inbox *in, const char *p, size_t n);
/* Exactly once, in order, never partial or merged; fewer only with an error
 * reported in errors ("" when none) that an injected fault explains. */
void ipf__stream_oracle(const char *stream, const char *const *sent, int nsent, const struct ipf__inbox *in,
                        const char *errors);
void ipf__ignore_sigpipe(void);

/* ---- what the processes of an execution tell the parent's oracles ----------
 * A scenario whose children report back keeps its results in memory every
 * process of the run shares: an anonymous MAP_SHARED mapping of len bytes,
 * made once per process (*cache) before the first fork, so that every child
 * of every later execution inherits it. The caller zeroes what it uses at the
 * start of each execution. NULL (and errno) when mmap fails. */
void *ipf__shared_scratch(void **cache, size_t len);
/* Faults injected in a child count for the parent's "was it explained"
 * oracles (ipf__io_disruptions): the child notes where its counter stood
 * when it began (ipf__child_begin) and hands the difference over in *shared
 * as it ends (ipf__child_exit, which ends the process); the parent adds what
 * arrived to its own counter after reaping (ipf__children_collect). */
long ipf__child_begin(void);
__attribute__((noreturn)) void ipf__child_exit(long begun, long *shared, int status);
void ipf__children_collect(long *shared);
void ipf__err_append(char *buf, size_t cap, const char *who, int rc);

#endif
