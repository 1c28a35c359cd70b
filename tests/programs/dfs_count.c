/* A program small enough to count its schedules by hand, for
 * `ipcfault exec --strategy dfs` (tests/sh/exec_dfs.sh): main creates b,
 * posts semaphore x twice and joins b; b posts y twice (independent of
 * main's posts), or x too when run with the argument "dep" (dependent).
 * The same shape as tests/test_dfs.c's counted program, with semaphore
 * posts for its stores, so the same counts: 35 schedules unbounded and
 * unreduced; 1, 5, 13 at preemption bounds 0, 1, 2; 6 (independent) and 20
 * (dependent) with sleep sets (test_dfs.c derives them).
 * Bug variant: main assumes b has not posted yet when its own posts are
 * done (it reads y's value and aborts otherwise): one preemption (main's,
 * at a post) lets b post first, so dfs finds it at depth 1. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sem_t x, y;
static sem_t *mine;

static void *b(void *arg) {
  (void)arg;
  sem_post(mine);
  sem_post(mine);
  return NULL;
}

int main(int argc, char **argv) {
  sem_init(&x, 0, 0);
  sem_init(&y, 0, 0);
  mine = argc > 1 && !strcmp(argv[1], "dep") ? &x : &y;
  pthread_t t;
  pthread_create(&t, NULL, b, NULL);
  sem_post(&x);
  sem_post(&x);
#ifndef FIXED
  int v = 0;
  sem_getvalue(&y, &v);                 /* BUG: b may have run already */
  if (v != 0) {
    fprintf(stderr, "b posted before main was done\n");
    abort();
  }
#endif
  pthread_join(t, NULL);
  return 0;
}
