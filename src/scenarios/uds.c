/* The uds family: sockets.py's receiver and sender over AF_UNIX sockets.
 *
 * DESIGN. Main starts the receiver, which listens on a socket file in a
 * private directory and accepts one connection; then the sender, which
 * connects and sends sockets.py's four messages one (virtual) second apart
 * and closes. The reference orders connect after listen with a handshake
 * (a semaphore posted once ipf_uds_listen has returned); sockets.py slept
 * one second instead, which is what uds/sleep-startup does: its default
 * plan slows the receiver down (a delay at bind), as a loaded machine
 * would, and the client connects first. A receiver never waits for ever:
 * accept is bounded, so a client that failed is an error, not a hang.
 * Oracles, after the joins: every message exactly once, in order, never a
 * partial or merged one; fewer only with an error reported, and an error
 * only where a fault was injected (a connect refused without one is the
 * startup race); no fd left open; the socket file and directory gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "ipcfault/uds.h"
#include "registry.h"
#include "stream.h"


#define TIMEOUT_MS 500

static const char *const msgs[] = {
  "Hello, Receiver!", "How are you doing?", "This is a message from Sender.", "Goodbye!"
};
#define NMSG 4

static char sock_path[128];
static int sock_type;
static ipf_sem_t ready;
static int listening;                   /* written before ready is posted */
static int connect_err;
static struct ipf__inbox inbox;
static char rerr[160], serr[160];


static void receiver(void *arg) {
  (void)arg;
  ipf_uds_server_t *s;
  int rc = ipf_uds_listen(sock_path, sock_type, &s);
  listening = rc == 0;
  ipf_sem_post(&ready);
  if (rc < 0) { ipf__err_append(rerr, sizeof rerr, "receiver listen", rc); return; }
  ipf_uds_conn c;
  rc = ipf_uds_accept(s, &c, TIMEOUT_MS);
  if (rc < 0) {
    ipf__err_append(rerr, sizeof rerr, "receiver accept", rc);
    ipf_uds_server_close(s);
    return;
  }
  char buf[1024];
  for (;;) {
    if (IPF_BUG(IPF_BUG_UDS_RECV_IS_MESSAGE)) {
      /* BUG: sockets.py prints each recv(1024) as one message; a stream
       * socket has no message boundaries. */
      ssize_t r = ipf_recv(c.fd, buf, sizeof buf, 0);
      if (r == -EINTR) continue;
      if (r < 0) { ipf__err_append(rerr, sizeof rerr, "receiver", (int)r); break; }
      if (r == 0) break;
      ipf__inbox_add(&inbox, buf, (size_t)r);
      continue;
    }
    size_t len;
    rc = ipf_uds_recv(&c, buf, sizeof buf, &len);
    if (rc == -EINTR) continue;
    if (rc == 0) break;
    if (rc < 0) { ipf__err_append(rerr, sizeof rerr, "receiver", rc); break; }
    ipf__inbox_add(&inbox, buf, len);
  }
  ipf_uds_close(&c);
  rc = ipf_uds_server_close(s);
  if (rc < 0) ipf__err_append(rerr, sizeof rerr, "receiver close", rc);
}

static void sender(void *arg) {
  (void)arg;
  if (IPF_BUG(IPF_BUG_UDS_SLEEP_STARTUP)) {
    /* BUG: no handshake: main slept one second and hoped (see body) */
  } else {
    ipf_sem_wait(&ready);
    if (!listening) { snprintf(serr, sizeof serr, "sender: the receiver never listened"); return; }
  }
  ipf_uds_conn c;
  int rc = ipf_uds_connect(sock_path, sock_type, &c);
  if (rc < 0) { connect_err = rc; ipf__err_append(serr, sizeof serr, "sender connect", rc); return; }
  for (int i = 0; i < NMSG; i++) {
    if (i) ipf_sleep(1000);             /* sockets.py: time.sleep(1) between sends */
    size_t n = strlen(msgs[i]);
    if (IPF_BUG(IPF_BUG_UDS_RECV_IS_MESSAGE)) {
      ssize_t w = ipf_write_full(c.fd, msgs[i], n, IPF_IO_SOCK);   /* sendall(), bare bytes */
      rc = w < 0 ? (int)w : 0;
    } else {
      rc = ipf_uds_send(&c, msgs[i], n);
      if (rc == -EINTR) { i--; continue; }
    }
    if (rc < 0) { ipf__err_append(serr, sizeof serr, "sender", rc); break; }
  }
  rc = ipf_uds_close(&c);
  if (rc < 0) ipf__err_append(serr, sizeof serr, "sender close", rc);
}

