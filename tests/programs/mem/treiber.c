/* A Treiber stack (lock-free, nodes never freed while in use, so no ABA):
 * two threads push 3 nodes each, with CAS; main pops them all after join
 * and counts 6. Bug: push reads the head and then stores it with a plain
 * atomic store instead of a compare-and-swap, so a concurrent push is lost.
 * Expected: bug, the assertion; fixed twin clean. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct node { struct node *next; int v; };
static _Atomic(struct node *) head;

static void push(struct node *n) {
  struct node *h = atomic_load_explicit(&head, memory_order_relaxed);
#ifdef FIXED
  do n->next = h;
  while (!atomic_compare_exchange_weak_explicit(&head, &h, n, memory_order_release, memory_order_relaxed));
#else
  n->next = h;
  atomic_store_explicit(&head, n, memory_order_release);     /* BUG: not a CAS */
#endif
}

static struct node *pop(void) {
  struct node *h = atomic_load_explicit(&head, memory_order_acquire);
  while (h && !atomic_compare_exchange_weak_explicit(&head, &h, h->next, memory_order_acquire,
                                                     memory_order_acquire)) {}
  return h;
}

static void *pusher(void *arg) {
  struct node *nodes = arg;
  for (int i = 0; i < 3; i++) push(&nodes[i]);
  return NULL;
}

int main(void) {
  static struct node nodes[2][3];
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, pusher, nodes[i]);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  int n = 0;
  while (pop()) n++;
  assert(n == 6);
  return 0;
}
