/* make bench, memory section: a 2-thread program with about 1,000 shared
 * plain accesses (each worker reads and writes a 64-int array main filled,
 * 250 times, under one mutex: shared, race-free). Built twice: plainly and
 * with ipcfault-cc. */
#include <pthread.h>

static int shared[64];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
  int id = (int)(long)arg;
  pthread_mutex_lock(&m);
  for (int i = 0; i < 250; i++) shared[i % 64] += id;
  pthread_mutex_unlock(&m);
  return 0;
}

int main(void) {
  for (int i = 0; i < 64; i++) shared[i] = i;
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, worker, (void *)(i + 1));
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  return shared[0] == 0 + 4 * 3 ? 0 : 1;
}
