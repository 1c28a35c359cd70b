/* Criterion tests of the fifo family: private directory and mode, open
 * ordering, EOF only after every writer, cleanup, verdicts. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipcfault/error.h"
#include "ipcfault/fifo.h"
#include "ipcfault/io.h"
#include "ipcfault/run.h"
#include "verdict.h"

Test(fifo, made_0600_in_a_0700_dir_and_removed_with_it) {
  char dir[96], path[128];
  cr_assert_eq(ipf_tmpdir(dir, sizeof dir), 0);
  cr_assert_eq(ipf_fifo_make(dir, "f", path, sizeof path), 0);
  struct stat st;
  cr_assert_eq(stat(dir, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0700);
  cr_assert_eq(stat(path, &st), 0);
  cr_assert(S_ISFIFO(st.st_mode));
  cr_assert_eq(st.st_mode & 0777, 0600);
  cr_assert_eq(ipf_tmpdir_remove(dir), 0);
  cr_assert_neq(access(dir, F_OK), 0);
}

Test(fifo, eof_only_after_every_writer_when_one_opens_late, .timeout = 10) {
  signal(SIGPIPE, SIG_IGN);
  char dir[96], path[128];
  cr_assert_eq(ipf_tmpdir(dir, sizeof dir), 0);
  cr_assert_eq(ipf_fifo_make(dir, "f", path, sizeof path), 0);
  ipf_fifo_reader_t *r;
  cr_assert_eq(ipf_fifo_open_reader(path, 2, &r), 0, "opening the read end never waits");
  int w1 = ipf_fifo_open_writer(path, 1000);
  cr_assert_geq(w1, 0);
  cr_assert_eq(ipf_fifo_send(w1, "one", 3), 0);
  cr_assert_eq(ipf_fifo_close_writer(w1), 0);
  char buf[IPF_FIFO_MSG_MAX];
  size_t len;
  cr_assert_eq(ipf_fifo_recv(r, buf, sizeof buf, &len, 1000), 1);
  /* the first writer is gone and the second not there yet: no EOF */
  cr_assert_eq(ipf_fifo_recv(r, buf, sizeof buf, &len, 50), -ETIMEDOUT);
  int w2 = ipf_fifo_open_writer(path, 1000);
  cr_assert_geq(w2, 0);
  cr_assert_eq(ipf_fifo_send(w2, "two", 3), 0);
  cr_assert_eq(ipf_fifo_close_writer(w2), 0);
  cr_assert_eq(ipf_fifo_recv(r, buf, sizeof buf, &len, 1000), 1);
  cr_assert(len == 3 && !memcmp(buf, "two", 3));
  cr_assert_eq(ipf_fifo_recv(r, buf, sizeof buf, &len, 1000), 0, "EOF once both said goodbye");
  cr_assert_eq(ipf_fifo_close_reader(r), 0);
  ipf_tmpdir_remove(dir);
}

Test(fifo, writer_open_times_out_when_no_reader) {
  char dir[96], path[128];
  cr_assert_eq(ipf_tmpdir(dir, sizeof dir), 0);
  cr_assert_eq(ipf_fifo_make(dir, "f", path, sizeof path), 0);
  cr_assert_eq(ipf_fifo_open_writer(path, 30), -ETIMEDOUT);
  ipf_tmpdir_remove(dir);
}

Test(fifo, oversized_message_refused) {
  static char big[IPF_FIFO_MSG_MAX + 1];
  cr_assert_eq(ipf_fifo_send(-1, big, sizeof big), -EMSGSIZE);
  cr_assert_eq(ipf_fifo_send(-1, big, 0), -EMSGSIZE);
}

Test(fifo, every_scenario_gets_its_verdict, .timeout = 120) {
  char kind[32];
  cr_assert_eq(explore_verdict("fifo/framed", 300, kind, sizeof kind), IPF_VERDICT_OK, "%s", kind);
  cr_assert_eq(explore_verdict("fifo/open-order-deadlock", 1000, kind, sizeof kind), IPF_VERDICT_BUG);
  cr_assert_str_eq(kind, "deadlock");
  cr_assert_eq(explore_verdict("fifo/early-eof", 1000, kind, sizeof kind), IPF_VERDICT_BUG);
}
