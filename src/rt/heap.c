/* Heap allocation sites: which live block holds an address, how big it is,
 * and where it was allocated, for names such as "heap object of 48 bytes
 * allocated at make_queue (q.c:12)" (src/sched/names.h).
 *
 * DESIGN. A side table of live blocks (start, size, caller pc), never a
 * header in the block: the allocator's layout stays untouched, so blocks
 * recorded here and blocks that bypassed the table (allocated before the
 * execution, by memalign, by the kit) can be freed in any order. Exec mode
 * records only the program's own calls during a controlled execution (the
 * preload's malloc interposers decide; src/preload/preload.c). Only one managed thread runs
 * at a time and nothing else records, so the table takes no lock; the
 * controller reads it at report time, when every managed thread is parked.
 *
 * Open addressing on the block's start with linear probing and
 * backward-shift deletion (no tombstones: programs that churn through
 * malloc/free keep short probes). The table is mmap'ed, never malloc'ed (it
 * grows from inside malloc), and doubles at half load. Exec mode's first
 * table is made once by the forkserver (ipf__heap_prepare), shared and
 * populated, and each execution claims it with a new generation
 * (ipf__heap_begin): a fresh private table per execution would cost every
 * execution a page fault per page it touches (measured: 15% of the
 * executions of a program doing 1,000 mallocs each). Executions run one at
 * a time; a process the program forks continues on a private copy. An address inside a
 * block (a mutex in a struct) is found by a scan of the table: report time
 * only.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../sched/names.h"

/* A slot is live when it holds a block of this execution's generation:
 * the forkserver's shared table needs no clearing between executions. */
typedef struct { uintptr_t p; size_t size; uintptr_t pc; uint32_t gen; } blk;
static blk *tab, *shared_tab;
static size_t cap, used, shared_cap;
static uint32_t gen, *shared_gen;
static pid_t owner;

#define LIVE(e) ((e).p && (e).gen == gen)

static size_t slot(uintptr_t p, size_t c) {
  uint64_t x = (uint64_t)p >> 4;
  x *= 0x9E3779B97F4A7C15ull;
  return (size_t)(x >> 20) & (c - 1);
}

/* A process forked by the program inside an execution must not write the
 * table its parent is using: it goes on with a private copy. */
static void after_fork_child(void) {
  if (tab != shared_tab || !tab || getpid() == owner) return;
  blk *old = tab;
  size_t oc = cap;
  tab = NULL;
  cap = used = 0;
  for (size_t i = 0; i < oc; i++)
    if (LIVE(old[i])) ipf__heap_alloc((const void *)old[i].p, old[i].size, old[i].pc);
}

void ipf__heap_prepare(void) {
  if (shared_tab) return;
  size_t c = 4096, bytes = c * sizeof(blk) + 4096;
  /* shared and populated: executions, one at a time, fault no page in */
  char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (m == MAP_FAILED) return;
  shared_gen = (uint32_t *)m;
  shared_tab = (blk *)(m + 4096);
  shared_cap = c;
  pthread_atfork(NULL, NULL, after_fork_child);
}

void ipf__heap_begin(void) {
  if (!shared_tab) return;
  if (tab && tab != shared_tab) munmap(tab, cap * sizeof *tab);
  tab = shared_tab;
  cap = shared_cap;
  used = 0;
  gen = ++*shared_gen;
  if (!gen) gen = ++*shared_gen;
  owner = getpid();
}

static int grow(void) {
  size_t nc = cap ? 2 * cap : 4096;
  blk *nt = mmap(NULL, nc * sizeof *nt, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (nt == MAP_FAILED) return -1;
  for (size_t i = 0; i < cap; i++) {
    if (!LIVE(tab[i])) continue;
    size_t j = slot(tab[i].p, nc);
    while (nt[j].p) j = (j + 1) & (nc - 1);
    nt[j] = tab[i];
  }
  if (tab && tab != shared_tab) munmap(tab, cap * sizeof *tab);
  tab = nt;
  cap = nc;
  return 0;
}

void ipf__heap_alloc(const void *p, size_t size, uintptr_t pc) {
  if (!p) return;
  if ((used + 1) * 2 > cap && grow() != 0) return;   /* out of memory: the site goes unnamed */
  uintptr_t k = (uintptr_t)p;
  size_t i = slot(k, cap);
  while (LIVE(tab[i]) && tab[i].p != k) i = (i + 1) & (cap - 1);
  if (!LIVE(tab[i])) used++;  /* else: a block freed where the table did not see it */
  tab[i].p = k;
  tab[i].size = size;
  tab[i].pc = pc;
  tab[i].gen = gen;
}

void ipf__heap_free(const void *p) {
  if (!p || !used) return;
  uintptr_t k = (uintptr_t)p;
  size_t i = slot(k, cap);
  while (!(LIVE(tab[i]) && tab[i].p == k)) {
    if (!LIVE(tab[i])) return;  /* not recorded */
    i = (i + 1) & (cap - 1);
  }
  /* backward-shift: pull later members of the probe run into the hole */
  size_t j = i;
  for (;;) {
    tab[i].p = 0;
    for (;;) {
      j = (j + 1) & (cap - 1);
      if (!LIVE(tab[j])) { used--; return; }
      size_t h = slot(tab[j].p, cap);
      /* may tab[j] move to i? only if its home h is not in (i, j] */
      if (i <= j ? (h <= i || h > j) : (h <= i && h > j)) break;
    }
    tab[i] = tab[j];
    i = j;
  }
}

int ipf__heap_find(const void *addr, uintptr_t *base, size_t *size, uintptr_t *pc) {
  if (!used) return 0;
  uintptr_t a = (uintptr_t)addr;
  size_t i = slot(a, cap);
  for (; LIVE(tab[i]); i = (i + 1) & (cap - 1))
    if (tab[i].p == a) { *base = a; *size = tab[i].size; *pc = tab[i].pc; return 1; }
  for (size_t k = 0; k < cap; k++)
    if (LIVE(tab[k]) && a >= tab[k].p && a < tab[k].p + (tab[k].size ? tab[k].size : 1)) {
      *base = tab[k].p; *size = tab[k].size; *pc = tab[k].pc;
      return 1;
    }
  return 0;
}
