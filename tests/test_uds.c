/* Criterion tests of the uds family: path limit, stale and live socket
 * files, unlink on close, seqpacket boundaries, verdicts. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "verdict.h"
#include "ipcfault/uds.h"

Test(uds, too_long_path_refused_when_over_107_bytes) {
  char p[200];
  memset(p, 'a', sizeof p);
  p[0] = '/';
  p[108] = 0;                      /* 108 bytes: one too many */
  ipf_uds_server_t *s;
  cr_assert_eq(ipf_uds_listen(p, SOCK_STREAM, &s), IPF_ETOOLONG);
  ipf_uds_conn c;
  cr_assert_eq(ipf_uds_connect(p, SOCK_STREAM, &c), IPF_ETOOLONG);
  cr_assert_str_eq(ipf_strerror(IPF_ETOOLONG), "path too long for a Unix socket (107 bytes at most)");
}

Test(uds, stale_socket_replaced_and_live_one_refused) {
  char dir[96], path[128];
  cr_assert_eq(ipf_tmpdir(dir, sizeof dir), 0);
  snprintf(path, sizeof path, "%s/s", dir);
  /* a crashed server: bound, never unlinked */
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  strcpy(a.sun_path, path);
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  close(fd);
  ipf_uds_server_t *s, *s2;
  cr_assert_eq(ipf_uds_listen(path, SOCK_STREAM, &s), 0, "stale file replaced");
  cr_assert_eq(ipf_uds_listen(path, SOCK_STREAM, &s2), -EADDRINUSE, "a live server is left alone");
  cr_assert_eq(ipf_uds_server_close(s), 0);
  cr_assert_neq(access(path, F_OK), 0, "socket file unlinked on close");
  ipf_tmpdir_remove(dir);
}

Test(uds, seqpacket_keeps_boundaries_and_reports_oversize, .timeout = 10) {
  signal(SIGPIPE, SIG_IGN);
  char dir[96], path[128];
  cr_assert_eq(ipf_tmpdir(dir, sizeof dir), 0);
  snprintf(path, sizeof path, "%s/s", dir);
  ipf_uds_server_t *s;
  cr_assert_eq(ipf_uds_listen(path, SOCK_SEQPACKET, &s), 0);
  ipf_uds_conn c, a;
  cr_assert_eq(ipf_uds_connect(path, SOCK_SEQPACKET, &c), 0);
  cr_assert_eq(ipf_uds_accept(s, &a, 1000), 0);
  cr_assert_eq(ipf_uds_send(&c, "Hello, Receiver!", 16), 0);
  cr_assert_eq(ipf_uds_send(&c, "Goodbye!", 8), 0);
  char buf[64];
  size_t len;
  cr_assert_eq(ipf_uds_recv(&a, buf, sizeof buf, &len), 1);
  cr_assert_eq(len, 16);
  cr_assert_eq(ipf_uds_recv(&a, buf, 4, &len), IPF_EFRAME);
  cr_assert_eq(ipf_uds_send(&c, "", 0), -EINVAL);
  ipf_uds_close(&c);
  cr_assert_eq(ipf_uds_recv(&a, buf, sizeof buf, &len), 0);
  ipf_uds_close(&a);
  ipf_uds_server_close(s);
  ipf_tmpdir_remove(dir);
}

Test(uds, stream_truncation_reported_and_epipe_not_sigpipe, .timeout = 10) {
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  cr_assert_eq(write(sv[0], "\0\0\0\x08Good", 8), 8);
  close(sv[0]);
  ipf_uds_conn r = { sv[1], SOCK_STREAM };
  char buf[64];
  size_t len;
  cr_assert_eq(ipf_uds_recv(&r, buf, sizeof buf, &len), IPF_ETRUNC);
  cr_assert_eq(ipf_uds_send(&r, "x", 1), -EPIPE, "MSG_NOSIGNAL: no SIGPIPE kills the test");
  ipf_uds_close(&r);
}

Test(uds, every_scenario_gets_its_verdict, .timeout = 120) {
  char kind[32];
  cr_assert_eq(explore_verdict("uds/framed", 300, kind, sizeof kind), IPF_VERDICT_OK, "%s", kind);
  cr_assert_eq(explore_verdict("uds/seqpacket", 300, kind, sizeof kind), IPF_VERDICT_OK, "%s", kind);
  cr_assert_eq(explore_verdict("uds/sleep-startup", 1000, kind, sizeof kind), IPF_VERDICT_BUG);
  cr_assert_str_eq(kind, "startup-order");
  cr_assert_eq(explore_verdict("uds/recv-is-message", 1000, kind, sizeof kind), IPF_VERDICT_BUG);
  cr_assert_eq(explore_verdict("uds/truncated-frame-accepted", 1000, kind, sizeof kind), IPF_VERDICT_BUG);
  cr_assert_str_eq(kind, "partial-message");
}
