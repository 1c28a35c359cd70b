/* The symboliser: names for code and data addresses (src/sched/names.h).
 *
 * DESIGN. Three tiers, cheapest first:
 *  1. The program's own symbol table (.symtab, or .dynsym when stripped),
 *     read from /proc/self/exe once and kept sorted by address. dladdr(3)
 *     sees only dynamic symbols and an executable exports none of its own,
 *     hence the copy. ipf__sym_init runs in the exec forkserver before the
 *     first fork, so every execution inherits the table and a lookup is a
 *     binary search: cheap enough for naming threads at pthread_create.
 *  2. Debug info through elfutils' libdwfl, over the process's own modules
 *     (dwfl_linux_proc_report reads /proc/self/maps: the executable, PIE or
 *     not, and every shared library with its load bias). A code address
 *     becomes "function (file:line)": the innermost function scope at the
 *     address (an inlined function by its own name), and the line of the
 *     line table. The session is opened on first use only, at report time,
 *     never on a hot path; after a fork it stays valid because the child's
 *     mappings are the parent's. A module loaded after the session opened
 *     (dlopen) is found by reporting the modules again on a miss.
 *  3. Heap objects by allocation site (src/rt/heap.c, recorded in exec mode
 *     by the preload's malloc interposers), and names a scenario gave with
 *     ipf_name() (the scheduler's ranges, weakly referenced, so this object
 *     links alone into programs that carry no scheduler).
 * Answers are cached per address (a code address asked once costs a hash
 * probe the next time). One raw futex lock serialises the libdw session and
 * the cache: the controller and plain or chaos threads may ask at once, and
 * the lock must not be a pthread mutex, which exec mode interposes.
 *
 * libdw's own calls (close, malloc) must reach libc, not the emulation:
 * the lock sets the scheduler's ipf__pt_guard while it is held, the one
 * symbol this file needs from the scheduler.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../sched/names.h"

/* ---- tier 1: the program's symbol table ------------------------------------- */

typedef struct { uintptr_t addr, size; const char *name; int func; } sym;
static sym *syms;
static size_t nsyms;
static int sym_inited;
static uintptr_t exe_bias, exe_lo, exe_hi;

static int first_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  exe_bias = info->dlpi_addr;      /* the first object is the program itself */
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD) continue;
    uintptr_t lo = exe_bias + p->p_vaddr, hi = lo + p->p_memsz;
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
  if (sym_inited) return;
  sym_inited = 1;
  dl_iterate_phdr(first_object, NULL);
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(ElfW(Ehdr))) { close(fd); return; }
  /* kept mapped: the names point into it */
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
    syms[nsyms].addr = exe_bias + s[i].st_value;
    syms[nsyms].size = s[i].st_size ? s[i].st_size : 1;
    syms[nsyms].name = name;
    syms[nsyms].func = type == STT_FUNC;
    nsyms++;
  }
  qsort(syms, nsyms, sizeof *syms, by_addr);
}

/* The symbol containing a: its name and start (0 when none is known). */
static const char *sym_find(uintptr_t a, uintptr_t *start) {
  if (!sym_inited) ipf__sym_init();
  if (a >= exe_lo && a < exe_hi) {
    size_t lo = 0, hi = nsyms;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (syms[mid].addr <= a) lo = mid + 1; else hi = mid;
    }
    /* sizes may nest (an alias inside a larger object): look back a little */
    for (size_t k = lo; k > 0 && lo - k < 4; k--) {
      const sym *s = &syms[k - 1];
      if (a < s->addr + s->size) { *start = s->addr; return s->name; }
    }
    return NULL;
  }
  Dl_info di;
  if (dladdr((void *)a, &di) && di.dli_sname && di.dli_saddr) {
    *start = (uintptr_t)di.dli_saddr;
    return di.dli_sname;
  }
  return NULL;
}

const char *ipf__sym(const void *addr, char *buf, size_t len, int with_offset) {
  uintptr_t a = (uintptr_t)addr, start = 0;
  const char *name = sym_find(a, &start);
  if (!name) return NULL;
  if (with_offset && a != start) snprintf(buf, len, "%s+0x%lx", name, (unsigned long)(a - start));
  else snprintf(buf, len, "%s", name);
  return buf;
}

