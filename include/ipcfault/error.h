/* ipcfault/error.h — error codes. Functions of the kit return 0 (or a count)
 * on success and a negative errno on failure, as libuv does; conditions no
 * errno names get kit codes below -4000. One X-macro list gives both the
 * constants and ipf_strerror. */
#ifndef IPCFAULT_ERROR_H
#define IPCFAULT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define IPF_ERRORS(X)                                                        \
  X(ETRUNC,    -4001, "truncated frame: the peer closed mid-message")        \
  X(EFRAME,    -4002, "malformed frame: length out of range")                \
  X(ECLOSED,   -4003, "queue closed and drained")                            \
  X(ESHUTDOWN, -4004, "pool is shut down")                                   \
  X(ETHROWN,   -4005, "task threw an exception")                             \
  X(EPLAN,     -4006, "malformed fault plan")                                \
  X(ETOOLONG,  -4007, "path too long for a Unix socket (107 bytes at most)")

enum ipf_error {
#define IPF_X_ERR(name, code, text) IPF_##name = code,
  IPF_ERRORS(IPF_X_ERR)
#undef IPF_X_ERR
};

/* Text for a negative errno or a kit code; never NULL. */
const char *ipf_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
