/* tests/sh/names.sh builds this with -g: a deadlock whose report must name the place and the
 * objects. deposit takes bank_lock then the account's lock; audit takes
 * them the other way round. The account is on the heap, so its lock is
 * named by where it was allocated. NAMES_LIB: the two thread functions are
 * in a shared library (built as a library with -DNAMES_LIB, the program with -DNAMES_MAIN_ONLY). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct account {
  long balance;
  pthread_mutex_t lock;
};

#ifndef NAMES_MAIN_ONLY
pthread_mutex_t bank_lock = PTHREAD_MUTEX_INITIALIZER;
struct account *acct;

void *deposit(void *arg) {
  (void)arg;
  pthread_mutex_lock(&bank_lock);
  pthread_mutex_lock(&acct->lock);                 /* MARK deposit */
  acct->balance += 10;
  pthread_mutex_unlock(&acct->lock);
  pthread_mutex_unlock(&bank_lock);
  return NULL;
}

void *audit(void *arg) {
  (void)arg;
  pthread_mutex_lock(&acct->lock);
  pthread_mutex_lock(&bank_lock);                  /* MARK audit */
  printf("balance %ld\n", acct->balance);
  pthread_mutex_unlock(&bank_lock);
  pthread_mutex_unlock(&acct->lock);
  return NULL;
}
#else
extern struct account *acct;
void *deposit(void *);
void *audit(void *);
#endif

#ifndef NAMES_LIB
static struct account *open_account(void) {
  struct account *a = calloc(1, sizeof *a);        /* MARK alloc */
  pthread_mutex_init(&a->lock, NULL);
  return a;
}

int main(void) {
  acct = open_account();
  pthread_t t1, t2;
  pthread_create(&t1, NULL, deposit, NULL);
  pthread_create(&t2, NULL, audit, NULL);
  pthread_join(t1, NULL);                           /* MARK join */
  pthread_join(t2, NULL);
  free(acct);
  return 0;
}
#endif
