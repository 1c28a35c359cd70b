/* Reading /proc: the kit's one reader of small /proc files and of
 * /proc/PID/stat fields.
 *
 * DESIGN. The kit asks /proc about processes in several places: whether a
 * run's process has finished exiting and with what code (sched.c,
 * proc_stat), which processes are children of this one (sched.c's chaos
 * mode and the CLI, which kill and reap what is left behind:
 * ipf__proc_children), and, for a
 * report, who holds an end of a pipe open (src/io/io.c, fdinfo flags). Each
 * is one read of a small file, done here with open/read/close rather than
 * stdio: the callers run in exec mode past the interposers (they set
 * ipf__pt_guard themselves, this file does not), and in processes just
 * forked, where a FILE's lock may be held by a thread that did not follow.
 * A stat line is read from its last ')': the command name (field 2) is the
 * program's to choose and may hold spaces and parentheses, so fields are
 * counted only after it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

ssize_t ipf__proc_read(char *buf, size_t cap, const char *fmt, ...) {
  char path[320];
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  if (w < 0 || (size_t)w >= sizeof path || cap < 2) return -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  return n;
}

const char *ipf__stat_field(const char *stat, int field) {
  const char *t = strrchr(stat, ')');
  if (!t || t[1] != ' ' || field < 3) return NULL;
  t += 2;                               /* field 3, the state */
  for (int f = 3; f < field; f++) {
    t = strchr(t, ' ');
    if (!t) return NULL;
    t++;
  }
  return *t ? t : NULL;
}

void ipf__proc_children(void (*fn)(pid_t pid, void *arg), void *arg) {
  DIR *d = opendir("/proc");
  if (!d) return;
  struct dirent *e;
  pid_t self = getpid();
  char buf[1024];
  while ((e = readdir(d))) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    pid_t pid = (pid_t)atoi(e->d_name);
    if (ipf__proc_read(buf, sizeof buf, "/proc/%d/stat", (int)pid) < 0) continue;
    const char *ppid = ipf__stat_field(buf, 4);
    if (ppid && atoi(ppid) == (int)self) fn(pid, arg);
  }
  closedir(d);
}
