/* main() for the compile-time route (ipcfault/pthread.h): the program's own
 * main was renamed ipf_program_main by the header's macro; this starts it,
 * as the forkserver under `ipcfault exec`, or plainly otherwise. The whole
 * of libipcfault_pthread: a library of its own, because a main in
 * libipcfault would be taken by any program whose main lives in a shared
 * library (Criterion's). */
#define IPF_PTHREAD_NO_MACROS
#include "ipcfault/pthread.h"

int main(int argc, char **argv, char **envp) {
  return ipf_pthread_start((int (*)(int, char **, char **))(void (*)(void))ipf_program_main, argc, argv, envp);
}
