/* Task exceptions: IPF_TRY / IPF_CATCH / ipf_task_throw (ipcfault/fault.h).
 *
 * DESIGN. C has no exceptions, so a task that wants to fail "from deep down"
 * unwinds with longjmp to the innermost IPF_TRY of its thread. The catch
 * frames form a stack per thread (thread-local, so workers never see each
 * other's frames), linked through the ipf_catch_t objects that live in the
 * IPF_TRY callers' own stack frames: no allocation, nothing to free.
 * IPF_TRY pushes a frame; leaving the try block normally pops it (IPF_CATCH
 * does); a throw pops it here, before the jump, so the catch block runs with
 * the outer frame on top and may rethrow. Throwing with no frame is a broken
 * invariant of the caller: abort with a message naming the code, as an
 * uncaught C++ exception would terminate.
 *
 * Managed threads are reused across executions: a thread unwound from an
 * abandoned execution (deadlock, hang) drops its frames (ipf__catch_reset,
 * called by the scheduler's reclaim), so no stale frame can be jumped to.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ipcfault/error.h"
#include "ipcfault/fault.h"
#include "../sched/internal.h"

static __thread ipf_catch_t *top;

void ipf__catch_reset(void) { top = NULL; }

void ipf__catch_push(ipf_catch_t *c) {
  c->prev = top;
  c->code = 0;
  top = c;
}

void ipf__catch_pop(ipf_catch_t *c) {
  if (top != c) {
    /* Frames are popped innermost first; anything else means a try block
     * was left by return or goto, and its frame now points into a dead
     * stack frame. */
    fprintf(stderr, "ipcfault: IPF_TRY frames popped out of order (a try block left by return or goto?)\n");
    abort();
  }
  top = c->prev;
}

void ipf_task_throw(int code) {
  ipf_catch_t *c = top;
  if (!c) {
    fprintf(stderr, "ipcfault: ipf_task_throw(%d: %s) with no IPF_TRY active on this thread\n",
            code, ipf_strerror(code));
    abort();
  }
  top = c->prev;
  c->code = code;
  longjmp(c->jb, 1);
}
