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
 */
#include <stdio.h>
#include <string.h>

#include "campaign.h"
#include "ipcfault/run.h"

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
  "var NS='http://www.w3.org/2000/svg', LANE=170, ROW=22, TOP=40, LEFT=60;\n"
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
  "var failRow=-1; d.events.forEach(function(e,i){if(kind(e.text)==='fail'&&failRow<0)failRow=i;});\n"
  "if(failRow<0&&d.verdict!=='ok')failRow=d.events.length-1;\n"
  "if(failRow>=0)el('rect',{x:2,y:TOP+failRow*ROW-2,width:W-4,height:ROW,fill:'#fed7d7',id:'failing-step'});\n"
  "var drawn=0, last={};\n"
  "d.events.forEach(function(e,i){var x=LEFT+e.tid*LANE+14, y=TOP+i*ROW+10, k=kind(e.text);\n"
  "  el('text',{x:6,y:y+4,'font-size':10,fill:'#a0aec0'},String(e.step));\n"
  "  if(last[e.tid]!==undefined)el('line',{x1:x,y1:last[e.tid],x2:x,y2:y,stroke:'#cbd5e0'});\n"
  "  last[e.tid]=y;\n"
  "  var c=el('circle',{cx:x,cy:y,r:k==='fault'||k==='fail'?6:4,fill:color[k],'class':'mark '+k});\n"
  "  var tt=document.createElementNS(NS,'title');tt.textContent='step '+e.step+', '+d.threads[e.tid]+': '+e.text;c.appendChild(tt);\n"
  "  var t=e.text.length>22?e.text.slice(0,21)+'\\u2026':e.text;\n"
  "  el('text',{x:x+10,y:y+4,'font-size':11,fill:k==='fail'?'#c53030':'#1a202c'},t);drawn++;});\n"
  "document.body.setAttribute('data-rendered',String(drawn));\n"
  "})();\n";

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
    js_string(o, r->thread_names[i]);
  }
  fprintf(o, "],\"events\":[");
  for (size_t i = 0; i < r->nevents; i++) {
    fprintf(o, "%s{\"step\":%ld,\"tid\":%d,\"text\":", i ? "," : "", r->events[i].step, r->events[i].tid);
    js_string(o, r->events[i].text);
    fputc('}', o);
  }
  fprintf(o, "]}</script>\n<script>\n%s</script>\n</body></html>\n", page_script);
  return fclose(o) == 0 ? 0 : -1;
}
