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

/* "function (file:line)", or "function+0x1c" without debug info, or hex. */
const char *ipf__name_pc(uintptr_t pc, char *buf, size_t len);
/* "symbol", "symbol+8", "slot[2]", a heap object's allocation site, or hex. */
const char *ipf__name_addr(const void *addr, char *buf, size_t len);

#endif
