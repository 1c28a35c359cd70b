/* replay --html FILE: a self-contained page drawing one execution as a
 * swimlane.
 *
 * DESIGN. The page carries the execution as a JSON object and draws it with
 * a few lines of JavaScript into an SVG: one lane per thread, one row per
 * event in the order the scheduler ran them, marks coloured by what they are
 * (sync operations, memory accesses, I/O calls, fired faults, the failure),
 * the failing step highlighted, a tooltip with the full text of each event.
 * No external resource is loaded, so the file can be attached to a CI run
 * and opened anywhere. When drawing finishes the script sets
 * data-rendered="N" (N marks drawn) on <body>: tests load the page in
 * headless Chromium and fail on a JavaScript error or an empty drawing.
 *
 * Long executions (a hang runs to the step bound: 100,000 steps) stay small
 * because repetition is folded here, before the page is written: a block of
 * up to MAX_PERIOD events that repeats at least MIN_REPS times in a row is
 * written once, followed by one row "×N, the same loop (steps a-b)". Raw
 * addresses in event texts are named through ipf__name_addr (names.h); two
 * threads with the same name get distinct lane titles ("worker #2"); lanes
 * are as wide as nine labels in ten need (170 to 340 px), and labels are cut
 * only at the lane's width (the tooltip has the whole text).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "ipcfault/run.h"
#include "../sched/names.h"

#define MAX_PERIOD 32
#define MIN_REPS 3

static void js_string(FILE *o, const char *s) {
  fputc('"', o);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(o, "\\%c", c);
    else if (c == '<') fputs("\\u003c", o);        /* no </script> inside the data */
    else if (c == '>') fputs("\\u003e", o);
    else if (c == '&') fputs("\\u0026", o);
    else if (c == '\n') fputs("\\n", o);
    else if (c < 0x20) fprintf(o, "\\u%04x", c);
    else fputc(c, o);
  }
  fputc('"', o);
}

static void html_text(FILE *o, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", o);
    else if (*s == '>') fputs("&gt;", o);
    else if (*s == '&') fputs("&amp;", o);
    else fputc(*s, o);
  }
}

