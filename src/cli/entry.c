/* main() of the ipcfault command and of ipcfault_main: the command line
 * over whatever scenarios the program was linked with. */
#include "ipcfault/run.h"

int main(int argc, char **argv) { return ipf_main(argc, argv); }
