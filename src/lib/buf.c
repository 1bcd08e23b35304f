/*
 * buf.c - bounds-checked reader and sticky-error writer (see buf.h).
 */
#include "phonetrust/buf.h"
#include "phonetrust/error.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void pt_rd_init(pt_reader *r, const uint8_t *data, size_t len)
{
    r->data = data;
    r->start = 0;
    r->end = data ? len : 0;
    r->pos = 0;
}

int pt_rd_window(const pt_reader *parent, size_t start, size_t end, pt_reader *out)
{
    if (start < parent->start || start > end || end > parent->end)
        return PT_ERR_ARG;
    out->data = parent->data;
    out->start = start;
    out->end = end;
    out->pos = start;
    return PT_OK;
}

int pt_rd_peek_u8(const pt_reader *r, uint8_t *v)
{
    if (pt_rd_left(r) < 1)
        return PT_ERR_TRUNCATED;
    *v = r->data[r->pos];
    return PT_OK;
}

int pt_rd_u8(pt_reader *r, uint8_t *v)
{
    if (pt_rd_left(r) < 1)
        return PT_ERR_TRUNCATED;
    *v = r->data[r->pos++];
    return PT_OK;
}

int pt_rd_u16(pt_reader *r, uint16_t *v)
{
    if (pt_rd_left(r) < 2)
        return PT_ERR_TRUNCATED;
    const uint8_t *p = r->data + r->pos;
    *v = (uint16_t)((p[0] << 8) | p[1]);
    r->pos += 2;
    return PT_OK;
}

int pt_rd_u32(pt_reader *r, uint32_t *v)
{
    if (pt_rd_left(r) < 4)
        return PT_ERR_TRUNCATED;
    const uint8_t *p = r->data + r->pos;
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    r->pos += 4;
    return PT_OK;
}

int pt_rd_u32le(pt_reader *r, uint32_t *v)
{
    if (pt_rd_left(r) < 4)
        return PT_ERR_TRUNCATED;
    const uint8_t *p = r->data + r->pos;
    *v = ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
    r->pos += 4;
    return PT_OK;
}

int pt_rd_skip(pt_reader *r, size_t n)
{
    if (pt_rd_left(r) < n)
        return PT_ERR_TRUNCATED;
    r->pos += n;
    return PT_OK;
}

int pt_rd_bytes(pt_reader *r, size_t n, const uint8_t **p)
{
    if (pt_rd_left(r) < n)
        return PT_ERR_TRUNCATED;
    *p = r->data + r->pos;
    r->pos += n;
    return PT_OK;
}

int pt_rd_copy(pt_reader *r, void *out, size_t n)
{
    if (pt_rd_left(r) < n)
        return PT_ERR_TRUNCATED;
    if (n)
        memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return PT_OK;
}

int pt_rd_child(pt_reader *r, size_t n, pt_reader *child)
{
    if (pt_rd_left(r) < n)
        return PT_ERR_TRUNCATED;
    child->data = r->data;
    child->start = r->pos;
    child->end = r->pos + n;
    child->pos = r->pos;
    r->pos += n;
    return PT_OK;
}

int pt_rd_tlv_head(pt_reader *r, uint8_t *tag, uint16_t *len)
{
    if (pt_rd_left(r) < 3)
        return PT_ERR_TRUNCATED;
    pt_rd_u8(r, tag);
    pt_rd_u16(r, len);
    return PT_OK;
}

int pt_rd_tlv(pt_reader *r, uint8_t *tag, uint16_t *len, const uint8_t **val)
{
    size_t save = r->pos;
    uint8_t t = 0;
    uint16_t l = 0;
    if (pt_rd_tlv_head(r, &t, &l) != PT_OK || pt_rd_bytes(r, l, val) != PT_OK) {
        r->pos = save;
        return PT_ERR_TRUNCATED;
    }
    *tag = t;
    *len = l;
    return PT_OK;
}

/* ---- writer ---- */

void pt_buf_init(pt_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = PT_OK;
    b->secret = 0;
}

