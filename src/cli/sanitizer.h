/* Sanitizer-built programs under `ipcfault exec` (sanitizer.c). */
#ifndef IPCFAULT_CLI_SANITIZER_H
#define IPCFAULT_CLI_SANITIZER_H
#include <stddef.h>

/* The value of var (ASAN_OPTIONS or LSAN_OPTIONS) for the program: the
 * kit's defaults, then the user's own value, which wins flag by flag. malloc. */
char *ipf__sanitizer_env(const char *var);
/* The kind ("leak", "asan", "ubsan", "tsan") of the first sanitizer report in
 * the captured stderr fd, with its first line in line[]; NULL if none. */
const char *ipf__sanitizer_report(int fd, char *line, size_t len);

#endif
