/* Ticket sales under a spinlock: the seller checks availability in one
 * spin-locked section and sells in the next, so the last seat is sold
 * twice (check-then-act). Fixed: check and sell under one acquisition. */
#include <assert.h>
#include <pthread.h>

static pthread_spinlock_t lock;
static int seats = 1, sold;

static void *seller(void *arg) {
  (void)arg;
#ifdef FIXED
  pthread_spin_lock(&lock);
  if (seats > 0) { seats--; sold++; }
  pthread_spin_unlock(&lock);
#else
  pthread_spin_lock(&lock);
  int avail = seats;
  pthread_spin_unlock(&lock);
  if (avail > 0) {
    pthread_spin_lock(&lock);
    seats--;
    sold++;
    pthread_spin_unlock(&lock);
  }
#endif
  return NULL;
}

int main(void) {
  pthread_spin_init(&lock, PTHREAD_PROCESS_PRIVATE);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, seller, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  assert(seats >= 0 && sold == 1);
  pthread_spin_destroy(&lock);
  return 0;
}