static const char *page_script =
  "(function(){\n"
  "var d=JSON.parse(document.getElementById('ipf-data').textContent);\n"
  "var lens=d.events.filter(function(e){return !e.rep;}).map(function(e){return e.text.length;}).sort(function(a,b){return a-b;});\n"
  "var wide=lens.length?lens[Math.floor(lens.length*0.9)]:8;\n"
  "var NS='http://www.w3.org/2000/svg', LANE=Math.max(170,Math.min(340,30+6.6*wide)), ROW=22, TOP=40, LEFT=60;\n"
  "var CUT=Math.floor((LANE-30)/6.6);\n"
  "var svg=document.getElementById('lanes');\n"
  "var W=LEFT+LANE*d.threads.length+20, H=TOP+ROW*d.events.length+20;\n"
  "svg.setAttribute('width',W); svg.setAttribute('height',H); svg.setAttribute('viewBox','0 0 '+W+' '+H);\n"
  "function el(n,a,t){var e=document.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);if(t!==undefined)e.textContent=t;svg.appendChild(e);return e;}\n"
  "function kind(t){if(/^FAIL/.test(t))return'fail';if(/fault|spurious|short|eintr|reset|epipe|throw/.test(t))return'fault';"
  "if(/^(lock|unlock|trylock|wait|woken|timed out|signal|broadcast|sem_|create|join|exit)/.test(t))return'sync';"
  "if(/^(load|store)/.test(t))return'mem';if(/^(read|write|recv|send|accept|connect|open|close|pipe|socket|bind|listen|mkfifo)/.test(t))return'io';return'note';}\n"
  "var color={sync:'#2b6cb0',mem:'#718096',io:'#2f855a',fault:'#c05621',fail:'#c53030',note:'#6b46c1'};\n"
  "d.threads.forEach(function(n,i){var x=LEFT+i*LANE;el('rect',{x:x+4,y:TOP-30,width:LANE-8,height:H-TOP+20,fill:i%2?'#f7fafc':'#edf2f7',rx:6});"
  "el('text',{x:x+LANE/2,y:TOP-12,'text-anchor':'middle','font-weight':'bold','font-size':13},n);});\n"
  "var failRow=-1; d.events.forEach(function(e,i){if(!e.rep&&kind(e.text)==='fail'&&failRow<0)failRow=i;});\n"
  "if(failRow<0&&d.verdict!=='ok')failRow=d.events.length-1;\n"
  "if(failRow>=0)el('rect',{x:2,y:TOP+failRow*ROW-2,width:W-4,height:ROW,fill:'#fed7d7',id:'failing-step'});\n"
  "var drawn=0, last={};\n"
  "d.events.forEach(function(e,i){var y=TOP+i*ROW+10;\n"
  "  if(e.rep){var r=el('rect',{x:LEFT,y:y-8,width:W-LEFT-20,height:ROW-4,fill:'#fefcbf',rx:4,'class':'repeat'});\n"
  "    el('text',{x:LEFT+10,y:y+4,'font-size':11,fill:'#744210'},'\\u00d7'+e.rep.toLocaleString('en')+' more, the same loop of '+e.len+' step'+(e.len>1?'s':'')+' (steps '+e.from+'\\u2013'+e.to+')');drawn++;return;}\n"
  "  var x=LEFT+e.tid*LANE+14, k=kind(e.text);\n"
  "  el('text',{x:6,y:y+4,'font-size':10,fill:'#a0aec0'},String(e.step));\n"
  "  if(last[e.tid]!==undefined)el('line',{x1:x,y1:last[e.tid],x2:x,y2:y,stroke:'#cbd5e0'});\n"
  "  last[e.tid]=y;\n"
  "  var c=el('circle',{cx:x,cy:y,r:k==='fault'||k==='fail'?6:4,fill:color[k],'class':'mark '+k});\n"
  "  var tt=document.createElementNS(NS,'title');tt.textContent='step '+e.step+', '+d.threads[e.tid]+': '+e.text;c.appendChild(tt);\n"
  "  var t=e.text.length>CUT?e.text.slice(0,CUT-1)+'\\u2026':e.text;\n"
  "  el('text',{x:x+10,y:y+4,'font-size':11,fill:k==='fail'?'#c53030':'#1a202c'},t);drawn++;});\n"
  "document.body.setAttribute('data-rendered',String(drawn));\n"
  "})();\n";

/* The event text with every raw address ("0x55d0c3a2b4c0") named. */
static void named_text(const char *in, char *out, size_t cap) {
  size_t o = 0;
  while (*in && o + 1 < cap) {
    if (in[0] == '0' && in[1] == 'x' && isxdigit((unsigned char)in[2]) && (o == 0 || !isalnum((unsigned char)out[o - 1]))) {
      char *end;
      unsigned long long a = strtoull(in, &end, 16);
      char nb[128];
      const char *n = ipf__name_addr((const void *)(uintptr_t)a, nb, sizeof nb);
      int k = snprintf(out + o, cap - o, "%s", n);
      if (k < 0) break;
      o += (size_t)k < cap - o ? (size_t)k : cap - o - 1;
      in = end;
    } else {
      out[o++] = *in++;
    }
  }
  out[o] = 0;
}

static int same_event(const ipf_event *a, const ipf_event *b) {
  return a->tid == b->tid && !strcmp(a->text, b->text);
}

/* The shortest period p <= MAX_PERIOD at which events [i, ...) repeat at
 * least MIN_REPS times; *reps is how many whole times. 0 when none. */
