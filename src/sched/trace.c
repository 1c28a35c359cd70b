/* Text swimlane of a recorded interleaving: one column a thread, one row an
 * event, in the order the scheduler ran them. */
#include <stdio.h>
#include <string.h>

#include "ipcfault/run.h"

#define COL 28

static void cell(FILE *out, const char *text) {
  int n = (int)strlen(text);
  if (n > COL - 1) fprintf(out, " %.*s~", COL - 2, text);
  else fprintf(out, " %-*s", COL - 1, text);
}

void ipf_trace_print(FILE *out, const ipf_result *res) {
  int nt = res->nthreads > 64 ? 64 : res->nthreads;
  if (nt <= 0 || !res->nevents) { fprintf(out, "(no trace recorded)\n"); return; }
  fprintf(out, "%6s |", "step");
  for (int t = 0; t < nt; t++) { cell(out, res->thread_names[t]); fputc('|', out); }
  fputc('\n', out);
  fprintf(out, "-------+");
  for (int t = 0; t < nt; t++) { for (int k = 0; k < COL; k++) fputc('-', out); fputc('+', out); }
  fputc('\n', out);
  for (size_t i = 0; i < res->nevents; i++) {
    const ipf_event *e = &res->events[i];
    fprintf(out, "%6ld |", e->step);
    for (int t = 0; t < nt; t++) {
      cell(out, t == e->tid ? e->text : "");
      fputc('|', out);
    }
    fputc('\n', out);
  }
}
