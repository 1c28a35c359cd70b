/* Names for places and objects in reports, traces and the HTML swimlane.
 * Not installed.
 *
 * DESIGN. Two questions every report asks: where is this code address
 * ("transfer (bank.c:31)") and what is this data address ("lock_a",
 * "slot[2]", "heap object of 24 bytes allocated at make_queue (q.c:12)").
 * Callers never format addresses themselves; they ask here, and get a
 * string that is never NULL (the hex address when nothing better is known).
 * Lookups are cached per address. The answer comes from, in order: names a
 * scenario gave with ipf_name(), debug info (libdw) for code, the symbol
 * table for globals, and the allocation site for heap objects where the
 * run records one.
 */
#ifndef IPCFAULT_SCHED_NAMES_H
#define IPCFAULT_SCHED_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Implemented in src/rt/symbolize.c and src/rt/heap.c (IPF_NAMES_SRC in
 * CMakeLists.txt: self-contained, linked into the library, the preload
 * library and the memory runtime alike; libdw comes with them, and
 * ipf__pt_guard from src/sched/pthread.c, which they set while libdw works so
 * that its calls reach libc). Safe to call from any thread. */

/* "function (file:line)", or "function+0x1c" without debug info, or hex.
 * pc is a return address (what __builtin_return_address and the hooks
 * give): the line is that of the call, looked up at pc - 1. */
const char *ipf__name_pc(uintptr_t pc, char *buf, size_t len);
/* The same for an exact instruction address (a PC sampled from a signal's
 * ucontext): looked up at ip itself. */
const char *ipf__name_ip(uintptr_t ip, char *buf, size_t len);
/* "symbol", "symbol+8", "slot[2]", a heap object's allocation site
 * ("heap object of 48 bytes allocated at make_queue (q.c:12)", "offset 8
 * in heap object of ..."), or hex. */
const char *ipf__name_addr(const void *addr, char *buf, size_t len);
/* The same, but NULL instead of hex when nothing is known (the caller has
 * a better fallback, such as where the object was first used). */
const char *ipf__name_data(const void *addr, char *buf, size_t len);

/* The symbol table tier alone, for hot paths (naming a thread at create):
 * parse the program's symbol table once (cheap to call again; exec mode
 * calls it in the forkserver so that executions inherit it), and name an
 * address "name" or "name+0x1c" (with_offset) from it or from dladdr, NULL
 * when nothing is known. */
void ipf__sym_init(void);
const char *ipf__sym(const void *addr, char *buf, size_t len, int with_offset);

/* Heap allocation sites (src/rt/heap.c). The recorder (exec mode: the
 * preload's malloc interposers) notes each live block of the program with
 * the caller's return address; not thread-safe: one recorder at a time. */
void ipf__heap_alloc(const void *p, size_t size, uintptr_t pc);
void ipf__heap_free(const void *p);
/* Exec mode: the forkserver makes the table once (before its first fork),
 * and each execution starts it empty (in the child, before main runs). */
void ipf__heap_prepare(void);
void ipf__heap_begin(void);
/* The live recorded block holding addr: 1 and its start, size and pc. */
int ipf__heap_find(const void *addr, uintptr_t *base, size_t *size, uintptr_t *pc);

/* ipf_name() ranges of the current run (src/sched/sched.c): "slot[2]", or
 * NULL when addr is in no named range. */
const char *ipf__range_name(const void *addr, char *buf, size_t len);

#endif
