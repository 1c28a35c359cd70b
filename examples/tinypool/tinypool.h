/* tinypool: a small pthread thread pool, standing for "an existing pthread
 * library" (examples/tinypool/README in tests/sh/example.sh's terms): it
 * knows nothing of ipcfault. */
#ifndef TINYPOOL_H
#define TINYPOOL_H

typedef struct tp_pool tp_pool;

/* A pool of n worker threads, all started when it returns; NULL on error. */
tp_pool *tp_create(int n);
/* Queue fn(arg) for a worker. 0 or an errno. */
int tp_submit(tp_pool *p, void (*fn)(void *), void *arg);
/* Run fn(arg) on a thread of its own, detached. 0 or an errno. */
int tp_submit_detached(tp_pool *p, void (*fn)(void *), void *arg);
/* Wait until every task submitted so far has run. */
void tp_wait(tp_pool *p);
/* Tasks run so far, and the most ever queued at once. */
long tp_tasks_run(tp_pool *p);
int tp_high_water(tp_pool *p);
/* Stop the workers, join them, free the pool (after tp_wait). */
void tp_destroy(tp_pool *p);
/* Pools created in this process. */
int tp_pools_made(void);

#endif
