/* Bank account: a deposit reads the balance in one critical section and
 * writes it in another (an atomicity violation: every access holds the
 * lock, but the read-modify-write does not). Two tellers depositing at once
 * lose a deposit; the audit at the end finds money missing. In the style of
 * the "account" benchmarks (Java Grande, SV-COMP pthread/account). */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t bank = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static int read_balance(void) {
  pthread_mutex_lock(&bank);
  int b = balance;
  pthread_mutex_unlock(&bank);
  return b;
}

static void deposit(int amount) {
#ifdef FIXED
  pthread_mutex_lock(&bank);
  balance += amount;
  pthread_mutex_unlock(&bank);
#else
  int b = read_balance();
  pthread_mutex_lock(&bank);
  balance = b + amount;
  pthread_mutex_unlock(&bank);
#endif
}

static void *teller(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) deposit(10);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, teller, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("balance %d\n", read_balance());
  assert(read_balance() == 160);
  return 0;
}