/* ---- the lock: a raw futex, never interposed --------------------------------- */

/* The scheduler's "inside the kit" word (src/sched/pthread.c): set while
 * the lock is held, so that what libdw calls (close, malloc) reaches libc
 * and never becomes a scheduling point of the program, whoever asks. */
extern __thread int ipf__pt_guard __attribute__((tls_model("initial-exec")));
static __thread int saved_guard __attribute__((tls_model("initial-exec")));
static _Atomic uint32_t lk;

static void lock(void) {
  saved_guard = ipf__pt_guard;
  ipf__pt_guard = 1;
  uint32_t c = 0;
  if (atomic_compare_exchange_strong(&lk, &c, 1)) return;
  if (c != 2) c = atomic_exchange(&lk, 2);
  while (c != 0) {
    syscall(SYS_futex, (uint32_t *)&lk, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
    c = atomic_exchange(&lk, 2);
  }
}

static void unlock(void) {
  if (atomic_exchange(&lk, 0) == 2) syscall(SYS_futex, (uint32_t *)&lk, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  ipf__pt_guard = saved_guard;
}

/* ---- cache: address -> answer ------------------------------------------------- */

#define CACHE_SIZE 4096u        /* a power of two; when full, answers are not kept */
static struct { uintptr_t key; char *val; } cache[CACHE_SIZE];
static unsigned cached;

static uint32_t hash(uintptr_t k) {
  uint64_t x = k;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (uint32_t)x & (CACHE_SIZE - 1);
}

/* Keys are pc * 2 + 1 for a return address, pc * 2 for an exact
 * instruction address: the same pc names a different line either way.
 * Data addresses are not cached (a heap address changes owners). */
static const char *cache_get(uintptr_t key) {
  for (uint32_t i = hash(key), n = 0; n < CACHE_SIZE; i = (i + 1) & (CACHE_SIZE - 1), n++) {
    if (!cache[i].val) return NULL;
    if (cache[i].key == key) return cache[i].val;
  }
  return NULL;
}

static void cache_put(uintptr_t key, const char *val) {
  if (cached >= CACHE_SIZE / 2) return;
  char *v = strdup(val);
  if (!v) return;
  uint32_t i = hash(key);
  while (cache[i].val) i = (i + 1) & (CACHE_SIZE - 1);
  cache[i].key = key;
  cache[i].val = v;
  cached++;
}

/* ---- tier 2: libdw -------------------------------------------------------------- */

/* The preload library (IPF_NAMES_DLOPEN) loads libdw only when it first
 * names a place: linked in, libdw and its four compression libraries would
 * be mapped into every program under exec, and every execution's fork
 * would copy their mappings (measured: about 20% of an execution of the
 * exec bench). Elsewhere libdw is linked as usual. */
#define IPF_DW_FUNCS(X)                                                                  \
  X(Dwfl *, dwfl_begin, (const Dwfl_Callbacks *))                                        \
  X(void, dwfl_report_begin, (Dwfl *))                                                   \
  X(int, dwfl_linux_proc_report, (Dwfl *, pid_t))                                        \
  X(int, dwfl_report_end, (Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *), void *)) \
  X(Dwfl_Module *, dwfl_addrmodule, (Dwfl *, Dwarf_Addr))                                \
  X(const char *, dwfl_module_addrinfo, (Dwfl_Module *, GElf_Addr, GElf_Off *, GElf_Sym *, GElf_Word *, Elf **, Dwarf_Addr *)) \
  X(Dwfl_Line *, dwfl_module_getsrc, (Dwfl_Module *, Dwarf_Addr))                        \
  X(const char *, dwfl_lineinfo, (Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *, Dwarf_Word *)) \
  X(Dwarf_Die *, dwfl_module_addrdie, (Dwfl_Module *, Dwarf_Addr, Dwarf_Addr *))         \
  X(int, dwarf_getscopes, (Dwarf_Die *, Dwarf_Addr, Dwarf_Die **))                       \
  X(int, dwarf_tag, (Dwarf_Die *))                                                       \
  X(const char *, dwarf_diename, (Dwarf_Die *))                                          \
  X(int, dwfl_linux_proc_find_elf, (Dwfl_Module *, void **, const char *, Dwarf_Addr, char **, Elf **)) \
  X(int, dwfl_standard_find_debuginfo, (Dwfl_Module *, void **, const char *, Dwarf_Addr, const char *, const char *, GElf_Word, char **)) \
  X(Dwarf *, dwfl_module_getdwarf, (Dwfl_Module *, Dwarf_Addr *))                        \
  X(int, dwarf_nextcu, (Dwarf *, Dwarf_Off, Dwarf_Off *, size_t *, Dwarf_Off *, uint8_t *, uint8_t *)) \
  X(Dwarf_Die *, dwarf_offdie, (Dwarf *, Dwarf_Off, Dwarf_Die *))                        \
  X(int, dwarf_child, (Dwarf_Die *, Dwarf_Die *))                                        \
  X(int, dwarf_siblingof, (Dwarf_Die *, Dwarf_Die *))                                    \
  X(Dwarf_Attribute *, dwarf_attr, (Dwarf_Die *, unsigned int, Dwarf_Attribute *))       \
  X(Dwarf_Attribute *, dwarf_attr_integrate, (Dwarf_Die *, unsigned int, Dwarf_Attribute *)) \
  X(int, dwarf_getlocation, (Dwarf_Attribute *, Dwarf_Op **, size_t *))                  \
  X(Dwarf_Die *, dwarf_formref_die, (Dwarf_Attribute *, Dwarf_Die *))                    \
  X(int, dwarf_aggregate_size, (Dwarf_Die *, Dwarf_Word *))

#ifdef IPF_NAMES_DLOPEN
#define X(ret, name, params) static ret(*p_##name) params;
IPF_DW_FUNCS(X)
#undef X
#define DW(name) p_##name
static int dw_load(void) {
  void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return -1;
#define X(ret, name, params) if (!(p_##name = (ret(*) params)dlsym(h, #name))) return -1;
  IPF_DW_FUNCS(X)
#undef X
  return 0;
}
#else
#define DW(name) name
static int dw_load(void) { return 0; }
#endif

static char *debuginfo_path;
static Dwfl_Callbacks callbacks = { .debuginfo_path = &debuginfo_path };
static Dwfl *dwfl;
static int dwfl_broken;

static int report_modules(void) {
  DW(dwfl_report_begin)(dwfl);
  int rc = DW(dwfl_linux_proc_report)(dwfl, getpid());
  if (DW(dwfl_report_end)(dwfl, NULL, NULL) != 0) rc = -1;
  return rc;
}

static Dwfl_Module *module_of(uintptr_t a) {
  if (dwfl_broken) return NULL;
  if (!dwfl) {
    if (dw_load() != 0) { dwfl_broken = 1; return NULL; }   /* no libdw: symbol tables only */
    callbacks.find_elf = DW(dwfl_linux_proc_find_elf);
    callbacks.find_debuginfo = DW(dwfl_standard_find_debuginfo);
    dwfl = DW(dwfl_begin)(&callbacks);
    if (!dwfl || report_modules() != 0) { dwfl_broken = 1; return NULL; }
  }
  Dwfl_Module *m = DW(dwfl_addrmodule)(dwfl, a);
  if (!m && report_modules() == 0) m = DW(dwfl_addrmodule)(dwfl, a);   /* dlopen'ed since */
  return m;
}

/* The innermost function at a (an inlined one by its own name), or NULL. */
static const char *scope_function(Dwfl_Module *m, uintptr_t a) {
  Dwarf_Addr bias = 0;
  Dwarf_Die *cu = DW(dwfl_module_addrdie)(m, a, &bias);
  if (!cu) return NULL;
  Dwarf_Die *scopes = NULL;
  int n = DW(dwarf_getscopes)(cu, a - bias, &scopes);
  const char *name = NULL;
  for (int i = 0; i < n && !name; i++) {
    int tag = DW(dwarf_tag)(&scopes[i]);
    if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) name = DW(dwarf_diename)(&scopes[i]);
  }
  free(scopes);
  return name;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* Name code address a (look is where to look it up: a-1 for a return
 * address) into buf: "fn (file:line)", "fn+0x1c", or NULL. */
static const char *name_code(uintptr_t a, uintptr_t look, char *buf, size_t len) {
  Dwfl_Module *m = module_of(look);
  const char *fn = NULL;
  GElf_Off off = 0;
  if (m) {
    GElf_Sym s;
    const char *symname = DW(dwfl_module_addrinfo)(m, look, &off, &s, NULL, NULL, NULL);
    off += a - look;
    Dwfl_Line *line = DW(dwfl_module_getsrc)(m, look);
    int lineno = 0;
    const char *file = line ? DW(dwfl_lineinfo)(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    fn = scope_function(m, look);
    if (!fn) fn = symname;
    if (fn && file && lineno > 0) {
      snprintf(buf, len, "%s (%s:%d)", fn, base_name(file), lineno);
      return buf;
    }
    if (symname) {
      if (off) snprintf(buf, len, "%s+0x%lx", symname, (unsigned long)off);
      else snprintf(buf, len, "%s", symname);
      return buf;
    }
  }
  uintptr_t start = 0;
  const char *s = sym_find(look, &start);
  if (!s) return NULL;
  if (a != start) snprintf(buf, len, "%s+0x%lx", s, (unsigned long)(a - start));
  else snprintf(buf, len, "%s", s);
  return buf;
}

static const char *name_pc_common(uintptr_t pc, int is_return, char *buf, size_t len) {
  if (!len) return buf;
  if (!pc) { snprintf(buf, len, "0x0"); return buf; }
  uintptr_t key = pc * 2 + (uintptr_t)is_return;   /* the same pc asked both ways */
  char tmp[512];
  lock();
  const char *c = cache_get(key);
  if (!c) {
    c = name_code(pc, is_return ? pc - 1 : pc, tmp, sizeof tmp);
    if (!c) { snprintf(tmp, sizeof tmp, "%#lx", (unsigned long)pc); c = tmp; }
    cache_put(key, c);
  }
  snprintf(buf, len, "%s", c);
  unlock();
  return buf;
}

const char *ipf__name_pc(uintptr_t pc, char *buf, size_t len) { return name_pc_common(pc, 1, buf, len); }
const char *ipf__name_ip(uintptr_t ip, char *buf, size_t len) { return name_pc_common(ip, 0, buf, len); }

/* ---- data addresses ---------------------------------------------------------------- */

/* die's type with typedefs and qualifiers peeled off; 0 when it has none. */
static int peeled_type(Dwarf_Die *die, Dwarf_Die *out) {
  Dwarf_Attribute at;
  Dwarf_Die t = *die;
  for (int depth = 0; depth < 16; depth++) {
    if (!DW(dwarf_attr_integrate)(&t, DW_AT_type, &at) || !DW(dwarf_formref_die)(&at, out)) return 0;
    int tag = DW(dwarf_tag)(out);
    if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
        tag != DW_TAG_atomic_type && tag != DW_TAG_restrict_type)
      return 1;
    t = *out;
  }
  return 0;
}

/* The element size of the one-dimensional global array that starts at
 * start, from its DWARF variable (found by its DW_OP_addr location among
 * each unit's top-level variables); 0 when it is not one or nothing says.
 * Report time only: the scan reads every unit's top level once, and the
 * answer is cached per symbol. Call with the lock held. */
static size_t array_elem(uintptr_t start) {
  static struct { uintptr_t start; size_t elem; } memo[64];
  static unsigned nmemo;
  for (unsigned i = 0; i < nmemo; i++) if (memo[i].start == start) return memo[i].elem;
  size_t elem = 0;
  /* by the object's load base: a .bss past the file's last page is an
   * anonymous mapping, which /proc/self/maps does not tie to the module */
  Dl_info di;
  Dwfl_Module *m = dladdr((void *)start, &di) && di.dli_fbase ? module_of((uintptr_t)di.dli_fbase) : module_of(start);
  Dwarf_Addr bias = 0;
  Dwarf *dw = m ? DW(dwfl_module_getdwarf)(m, &bias) : NULL;
  Dwarf_Off off = 0, next;
  size_t hsize;
  int found = 0;
  while (dw && !found && DW(dwarf_nextcu)(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
    Dwarf_Die cu, c;
    if (DW(dwarf_offdie)(dw, off + hsize, &cu) && DW(dwarf_child)(&cu, &c) == 0) {
      do {
        if (DW(dwarf_tag)(&c) != DW_TAG_variable) continue;
        Dwarf_Attribute at;
        Dwarf_Op *ops;
        size_t nops;
        if (!DW(dwarf_attr)(&c, DW_AT_location, &at) || DW(dwarf_getlocation)(&at, &ops, &nops) != 0 ||
            nops != 1 || ops[0].atom != DW_OP_addr || ops[0].number + bias != start)
          continue;
        found = 1;
        Dwarf_Die t, e, sub;
        Dwarf_Word sz;
        int dims = 0;
        if (peeled_type(&c, &t) && DW(dwarf_tag)(&t) == DW_TAG_array_type && DW(dwarf_child)(&t, &sub) == 0) {
          do dims += DW(dwarf_tag)(&sub) == DW_TAG_subrange_type; while (DW(dwarf_siblingof)(&sub, &sub) == 0);
          if (dims == 1 && peeled_type(&t, &e) && DW(dwarf_aggregate_size)(&e, &sz) == 0) elem = (size_t)sz;
        }
        break;
      } while (DW(dwarf_siblingof)(&c, &c) == 0);
    }
    off = next;
  }
  if (nmemo < 64) { memo[nmemo].start = start; memo[nmemo].elem = elem; nmemo++; }
  return elem;
}

/* The scheduler's ipf_name() ranges (src/sched/sched.c); absent in a
 * program that carries no scheduler. */
const char *ipf__range_name(const void *addr, char *buf, size_t len) __attribute__((weak));

const char *ipf__name_data(const void *addr, char *buf, size_t len) {
  if (!len) return NULL;
  uintptr_t a = (uintptr_t)addr;
  if (ipf__range_name && ipf__range_name(addr, buf, len)) return buf;
  uintptr_t start = 0;
  const char *s = a ? sym_find(a, &start) : NULL;
  if (s) {
    /* gcc names a function's static "m" as "m.0" in the symbol table */
    size_t k = strlen(s), d = k;
    while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9') d--;
    if (d > 1 && d < k && s[d - 1] == '.') k = d - 1;
    lock();
    size_t elem = array_elem(start);
    unlock();
    size_t off = (size_t)(a - start);
    if (elem && off % elem) snprintf(buf, len, "%.*s[%zu]+%zu", (int)k, s, off / elem, off % elem);
    else if (elem) snprintf(buf, len, "%.*s[%zu]", (int)k, s, off / elem);
    else if (off) snprintf(buf, len, "%.*s+%zu", (int)k, s, off);
    else snprintf(buf, len, "%.*s", (int)k, s);
    return buf;
  }
  uintptr_t base, pc;
  size_t size;
  if (a && ipf__heap_find(addr, &base, &size, &pc)) {
    char where[400];
    if (pc) ipf__name_pc(pc, where, sizeof where);
    else snprintf(where, sizeof where, "an unknown place");
    if (a != base) snprintf(buf, len, "offset %lu in heap object of %zu bytes allocated at %s", (unsigned long)(a - base), size, where);
    else snprintf(buf, len, "heap object of %zu bytes allocated at %s", size, where);
    return buf;
  }
  return NULL;
}

const char *ipf__name_addr(const void *addr, char *buf, size_t len) {
  if (!len) return buf;
  if (!ipf__name_data(addr, buf, len)) snprintf(buf, len, "%p", addr);
  return buf;
}