static void run(int type) {
  ipf__ignore_sigpipe();
  ipf__io_disruptions_reset();
  memset(&inbox, 0, sizeof inbox);
  rerr[0] = serr[0] = 0;
  connect_err = 0;
  listening = 0;
  sock_type = type;
  char dir[96];
  int rc = ipf_tmpdir(dir, sizeof dir);
  if (rc < 0) { ipf_fail("setup", "mkdtemp: %s", ipf_strerror(rc)); return; }
  snprintf(sock_path, sizeof sock_path, "%s/receiver.sock", dir);
  ipf_sem_init(&ready, 0, "ready");
  ipf_thread_t r, s;
  ipf_thread_create(&r, "receiver", receiver, NULL);
  if (IPF_BUG(IPF_BUG_UDS_SLEEP_STARTUP))
    ipf_sleep(1000);   /* BUG: sockets.py: time.sleep(1) "to ensure the receiver is ready" */
  ipf_thread_create(&s, "sender", sender, NULL);
  ipf_thread_join(&s);
  ipf_thread_join(&r);
  ipf_sem_destroy(&ready);
  char errs[330];
  snprintf(errs, sizeof errs, "%s%s%s", serr, *serr && *rerr ? "; " : "", rerr);
  if ((connect_err == -ENOENT || connect_err == -ECONNREFUSED) && ipf__io_disruptions() == 0)
    ipf_fail("startup-order", "the sender connected before the receiver listened (%s) and the receiver "
             "waited in accept for a client that had given up: %s", ipf_strerror(connect_err), errs);
  else if (*errs && ipf__io_disruptions() == 0)
    ipf_fail("unexplained-error", "no fault was injected, yet: %s", errs);
  else
    ipf__stream_oracle(type == SOCK_STREAM ? "stream socket" : "seqpacket socket", msgs, NMSG, &inbox, errs);
  if (access(sock_path, F_OK) == 0) ipf_fail("leak", "socket file %s left behind", sock_path);
  ipf_tmpdir_remove(dir);
}

static void body_stream(void) { run(SOCK_STREAM); }
static void body_seqpacket(void) { run(SOCK_SEQPACKET); }

const ipf_scenario ipf__uds_scenarios[] = {
  { "uds/sleep-startup", IPF_EXPECT_BUG,
    "sockets.py's `time.sleep(1)` ordering: the client connects before the server listens",
    body_stream, IPF_SC_FDS, IPF_BUG_UDS_SLEEP_STARTUP,
    "ipf/io/bind = 50%delay(1500ms)" },
  { "uds/recv-is-message", IPF_EXPECT_BUG,
    "sockets.py's \"one recv() is one message\" (stream sockets have no boundaries)",
    body_stream, IPF_SC_FDS, IPF_BUG_UDS_RECV_IS_MESSAGE,
    "ipf/io/recv = 30%short\n"
    "ipf/io/send = 20%short" },
  { "uds/truncated-frame-accepted", IPF_EXPECT_BUG,
    "the peer disconnects mid-frame and the partial frame is delivered as a message",
    body_stream, IPF_SC_FDS, IPF_BUG_UDS_TRUNC_ACCEPTED,
    "ipf/uds/send = 25%reset" },
  { "uds/framed", IPF_EXPECT_OK,
    "readiness handshake instead of sleep, length-prefixed frames, EOF and truncation reported, "
    "MSG_NOSIGNAL, socket file unlinked",
    body_stream, IPF_SC_FDS, 0,
    "ipf/io/recv = 30%short->5%eintr\n"
    "ipf/io/send = 20%short->5%eintr\n"
    "ipf/io/bind = 30%delay(1500ms)\n"
    "ipf/uds/send = 3%reset\n"
    "ipf/uds/recv = 3%eintr\n"
    "ipf/uds/connect = 2%error(ECONNREFUSED)" },
  { "uds/seqpacket", IPF_EXPECT_OK,
    "SOCK_SEQPACKET keeps message boundaries",
    body_seqpacket, IPF_SC_FDS, 0,
    "ipf/io/recv = 30%short->5%eintr\n"
    "ipf/io/send = 5%eintr\n"
    "ipf/io/bind = 30%delay(1500ms)\n"
    "ipf/uds/send = 3%reset\n"
    "ipf/uds/recv = 3%eintr" },
};
const size_t ipf__uds_nscenarios = sizeof ipf__uds_scenarios / sizeof ipf__uds_scenarios[0];
