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
void ipf__err_append(char *buf, size_t cap, const char *who, int rc);

#endif
