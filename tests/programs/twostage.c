/* Two-stage update (after SV-COMP's pthread/twostage_3): the writer sets
 * data1 under one lock and derives data2 from it under another; a reader
 * that sees the new data1 assumes data2 is already derived. Fixed: the
 * writer holds the first lock until data2 is written (lock order d1, d2). */
#include <assert.h>
#include <pthread.h>

static pthread_mutex_t d1 = PTHREAD_MUTEX_INITIALIZER, d2 = PTHREAD_MUTEX_INITIALIZER;
static int data1, data2;

static void *writer(void *arg) {
  (void)arg;
  pthread_mutex_lock(&d1);
  data1 = 1;
#ifndef FIXED
  pthread_mutex_unlock(&d1);
#endif
  pthread_mutex_lock(&d2);
  data2 = data1 + 1;
  pthread_mutex_unlock(&d2);
#ifdef FIXED
  pthread_mutex_unlock(&d1);
#endif
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  pthread_mutex_lock(&d1);
  int t1 = data1;
  pthread_mutex_unlock(&d1);
  if (t1 == 1) {
    pthread_mutex_lock(&d2);
    assert(data2 == t1 + 1);
    pthread_mutex_unlock(&d2);
  }
  return NULL;
}

int main(void) {
  pthread_t w, r[2];
  pthread_create(&w, NULL, writer, NULL);
  for (int i = 0; i < 2; i++) pthread_create(&r[i], NULL, reader, NULL);
  pthread_join(w, NULL);
  for (int i = 0; i < 2; i++) pthread_join(r[i], NULL);
  return 0;
}
