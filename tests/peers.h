/* For the process tests: separately exec'd peers (ipf_exec_peer) of a
 * scenario, met on a FIFO.
 *
 * DESIGN. The test binary is the peers' image too: a test registers its
 * roles (ipf_register_peer, in a constructor), and its scenario's main
 * makes a FIFO in a private directory of the run (peer_fifo) and forks one
 * process per role that becomes that role's image with the FIFO's path as
 * its argument (fork_peer). Such a child exits 100 + errno when the exec
 * fails (ipf_exec_peer returns only then, with -errno), so the parent's
 * status check tells a failed exec from the peer's own exit codes, which
 * are small. */
#ifndef IPCFAULT_TESTS_PEERS_H
#define IPCFAULT_TESTS_PEERS_H
#include <criterion/criterion.h>
#include <stdio.h>

#include "ipcfault/io.h"
#include "ipcfault/sched.h"

/* A private directory of the run into dir (for ipf_tmpdir_remove) and a FIFO
 * in it, its path into path. */
static inline void peer_fifo(char *dir, size_t dcap, char *path, size_t pcap) {
  cr_assert_eq(ipf_tmpdir(dir, dcap), 0);
  snprintf(path, pcap, "%s/fifo", dir);
  cr_assert_eq(ipf_mkfifo(path, 0600), 0);
}

/* A process of the run, named name, that becomes peer image `role` run as
 * `role path`; its pid. */
static inline pid_t fork_peer(const char *name, const char *role, const char *path) {
  pid_t pid = ipf_fork(name);
  if (pid == 0) {
    char *av[] = { (char *)role, (char *)path, NULL };
    ipf_exit(100 - ipf_exec_peer(role, av));
  }
  return pid;
}
#endif
