/* For the process tests: how many processes are children of this one now
 * (a run's processes must not outlive it). */
#ifndef IPCFAULT_TESTS_CHILDREN_H
#define IPCFAULT_TESTS_CHILDREN_H
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline int nchildren(void) {
  DIR *d = opendir("/proc");
  int n = 0;
  struct dirent *e;
  char path[300], buf[512];
  while (d && (e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    if (fgets(buf, sizeof buf, f)) {
      char *q = strrchr(buf, ')');
      int ppid = 0;
      if (q && sscanf(q + 2, "%*c %d", &ppid) == 1 && ppid == getpid()) n++;
    }
    fclose(f);
  }
  if (d) closedir(d);
  return n;
}
#endif
