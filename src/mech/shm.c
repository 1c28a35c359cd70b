/* Shared memory: a board of int slots where -1 means "empty", as in
 * shared_memory.py.
 *
 * DESIGN. The chapter notes fix the consumer that read a slot before it was
 * written with a `continue` that re-reads it. In C that loop over a plain int
 * is a data race (undefined behaviour: the load may be hoisted and spin for
 * ever), so the reference does one of three correct things:
 *  - IPF_SHM_SPIN: the slot is written with a release store and polled with
 *    acquire loads; the poller calls ipf_yield, so under the controlled
 *    scheduler it is deprioritised instead of burning the step budget.
 *  - IPF_SHM_CONDVAR: a mutex and a condition variable; the reader blocks.
 *  - IPF_SHM_PROCESS: the board lives in a POSIX shm object mapped
 *    MAP_SHARED, written and read with ipf_store/ipf_load (scheduling points
 *    in a controlled run, whose processes are all managed). The waiter of an
 *    empty slot yields in a controlled run, as IPF_SHM_SPIN's does: a futex
 *    sleep in the kernel would hold the run's only token. Elsewhere it sleeps
 *    on a shared futex on the slot itself (FUTEX_WAIT without _PRIVATE), a
 *    raw syscall and so safe in a child forked from a multithreaded parent.
 * The bug variants are the marked IPF_BUG lines: no check at all (threads,
 * and shm/process-no-check's consumer process), and the `continue` fix done
 * on plain ints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipcfault/mech.h"
#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "../sched/internal.h"     /* ipf__world */

static void board_release(void *b);

struct ipf_shm_board {
  ipf_shm_kind kind;
  int nslots;
  size_t maplen;               /* IPF_SHM_PROCESS: length of the mapping */
  char name[64];
  ipf_mutex_t lock;            /* IPF_SHM_CONDVAR */
  ipf_cond_t written;
  int slot[];                  /* IPF_SHM_EMPTY until written */
};

int ipf_shm_open(ipf_shm_board_t **out, ipf_shm_kind kind, int nslots) {
  *out = NULL;
  if (nslots <= 0 || nslots > 1 << 20) return -EINVAL;
  size_t len = sizeof(ipf_shm_board_t) + (size_t)nslots * sizeof(int);
  ipf_shm_board_t *b;
  char name[64] = "";
  if (kind == IPF_SHM_PROCESS) {
    static atomic_uint seq;
    snprintf(name, sizeof name, "/ipcfault-%ld-%u", (long)getpid(), atomic_fetch_add(&seq, 1));
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return -errno;
    int err = 0;
    if (ftruncate(fd, (off_t)len) < 0) err = -errno;
    void *p = err ? MAP_FAILED : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (!err && p == MAP_FAILED) err = -errno;
    /* The mapping keeps the object alive; the name is not needed after this,
     * and unlinking it now means no later path can leak it. */
    shm_unlink(name);
    close(fd);
    if (err) return err;
    b = p;
  } else {
    b = calloc(1, len);
    if (!b) return -ENOMEM;
    ipf_mutex_init(&b->lock, "board.lock");
    ipf_cond_init(&b->written, "board.written");
    /* freed for an execution abandoned before its close (a data race
     * reported mid-run, a deadlock): LeakSanitizer saw every such board */
    ipf__exec_adopt(b, board_release);
  }
  b->kind = kind;
  b->nslots = nslots;
  b->maplen = len;
  snprintf(b->name, sizeof b->name, "%s", name);
  for (int i = 0; i < nslots; i++) b->slot[i] = IPF_SHM_EMPTY;
  ipf_name(b->slot, (unsigned long)nslots * sizeof(int), sizeof(int), "slot");
  *out = b;
  return 0;
}

const char *ipf_shm_name(const ipf_shm_board_t *b) { return b->name; }

int ipf_shm_put(ipf_shm_board_t *b, int slot, int value) {
  if (slot < 0 || slot >= b->nslots || value == IPF_SHM_EMPTY) return -EINVAL;
  switch (b->kind) {
  case IPF_SHM_SPIN:
    if (IPF_BUG(IPF_BUG_SHM_PLAIN)) {
      b->slot[slot] = value;              /* BUG: plain store, no release */
      ipf_note("store slot[%d] <- %d (plain)", slot, value);
      return 0;
    }
    ipf_store(&b->slot[slot], value);
    return 0;
  case IPF_SHM_CONDVAR:
    ipf_mutex_lock(&b->lock);
    b->slot[slot] = value;
    ipf_note("slot[%d] <- %d", slot, value);
    ipf_cond_broadcast(&b->written);
    ipf_mutex_unlock(&b->lock);
    return 0;
  case IPF_SHM_PROCESS:
    ipf_store(&b->slot[slot], value);
    syscall(SYS_futex, &b->slot[slot], FUTEX_WAKE, 1, NULL, NULL, 0);
    return 0;
  }
  return -EINVAL;
}

int ipf_shm_get(ipf_shm_board_t *b, int slot, int *value) {
  if (slot < 0 || slot >= b->nslots) return -EINVAL;
  int v;
  switch (b->kind) {
  case IPF_SHM_SPIN:
    if (IPF_BUG(IPF_BUG_SHM_NO_CHECK)) {
      /* BUG: shared_memory.py before its fix read the slot once and printed
       * whatever it found, -1 included. */
      *value = ipf_load(&b->slot[slot]);
      return 0;
    }
    if (IPF_BUG(IPF_BUG_SHM_PLAIN)) {
      /* BUG: the `continue` fix on a plain int. Right under sequential
       * consistency, a data race in C: nothing orders this load after the
       * producer's store, and the compiler may hoist it out of the loop. */
      for (;;) {
        v = b->slot[slot];
        if (v != IPF_SHM_EMPTY) break;
        ipf_yield();
      }
      ipf_note("load slot[%d] -> %d (plain)", slot, v);
      *value = v;
      return 0;
    }
    while ((v = ipf_load(&b->slot[slot])) == IPF_SHM_EMPTY) ipf_yield();
    *value = v;
    return 0;
  case IPF_SHM_CONDVAR:
    ipf_mutex_lock(&b->lock);
    while ((v = b->slot[slot]) == IPF_SHM_EMPTY) ipf_cond_wait(&b->written, &b->lock);
    ipf_note("slot[%d] -> %d", slot, v);
    ipf_mutex_unlock(&b->lock);
    *value = v;
    return 0;
  case IPF_SHM_PROCESS:
    if (IPF_BUG(IPF_BUG_SHM_NO_CHECK)) {
      /* BUG: shared_memory.py's consumer, as a process over the shared
       * mapping: it reads the slot once and takes whatever it finds. */
      *value = ipf_load(&b->slot[slot]);
      return 0;
    }
    while ((v = ipf_load(&b->slot[slot])) == IPF_SHM_EMPTY) {
      if (ipf__world() == IPF_WORLD_CONTROLLED) ipf_yield();
      else syscall(SYS_futex, &b->slot[slot], FUTEX_WAIT, IPF_SHM_EMPTY, NULL, NULL, 0);
    }
    *value = v;
    return 0;
  }
  return -EINVAL;
}

static void board_free(ipf_shm_board_t *b) {
  ipf_cond_destroy(&b->written);
  ipf_mutex_destroy(&b->lock);
  free(b);
}
static void board_release(void *b) { board_free(b); }

int ipf_shm_close(ipf_shm_board_t *b) {
  if (!b) return 0;
  if (b->kind == IPF_SHM_PROCESS) return munmap(b, b->maplen) < 0 ? -errno : 0;
  ipf__exec_disown(b);
  board_free(b);
  return 0;
}
