/* ipcfault/mech.h — the reference mechanisms.
 *
 * Each mechanism is written against ipcfault/sched.h (and io.h), so the same
 * code runs as a plain program, under the controlled scheduler, or in chaos
 * mode. Bug variants are the reference plus lines switched on by IPF_BUG bits
 * (ipcfault/run.h); with no run active every bit is off.
 */
#ifndef IPCFAULT_MECH_H
#define IPCFAULT_MECH_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shared memory: a board of slots, -1 means empty ------------------------
 * The workload of shared_memory.py: a producer writes each slot once, a
 * consumer reads them in order and must wait for each to be written. */

#define IPF_SHM_EMPTY (-1)

typedef enum {
  IPF_SHM_SPIN,     /* C11 acquire/release, the waiter spins with ipf_yield */
  IPF_SHM_CONDVAR,  /* mutex + condition variable, the waiter blocks */
  IPF_SHM_PROCESS   /* shm_open + mmap(MAP_SHARED), usable across fork() */
} ipf_shm_kind;

typedef struct ipf_shm_board ipf_shm_board_t;

/* Bug switches of the shm family (IPF_BUG). */
#define IPF_BUG_SHM_NO_CHECK   0x1u   /* read a slot once, take whatever is there */
#define IPF_BUG_SHM_OFF_BY_ONE 0x2u   /* the producer writes value i to slot i-1 */
#define IPF_BUG_SHM_PLAIN      0x4u   /* the `continue` fix on plain ints: a data race */

/* Create a board of nslots empty slots. The caller owns *out and releases it
 * with ipf_shm_close. IPF_SHM_PROCESS creates a private POSIX shm object
 * (O_EXCL, 0600), maps it shared and unlinks its name before returning, so no
 * path, not even a crash, can leave it behind; the mapping survives fork().
 * Returns 0 or a negative errno. */
int ipf_shm_open(ipf_shm_board_t **out, ipf_shm_kind kind, int nslots);
/* The POSIX name the board had while it existed ("" for thread boards). */
const char *ipf_shm_name(const ipf_shm_board_t *b);
/* Write value (never IPF_SHM_EMPTY: -EINVAL) into slot; wakes its reader. */
int ipf_shm_put(ipf_shm_board_t *b, int slot, int value);
/* Wait until slot is written, then store its value in *value. */
int ipf_shm_get(ipf_shm_board_t *b, int slot, int *value);
/* Unmap or free the board. */
int ipf_shm_close(ipf_shm_board_t *b);

#ifdef __cplusplus
}
#endif
#endif /* IPCFAULT_MECH_H */