static size_t period_at(const ipf_event *ev, size_t n, size_t i, size_t *reps) {
  for (size_t p = 1; p <= MAX_PERIOD && i + p * MIN_REPS <= n; p++) {
    size_t r = 1;
    while (i + (r + 1) * p <= n) {
      size_t k = 0;
      while (k < p && same_event(&ev[i + k], &ev[i + r * p + k])) k++;
      if (k < p) break;
      r++;
    }
    if (r >= MIN_REPS) { *reps = r; return p; }
  }
  return 0;
}

static void write_event(FILE *o, int first, const ipf_event *e) {
  char t[sizeof e->text + 256];
  named_text(e->text, t, sizeof t);
  fprintf(o, "%s{\"step\":%ld,\"tid\":%d,\"text\":", first ? "" : ",", e->step, e->tid);
  js_string(o, t);
  fputc('}', o);
}

int ipf__write_html(const char *path, const ipf_scenario *sc, const ipf_result *r, const char *replay) {
  FILE *o = fopen(path, "w");
  if (!o) return -1;
  fprintf(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>ipcfault: ");
  html_text(o, sc->name);
  fprintf(o, "</title>\n<style>body{font-family:system-ui,sans-serif;margin:16px;color:#1a202c}"
             "pre{background:#f7fafc;padding:8px;white-space:pre-wrap}.legend span{margin-right:14px}"
             ".dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}</style>\n"
             "</head><body>\n<h1>");
  html_text(o, sc->name);
  fprintf(o, ": %s</h1>\n<pre>", r->verdict == IPF_VERDICT_OK ? "ok" : r->kind);
  html_text(o, r->message[0] ? r->message : "no oracle failed");
  fprintf(o, "</pre>\n<p>Replay: <code>");
  html_text(o, replay ? replay : "");
  fprintf(o, "</code></p>\n<p class=\"legend\">"
             "<span><i class=\"dot\" style=\"background:#2b6cb0\"></i>sync</span>"
             "<span><i class=\"dot\" style=\"background:#718096\"></i>memory</span>"
             "<span><i class=\"dot\" style=\"background:#2f855a\"></i>I/O</span>"
             "<span><i class=\"dot\" style=\"background:#c05621\"></i>fault</span>"
             "<span><i class=\"dot\" style=\"background:#c53030\"></i>failure</span>"
             "<span><i class=\"dot\" style=\"background:#6b46c1\"></i>note</span></p>\n"
             "<svg id=\"lanes\" xmlns=\"http://www.w3.org/2000/svg\"></svg>\n"
             "<script type=\"application/json\" id=\"ipf-data\">{\"scenario\":");
  js_string(o, sc->name);
  fprintf(o, ",\"verdict\":\"%s\",\"threads\":[", r->verdict == IPF_VERDICT_OK ? "ok" : "bug");
  for (int i = 0; i < r->nthreads && i < 64; i++) {
    if (i) fputc(',', o);
    int dup = 0;
    for (int j = 0; j < r->nthreads && j < 64; j++)
      if (j != i && !strcmp(r->thread_names[i], r->thread_names[j])) dup = 1;
    char t[48];
    snprintf(t, sizeof t, dup ? "%s #%d" : "%s", r->thread_names[i], i);
    js_string(o, t);
  }
  fprintf(o, "],\"events\":[");
  int first = 1;
  for (size_t i = 0; i < r->nevents;) {
    size_t reps = 0, p = period_at(r->events, r->nevents, i, &reps);
    if (!p) { write_event(o, first, &r->events[i]); first = 0; i++; continue; }
    for (size_t k = 0; k < p; k++) { write_event(o, first, &r->events[i + k]); first = 0; }
    fprintf(o, ",{\"rep\":%zu,\"len\":%zu,\"from\":%ld,\"to\":%ld}", reps - 1, p,
            r->events[i + p].step, r->events[i + reps * p - 1].step);
    i += reps * p;
  }
  fprintf(o, "]}</script>\n<script>\n%s</script>\n</body></html>\n", page_script);
  return fclose(o) == 0 ? 0 : -1;
}
