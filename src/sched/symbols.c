/* Names for addresses in reports of exec mode: "lock_a" for a global mutex,
 * "transfer+0x2a" for the place a heap mutex was first locked.
 *
 * DESIGN. dladdr(3) sees only dynamic symbols, and an executable exports
 * none of its own, so the program's full symbol table (.symtab, or .dynsym
 * when stripped) is read from /proc/self/exe once, in the forkserver before
 * the first fork, and kept sorted by address: every execution inherits it
 * and a lookup is a binary search. Addresses in shared libraries fall back
 * to dladdr. No DWARF: file:line would need a debugger's worth of code.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "internal.h"
#include "names.h"

typedef struct { uintptr_t addr, size; const char *name; } sym;
static sym *syms;
static size_t nsyms;
static int inited;
static uintptr_t bias, exe_lo, exe_hi;

static int first_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  bias = info->dlpi_addr;      /* the first object is the program itself */
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD) continue;
    uintptr_t lo = bias + p->p_vaddr, hi = lo + p->p_memsz;
    if (!exe_lo || lo < exe_lo) exe_lo = lo;
    if (hi > exe_hi) exe_hi = hi;
  }
  return 1;
}

static int by_addr(const void *a, const void *b) {
  const sym *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void ipf__sym_init(void) {
  if (inited) return;
  inited = 1;
  dl_iterate_phdr(first_object, NULL);
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(ElfW(Ehdr))) { close(fd); return; }
  const unsigned char *img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (img == MAP_FAILED) return;
  const ElfW(Ehdr) *eh = (const void *)img;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff == 0 ||
      eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > (size_t)st.st_size)
    return;
  const ElfW(Shdr) *sh = (const void *)(img + eh->e_shoff);
  const ElfW(Shdr) *tab = NULL;
  for (int i = 0; i < eh->e_shnum; i++) if (sh[i].sh_type == SHT_SYMTAB) tab = &sh[i];
  if (!tab)
    for (int i = 0; i < eh->e_shnum; i++) if (sh[i].sh_type == SHT_DYNSYM) tab = &sh[i];
  if (!tab || tab->sh_link >= eh->e_shnum) return;
  const ElfW(Shdr) *strs = &sh[tab->sh_link];
  if (tab->sh_offset + tab->sh_size > (size_t)st.st_size || strs->sh_offset + strs->sh_size > (size_t)st.st_size)
    return;
  const ElfW(Sym) *s = (const void *)(img + tab->sh_offset);
  size_t n = tab->sh_size / sizeof *s;
  syms = calloc(n ? n : 1, sizeof *syms);
  if (!syms) return;
  for (size_t i = 0; i < n; i++) {
    int type = ELF64_ST_TYPE(s[i].st_info);
    if ((type != STT_FUNC && type != STT_OBJECT) || !s[i].st_value || s[i].st_name >= strs->sh_size) continue;
    const char *name = (const char *)img + strs->sh_offset + s[i].st_name;
    if (!*name) continue;
    syms[nsyms].addr = bias + s[i].st_value;
    syms[nsyms].size = s[i].st_size ? s[i].st_size : 1;
    syms[nsyms].name = name;
    nsyms++;
  }
  qsort(syms, nsyms, sizeof *syms, by_addr);
}

const char *ipf__sym(const void *addr, char *buf, size_t len, int with_offset) {
  uintptr_t a = (uintptr_t)addr;
  if (!inited) ipf__sym_init();
  if (a >= exe_lo && a < exe_hi) {
    size_t lo = 0, hi = nsyms;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (syms[mid].addr <= a) lo = mid + 1; else hi = mid;
    }
    if (lo == 0) return NULL;
    const sym *s = &syms[lo - 1];
    if (a >= s->addr + s->size) return NULL;
    if (with_offset && a != s->addr) snprintf(buf, len, "%s+0x%lx", s->name, (unsigned long)(a - s->addr));
    else snprintf(buf, len, "%s", s->name);
    return buf;
  }
  Dl_info di;
  if (dladdr(addr, &di) && di.dli_sname && di.dli_saddr) {
    uintptr_t off = a - (uintptr_t)di.dli_saddr;
    if (with_offset && off) snprintf(buf, len, "%s+0x%lx", di.dli_sname, (unsigned long)off);
    else snprintf(buf, len, "%s", di.dli_sname);
    return buf;
  }
  return NULL;
}

/* ---- names.h (first cut: symbol tables only; debug info comes later) ---- */

const char *ipf__name_pc(uintptr_t pc, char *buf, size_t len) {
  if (pc && ipf__sym((const void *)pc, buf, len, 1)) return buf;
  snprintf(buf, len, "%#lx", (unsigned long)pc);
  return buf;
}

const char *ipf__name_addr(const void *addr, char *buf, size_t len) {
  ipf__addr_name(addr, buf, len);            /* ipf_name() ranges, else hex */
  if (buf[0] != '0' && buf[0] != '(') return buf;
  if (ipf__sym(addr, buf, len, 1)) return buf;
  return buf;
}
