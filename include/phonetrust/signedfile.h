/*
 * signedfile.h - the signed TLV header shared by .tlv, .sgn and .enc.sgn
 * (spec §1): parsing with exact bounds, verification, and building in
 * either writer layout.
 *
 * A parsed header points into the caller's buffer; keep the buffer alive
 * while the header is used.
 */
#ifndef PHONETRUST_SIGNEDFILE_H
#define PHONETRUST_SIGNEDFILE_H

#include <stddef.h>
#include <stdint.h>

#include "phonetrust/buf.h"
#include "phonetrust/crypto.h"
#include "phonetrust/error.h"

typedef struct pt_bytes {
    const uint8_t *p;
    size_t n;
} pt_bytes;

enum pt_item_kind { PT_ITEM_VALUE = 0, PT_ITEM_CONTAINER = 1, PT_ITEM_PADDING = 2 };

/* One TLV of a header or record, in file order. */
typedef struct pt_item {
    size_t offset;       /* of the tag byte */
    uint8_t tag;
    uint8_t kind;        /* pt_item_kind */
    uint16_t len;        /* value length (container: bytes of children) */
    const uint8_t *val;  /* NULL for containers and padding */
} pt_item;

typedef struct pt_header {
    uint8_t version[2];
    uint16_t length;              /* HEADER_LENGTH = offset of the body */
    int has_signer_version;
    uint8_t signer_version[2];
    pt_bytes signer_name;         /* C-strings: without the NUL */
    pt_bytes issuer_name;
    pt_bytes serial;
    pt_bytes filename;
    int hash;                     /* tag 8; -1 when absent */
    int sig_algorithm;            /* tag 10; -1 when absent */
    int sig_modulus;              /* tag 11; -1 when absent */
    pt_bytes signature;           /* tag 12 value */
    size_t signature_offset;      /* offset of the tag-12 TLV */
    int has_timestamp;
    uint32_t timestamp;
    /* §4.2 encryption items (.enc.sgn); -1 / empty when absent */
    int enc_present;
    pt_bytes enc_iv, enc_key, enc_hash;
    int enc_padding, enc_key_size, enc_key_algorithm, enc_hash_alg;
    int enc_unknown1, enc_unknown2;
    pt_item *items;
    size_t n_items;
    int unaligned;                /* HEADER_LENGTH % 4 != 0 (legal, unusual) */
} pt_header;

/*
 * Parses and checks the header of data[0..len) (§1.4 plus the C bounds
 * rules): TLV 1 at offset 0, TLV 2 at offset 5, every TLV inside the header
 * and its container, the walk ending exactly at HEADER_LENGTH, known tags
 * only (3-28), single-occurrence tags once, tags 8 and 12 present.
 * Returns 0 or a PT_ERR_* with d describing where; on failure h holds no
 * allocations (pt_header_free is still safe to call).
 */
int pt_header_parse(const uint8_t *data, size_t len, pt_header *h, pt_diag *d);
void pt_header_free(pt_header *h);

/* Name of a header tag as the spec's appendix spells it ("SIGNER_NAME"). */
const char *pt_header_tag_name(int tag);

/* Digest of the signed bytes: the whole file minus the signature TLV (§1.3). */
int pt_header_signed_digest(const uint8_t *data, size_t len, const pt_header *h,
                            uint8_t *out, size_t *outlen);

/* Verifies the header's signature with pub (RSA).  PT_ERR_SIGNATURE when it
 * does not verify. */
int pt_header_verify(const uint8_t *data, size_t len, const pt_header *h, EVP_PKEY *pub,
                     pt_diag *d);

/* §1.2 writer layouts. */
enum pt_layout {
    PT_LAYOUT_CURRENT = 0, /* certutils v4.13: signer info 4,6,5; ',' names; records 3,5,6,4 */
    PT_LAYOUT_LEGACY = 1   /* v4.12 and CUCM: ascending tag order; ';' names */
};

#define PT_SIGNER_VERSION_NONE (-1)

typedef struct pt_sign_opts {
    int layout;            /* pt_layout */
    int hash;              /* pt_hash */
    uint32_t timestamp;
    const char *filename;  /* header FILENAME; required */
    int signer_version;    /* (major << 8) | minor, or PT_SIGNER_VERSION_NONE;
                              written only in trust lists */
} pt_sign_opts;

/* Defaults of the current open-source tools: current layout, SHA-1,
 * signer version 1.0, timestamp now. */
void pt_sign_opts_init(pt_sign_opts *o);

/* The separator of DN strings for a layout. */
static inline char pt_layout_sep(int layout) { return layout == PT_LAYOUT_LEGACY ? ';' : ','; }

/*
 * Builds header || body and signs it (§1.2, §1.3).  version is the header
 * VERSION (1.2 trust list, 1.0 .sgn, 2.0 .enc.sgn); tag 28 is written only
 * when with_signer_version and opts->signer_version != NONE.  extra holds
 * TLVs placed after TIMESTAMP (the §4.2 encryption items).
 */
int pt_signed_build(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                    uint8_t ver_major, uint8_t ver_minor, int with_signer_version,
                    const uint8_t *extra, size_t extra_len,
                    const uint8_t *body, size_t body_len, pt_diag *d);

#endif
