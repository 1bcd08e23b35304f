/*
 * error.c - messages for pt_err and the pt_diag helpers (see error.h).
 */
#include "phonetrust/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const messages[] = {
    [0] = "success",
    [1] = "out of memory",
    [2] = "invalid argument",
    [3] = "input is truncated",
    [4] = "input is not well formed",
    [5] = "unknown tag",
    [6] = "required tag is missing",
    [7] = "tag occurs more than once",
    [8] = "not supported",
    [9] = "signer certificate not found",
    [10] = "signature does not verify",
    [11] = "digest does not match",
    [12] = "cryptographic library failure",
    [13] = "file input/output failed",
    [14] = "value too large for its field",
    [15] = "unusable key or certificate",
    [16] = "decryption failed",
    [17] = "refused",
    [18] = "not found",
    [19] = "already exists",
    [20] = "cluster database error",
    [21] = "wrong password",
    [22] = "address already in use",
};

const char *pt_strerror(int err)
{
    if (err > 0 || err <= PT_ERR_LAST)
        return "unknown error";
    return messages[-err];
}

void pt_diag_clear(pt_diag *d)
{
    if (d) {
        d->has_offset = 0;
        d->offset = 0;
        d->msg[0] = '\0';
    }
}

int pt_diag_set(pt_diag *d, int err, size_t offset, const char *fmt, ...)
{
    if (!d)
        return err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    d->has_offset = offset != PT_NO_OFFSET;
    d->offset = d->has_offset ? offset : 0;
    return err;
}

int pt_diag_prefix(pt_diag *d, int err, const char *fmt, ...)
{
    if (!d)
        return err;
    char prefix[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[sizeof d->msg];
    memcpy(old, d->msg, sizeof old);
    const char *rest = old[0] ? old : pt_strerror(err);
    size_t n = strlen(prefix);
    if (n + 2 >= sizeof d->msg)
        n = sizeof d->msg - 3;
    memcpy(d->msg, prefix, n);
    memcpy(d->msg + n, ": ", 2);
    size_t room = sizeof d->msg - n - 2;
    size_t m = strlen(rest);
    if (m >= room)
        m = room - 1;
    memcpy(d->msg + n + 2, rest, m);
    d->msg[n + 2 + m] = '\0';
    return err;
}

const char *pt_diag_format(const pt_diag *d, int err, char *out, size_t outlen)
{
    const char *msg = (d && d->msg[0]) ? d->msg : pt_strerror(err);
    if (d && d->has_offset)
        snprintf(out, outlen, "offset 0x%zx: %s", d->offset, msg);
    else
        snprintf(out, outlen, "%s", msg);
    return out;
}
