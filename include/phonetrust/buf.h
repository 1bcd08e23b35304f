/*
 * buf.h - the one bounds-checked reader and writer for every byte format.
 *
 * All parsing of outside input in libphonetrust goes through pt_reader: a
 * window [start, end) over a buffer with a cursor.  Positions are absolute
 * offsets into the underlying buffer, so a child reader over a nested TLV
 * reports offsets a user can find in a hex dump of the file.  No function
 * here reads outside the window; each returns PT_ERR_TRUNCATED instead and
 * leaves the cursor where it was.
 *
 * pt_buf is the matching growable writer.  Errors are sticky: after a
 * failed append every later append is a no-op and pt_buf_error() reports
 * the first failure, so builders can check once at the end.
 */
#ifndef PHONETRUST_BUF_H
#define PHONETRUST_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct pt_reader {
    const uint8_t *data; /* the whole underlying buffer */
    size_t start;        /* window start (absolute) */
    size_t end;          /* window end (absolute, exclusive) */
    size_t pos;          /* cursor (absolute) */
} pt_reader;

/* A window over all of data[0..len). */
void pt_rd_init(pt_reader *r, const uint8_t *data, size_t len);
/* A window over data[start..end) of another reader's buffer, cursor at start.
 * Returns PT_ERR_ARG unless parent->start <= start <= end <= parent->end. */
int pt_rd_window(const pt_reader *parent, size_t start, size_t end, pt_reader *out);

static inline size_t pt_rd_pos(const pt_reader *r) { return r->pos; }
static inline size_t pt_rd_left(const pt_reader *r) { return r->end - r->pos; }
static inline int pt_rd_eof(const pt_reader *r) { return r->pos >= r->end; }

/* Each returns 0 or PT_ERR_TRUNCATED (cursor unchanged on failure). */
int pt_rd_u8(pt_reader *r, uint8_t *v);
int pt_rd_u16(pt_reader *r, uint16_t *v);   /* big-endian */
int pt_rd_u32(pt_reader *r, uint32_t *v);   /* big-endian */
int pt_rd_u32le(pt_reader *r, uint32_t *v); /* the one little-endian field (§6.8.4) */
int pt_rd_peek_u8(const pt_reader *r, uint8_t *v);
int pt_rd_skip(pt_reader *r, size_t n);
/* Points *p at the next n bytes (no copy) and advances. */
int pt_rd_bytes(pt_reader *r, size_t n, const uint8_t **p);
/* Copies the next n bytes into out and advances. */
int pt_rd_copy(pt_reader *r, void *out, size_t n);
/* Makes child a reader over the next n bytes and advances past them. */
int pt_rd_child(pt_reader *r, size_t n, pt_reader *child);

/*
 * A TLV item: tag u8, length u16, value.  pt_rd_tlv_head reads tag and
 * length only (3 bytes) so a parser can report the tag of an item whose
 * value runs past the end; pt_rd_tlv reads all of it.
 */
int pt_rd_tlv_head(pt_reader *r, uint8_t *tag, uint16_t *len);
int pt_rd_tlv(pt_reader *r, uint8_t *tag, uint16_t *len, const uint8_t **val);

typedef struct pt_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int err;     /* first error, sticky */
    int secret;  /* wipe on growth and free */
} pt_buf;

void pt_buf_init(pt_buf *b);
/* Frees the storage (wiping it first if b->secret) and re-initialises b. */
void pt_buf_free(pt_buf *b);
static inline int pt_buf_error(const pt_buf *b) { return b->err; }
/* Hands the storage to the caller (who frees it) and re-initialises b. */
uint8_t *pt_buf_take(pt_buf *b, size_t *len);

void pt_buf_reserve(pt_buf *b, size_t extra);
void pt_buf_put_u8(pt_buf *b, uint8_t v);
void pt_buf_put_u16(pt_buf *b, uint16_t v);
void pt_buf_put_u32(pt_buf *b, uint32_t v);
void pt_buf_put_u32le(pt_buf *b, uint32_t v);
void pt_buf_put(pt_buf *b, const void *p, size_t n);
/* Appends a string literal (its length computed, not typed). */
#define pt_buf_put_lit(b, lit) pt_buf_put((b), (lit), sizeof(lit) - 1)
/* Appends n zero bytes and returns the offset of the first (for patching). */
size_t pt_buf_put_zeros(pt_buf *b, size_t n);
/* tag, u16 length, value; PT_ERR_TOO_LARGE if n > 65535. */
void pt_buf_put_tlv(pt_buf *b, uint8_t tag, const void *val, size_t n);
void pt_buf_put_tlv_u8(pt_buf *b, uint8_t tag, uint8_t v);
void pt_buf_put_tlv_u16(pt_buf *b, uint8_t tag, uint16_t v);
void pt_buf_put_tlv_u32(pt_buf *b, uint8_t tag, uint32_t v);
/* A C-string TLV: the bytes of s and one NUL, the NUL counted. */
void pt_buf_put_tlv_cstr(pt_buf *b, uint8_t tag, const char *s);
/* Opens a container TLV (tag + placeholder length); returns its offset. */
size_t pt_buf_open_container(pt_buf *b, uint8_t tag);
/* Patches the container's length to cover everything written since. */
void pt_buf_close_container(pt_buf *b, size_t container_off);
void pt_buf_patch_u16(pt_buf *b, size_t off, uint16_t v);

#endif
