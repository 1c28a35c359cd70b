/* ipf_strerror: kit codes from the one list in ipcfault/error.h, errno otherwise. */
#include <string.h>

#include "ipcfault/error.h"

const char *ipf_strerror(int err) {
  switch (err) {
#define IPF_X_STR(name, code, text) case code: return text;
  IPF_ERRORS(IPF_X_STR)
#undef IPF_X_STR
  default: break;
  }
  if (err == 0) return "success";
  return strerror(err < 0 ? -err : err);
}