void pt_buf_free(pt_buf *b)
{
    if (b->data && b->secret)
        OPENSSL_cleanse(b->data, b->cap);
    free(b->data);
    int secret = b->secret;
    pt_buf_init(b);
    b->secret = secret;
}

uint8_t *pt_buf_take(pt_buf *b, size_t *len)
{
    uint8_t *d = b->data;
    if (len)
        *len = b->len;
    pt_buf_init(b);
    return d;
}

void pt_buf_reserve(pt_buf *b, size_t extra)
{
    if (b->err)
        return;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->err = PT_ERR_TOO_LARGE;
        return;
    }
    size_t need = b->len + extra;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *n = malloc(cap);
    if (!n) {
        b->err = PT_ERR_NOMEM;
        return;
    }
    if (b->len)
        memcpy(n, b->data, b->len);
    if (b->data && b->secret)
        OPENSSL_cleanse(b->data, b->cap);
    free(b->data);
    b->data = n;
    b->cap = cap;
}

void pt_buf_put(pt_buf *b, const void *p, size_t n)
{
    pt_buf_reserve(b, n);
    if (b->err || n == 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

size_t pt_buf_put_zeros(pt_buf *b, size_t n)
{
    size_t off = b->len;
    pt_buf_reserve(b, n);
    if (b->err)
        return off;
    memset(b->data + b->len, 0, n);
    b->len += n;
    return off;
}

void pt_buf_put_u8(pt_buf *b, uint8_t v) { pt_buf_put(b, &v, 1); }

void pt_buf_put_u16(pt_buf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    pt_buf_put(b, p, 2);
}

void pt_buf_put_u32(pt_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    pt_buf_put(b, p, 4);
}

void pt_buf_put_u32le(pt_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pt_buf_put(b, p, 4);
}

void pt_buf_put_tlv(pt_buf *b, uint8_t tag, const void *val, size_t n)
{
    if (n > 0xffff) {
        if (!b->err)
            b->err = PT_ERR_TOO_LARGE;
        return;
    }
    pt_buf_put_u8(b, tag);
    pt_buf_put_u16(b, (uint16_t)n);
    pt_buf_put(b, val, n);
}

void pt_buf_put_tlv_u8(pt_buf *b, uint8_t tag, uint8_t v) { pt_buf_put_tlv(b, tag, &v, 1); }

void pt_buf_put_tlv_u16(pt_buf *b, uint8_t tag, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    pt_buf_put_tlv(b, tag, p, 2);
}

void pt_buf_put_tlv_u32(pt_buf *b, uint8_t tag, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    pt_buf_put_tlv(b, tag, p, 4);
}

void pt_buf_put_tlv_cstr(pt_buf *b, uint8_t tag, const char *s)
{
    size_t n = strlen(s);
    if (n + 1 > 0xffff) {
        if (!b->err)
            b->err = PT_ERR_TOO_LARGE;
        return;
    }
    pt_buf_put_u8(b, tag);
    pt_buf_put_u16(b, (uint16_t)(n + 1));
    pt_buf_put(b, s, n);
    pt_buf_put_u8(b, 0);
}

size_t pt_buf_open_container(pt_buf *b, uint8_t tag)
{
    size_t off = b->len;
    pt_buf_put_u8(b, tag);
    pt_buf_put_u16(b, 0);
    return off;
}

void pt_buf_close_container(pt_buf *b, size_t off)
{
    if (b->err)
        return;
    size_t inner = b->len - off - 3;
    if (inner > 0xffff) {
        b->err = PT_ERR_TOO_LARGE;
        return;
    }
    pt_buf_patch_u16(b, off + 1, (uint16_t)inner);
}

void pt_buf_patch_u16(pt_buf *b, size_t off, uint16_t v)
{
    if (b->err)
        return;
    if (off + 2 > b->len) {
        b->err = PT_ERR_ARG;
        return;
    }
    b->data[off] = (uint8_t)(v >> 8);
    b->data[off + 1] = (uint8_t)v;
}
