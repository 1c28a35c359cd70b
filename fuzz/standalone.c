/* A fuzzing engine's stand-in for builds without one (gcc): run
 * LLVMFuzzerTestOneInput once on each file given, or on each file of each
 * directory given, in name order. ctest replays the corpora with it on
 * every `make check`; a finding aborts, which fails the test. Prints one
 * line per input ran, so a failure names the input.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc; (void)argv;
  return 0;
}

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); return -1; }
  size_t cap = 1 << 16, n = 0, k;
  uint8_t *b = malloc(cap);
  while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) { uint8_t *t = realloc(b, cap *= 2); if (!t) { free(b); b = NULL; } else b = t; }
  }
  fclose(f);
  if (!b) { fprintf(stderr, "%s: out of memory\n", path); return -1; }
  fprintf(stderr, "running %s (%zu bytes)\n", path, n);
  /* an exact-size copy, so that ASan sees a read past the input */
  uint8_t *exact = malloc(n ? n : 1);
  memcpy(exact, b, n);
  free(b);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  int ran = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) < 0) { perror(argv[i]); bad++; continue; }
    if (!S_ISDIR(st.st_mode)) { bad += run_file(argv[i]) < 0; ran++; continue; }
    struct dirent **e;
    int n = scandir(argv[i], &e, NULL, by_name);
    if (n < 0) { perror(argv[i]); bad++; continue; }
    for (int k = 0; k < n; k++) {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", argv[i], e[k]->d_name);
      if (e[k]->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode)) { bad += run_file(p) < 0; ran++; }
      free(e[k]);
    }
    free(e);
  }
  fprintf(stderr, "%d input%s ran, %d unreadable\n", ran, ran == 1 ? "" : "s", bad);
  return bad ? 1 : 0;
}
