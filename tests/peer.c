/* A small driver of the stream mechanisms for shell tests against real
 * peers (tests/sh/socat.sh). Not part of the kit's command line.
 *   peer frames MSG...             write the frames of MSG... to stdout
 *   peer uds-server PATH           listen; print each received message on a
 *                                  line; exit 0 at a clean EOF, 1 on error
 *   peer uds-client PATH MSG...    connect and send MSG... as frames
 *   peer fifo-read PATH NWRITERS   read messages from a FIFO until every
 *                                  writer said goodbye and closed
 * Errors go to stderr as "peer: what: why". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fifo.h"
#include "ipcfault/io.h"
#include "ipcfault/pipe.h"
#include "ipcfault/uds.h"

static int die(const char *what, int rc) {
  fprintf(stderr, "peer: %s: %s\n", what, ipf_strerror(rc));
  return 1;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) { fprintf(stderr, "usage: peer frames|uds-server|uds-client|fifo-read ...\n"); return 2; }
  const char *cmd = argv[1];
  static char buf[1 << 16];
  size_t len;
  if (!strcmp(cmd, "frames")) {
    for (int i = 2; i < argc; i++) {
      int rc = ipf_frame_send(1, argv[i], strlen(argv[i]), 0);
      if (rc < 0) return die("write", rc);
    }
    return 0;
  }
  if (!strcmp(cmd, "uds-server") && argc == 3) {
    ipf_uds_server_t *s;
    int rc = ipf_uds_listen(argv[2], SOCK_STREAM, &s);
    if (rc < 0) return die("listen", rc);
    printf("listening\n");
    fflush(stdout);
    ipf_uds_conn c;
    rc = ipf_uds_accept(s, &c, 10000);
    if (rc < 0) { ipf_uds_server_close(s); return die("accept", rc); }
    while ((rc = ipf_uds_recv(&c, buf, sizeof buf, &len)) == 1 || rc == -EINTR)
      if (rc == 1) printf("%.*s\n", (int)len, buf);
    ipf_uds_close(&c);
    ipf_uds_server_close(s);
    return rc < 0 ? die("recv", rc) : 0;
  }
  if (!strcmp(cmd, "uds-client") && argc >= 3) {
    ipf_uds_conn c;
    int rc = ipf_uds_connect(argv[2], SOCK_STREAM, &c);
    if (rc < 0) return die("connect", rc);
    for (int i = 3; i < argc; i++)
      if ((rc = ipf_uds_send(&c, argv[i], strlen(argv[i]))) < 0) { ipf_uds_close(&c); return die("send", rc); }
    return ipf_uds_close(&c) < 0;
  }
  if (!strcmp(cmd, "fifo-read") && argc == 4) {
    ipf_fifo_reader_t *r;
    int rc = ipf_fifo_open_reader(argv[2], atoi(argv[3]), &r);
    if (rc < 0) return die("open", rc);
    printf("open\n");
    fflush(stdout);
    while ((rc = ipf_fifo_recv(r, buf, sizeof buf, &len, 10000)) == 1 || rc == -EINTR)
      if (rc == 1) printf("%.*s\n", (int)len, buf);
    ipf_fifo_close_reader(r);
    return rc < 0 ? die("recv", rc) : 0;
  }
  fprintf(stderr, "peer: bad arguments\n");
  return 2;
}
