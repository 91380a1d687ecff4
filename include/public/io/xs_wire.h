/*
 * xs_wire.h - the xenstore wire protocol: what a domain and the store say to
 * each other over the store's shared ring page.
 *
 * Every message, in either direction, is a 16-byte xsd_sockmsg header
 * followed by `len` payload bytes, at most XENSTORE_PAYLOAD_MAX.  Requests
 * carry their arguments as NUL-terminated strings ("path\0", "path\0token\0");
 * XS_WRITE is "path\0" followed by the raw value, which is not terminated.
 * The reply echoes the request's type, req_id and tx_id; a failure is instead
 * an XS_ERROR reply whose payload is the error's name ("ENOENT\0") from
 * xsd_errors below.  Watch events arrive unrequested as XS_WATCH_EVENT with
 * "path\0token\0".
 *
 * The numbers, names and layouts are Xen's (xen/include/public/io/xs_wire.h),
 * so a client written for Xen speaks to pvlab's store unchanged; only the
 * path limit is pvlab's own (see XENSTORE_ABS_PATH_MAX).  Fixed-width types
 * only: the same header is compiled for i386 guests and the 64-bit host tests.
 */
#ifndef PUBLIC_IO_XS_WIRE_H
#define PUBLIC_IO_XS_WIRE_H

#include <stdint.h>

/* Message types (xsd_sockmsg.type). */
#define XS_CONTROL              0 /* also called XS_DEBUG */
#define XS_DEBUG                XS_CONTROL
#define XS_DIRECTORY            1
#define XS_READ                 2
#define XS_GET_PERMS            3
#define XS_WATCH                4
#define XS_UNWATCH              5
#define XS_TRANSACTION_START    6
#define XS_TRANSACTION_END      7
#define XS_INTRODUCE            8
#define XS_RELEASE              9
#define XS_GET_DOMAIN_PATH      10
#define XS_WRITE                11
#define XS_MKDIR                12
#define XS_RM                   13
#define XS_SET_PERMS            14
#define XS_WATCH_EVENT          15 /* store -> domain only */
#define XS_ERROR                16 /* store -> domain only */
#define XS_IS_DOMAIN_INTRODUCED 17
#define XS_RESUME               18
#define XS_SET_TARGET           19
/* 20 was XS_RESTRICT, since removed from Xen; never reuse it. */
#define XS_RESET_WATCHES  21
#define XS_DIRECTORY_PART 22
#define XS_TYPE_COUNT     23

struct xsd_sockmsg {
    uint32_t type;   /* XS_* */
    uint32_t req_id; /* chosen by the requester, echoed in the reply */
    uint32_t tx_id;  /* transaction id, 0 outside a transaction */
    uint32_t len;    /* payload bytes that follow this header */
};

#define XENSTORE_PAYLOAD_MAX 4096

/*
 * Longest absolute path, in bytes without the NUL.  Xen allows 3072; pvlab's
 * store keeps its tree in a small fixed arena inside dom0's kernel, and the
 * longest path the split drivers use ("/local/domain/0/backend/vbd/N/768/...")
 * is well under 100 bytes.
 */
#define XENSTORE_ABS_PATH_MAX 256

/* Permission letters in XS_GET_PERMS / XS_SET_PERMS strings ("r5", "n0"). */
#define XS_PERM_CHAR_NONE  'n'
#define XS_PERM_CHAR_READ  'r'
#define XS_PERM_CHAR_WRITE 'w'
#define XS_PERM_CHAR_BOTH  'b'

/* Arguments of XS_TRANSACTION_END. */
#define XS_TRANSACTION_COMMIT "T"
#define XS_TRANSACTION_ABORT  "F"

/* Where the path and the token sit in an XS_WATCH_EVENT payload. */
#define XS_WATCH_PATH  0
#define XS_WATCH_TOKEN 1

/*
 * Errors travel as names, so that the two ends need not agree on errno
 * numbers.  The numbers below are Linux's (and include/public/errno.h's);
 * they are what the store's C functions return, negated.  New errors go at the
 * end of the table, as in Xen.
 */
#define XSD_EPERM     1
#define XSD_ENOENT    2
#define XSD_EIO       5
#define XSD_E2BIG     7
#define XSD_EAGAIN    11
#define XSD_ENOMEM    12
#define XSD_EACCES    13
#define XSD_EBUSY     16
#define XSD_EEXIST    17
#define XSD_EISDIR    21
#define XSD_EINVAL    22
#define XSD_ENOSPC    28
#define XSD_EROFS     30
#define XSD_ENOSYS    38
#define XSD_ENOTEMPTY 39
#define XSD_EISCONN   106

struct xsd_errors {
    int errnum;
    const char *errstring;
};

static const struct xsd_errors xsd_errors[] __attribute__((unused)) = {
    {XSD_EINVAL, "EINVAL"}, {XSD_EACCES, "EACCES"},   {XSD_EEXIST, "EEXIST"},
    {XSD_EISDIR, "EISDIR"}, {XSD_ENOENT, "ENOENT"},   {XSD_ENOMEM, "ENOMEM"},
    {XSD_ENOSPC, "ENOSPC"}, {XSD_EIO, "EIO"},         {XSD_ENOTEMPTY, "ENOTEMPTY"},
    {XSD_ENOSYS, "ENOSYS"}, {XSD_EROFS, "EROFS"},     {XSD_EBUSY, "EBUSY"},
    {XSD_EAGAIN, "EAGAIN"}, {XSD_EISCONN, "EISCONN"}, {XSD_E2BIG, "E2BIG"},
    {XSD_EPERM, "EPERM"},
};

/*
 * The store's shared page, one per domain: two byte rings of free-running
 * 32-bit indices (index & (size - 1) is the offset).  The domain produces
 * requests into req and advances req_prod; the store consumes them, writes
 * replies and watch events into rsp and advances rsp_prod; each side signals
 * the other through the domain's xenstore event channel.  Messages may wrap
 * around the end of a ring.  (Xen appends server_features, connection and
 * error words after rsp_prod for reconnection; pvlab does not use them.)
 */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE]; /* domain -> store */
    char rsp[XENSTORE_RING_SIZE]; /* store -> domain: replies and watch events */
    XENSTORE_RING_IDX req_cons, req_prod;
    XENSTORE_RING_IDX rsp_cons, rsp_prod;
};

#endif
