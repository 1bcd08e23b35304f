/*
 * trustlist.h - ITLFile.tlv / CTLFile.tlv (spec §2): records, parsing,
 * locating the signer, verification and building.
 *
 * A parsed trust list points into the caller's buffer.
 */
#ifndef PHONETRUST_TRUSTLIST_H
#define PHONETRUST_TRUSTLIST_H

#include <stddef.h>
#include <stdint.h>

#include "phonetrust/signedfile.h"

typedef struct pt_record {
    size_t offset;          /* of the RECORD_LENGTH TLV */
    uint16_t length;        /* RECORD_LENGTH, including its own 5 bytes */
    int role;               /* tag 4, -1 when absent */
    pt_bytes dns_name;      /* C-strings without their NUL */
    pt_bytes subject;
    pt_bytes issuer;
    pt_bytes serial;
    pt_bytes public_key;
    pt_bytes signature;
    pt_bytes certificate;   /* DER; empty for hash-only and partial records */
    pt_bytes ip_address;
    pt_bytes cert_hash;     /* tag 11 */
    int hash_alg;           /* tag 12, -1 when absent */
    pt_item *items;
    size_t n_items;
} pt_record;

typedef struct pt_trustlist {
    const uint8_t *data;
    size_t len;
    pt_header hdr;
    pt_record *recs;
    size_t n_recs;
} pt_trustlist;

/*
 * Parses header and records.  Every record must start with RECORD_LENGTH,
 * fit in the file, and its items must end exactly at the record's end;
 * record tags are 1-12, each at most once, and every record has a ROLE.
 * On failure tl holds no allocations (pt_tl_free is still safe to call).
 */
int pt_tl_parse(const uint8_t *data, size_t len, pt_trustlist *tl, pt_diag *d);
void pt_tl_free(pt_trustlist *tl);

/* §2.6: index of the signer record (SAST, serial equal to the header's, with
 * a certificate; the last such record), or -1. */
int pt_tl_signer_index(const pt_trustlist *tl);

/* Verifies the list's signature with its own signer record.  On success
 * *signer (if non-NULL) is the signer record's index.  PT_ERR_NO_SIGNER
 * when no record can be the signer; PT_ERR_SIGNATURE when it does not
 * verify. */
int pt_tl_verify(const pt_trustlist *tl, int *signer, pt_diag *d);
/* The same through a key cache (see crypto.h); cache may be NULL. */
int pt_tl_verify_cached(const pt_trustlist *tl, pt_keycache *cache, int *signer, pt_diag *d);

/* Verifies the list's signature with a given certificate (a signer the
 * list does not carry, e.g. one vouched for by TVS). */
int pt_tl_verify_with(const pt_trustlist *tl, X509 *cert, pt_diag *d);

/* 1 when the record carries a certificate hash instead of a certificate. */
int pt_record_is_hash_only(const pt_record *r);

/* Does this record describe cert?  Compares DER bytes, or for hash-only
 * records the certificate's digest with the record's algorithm. */
int pt_record_matches_cert(const pt_record *r, const uint8_t *der, size_t der_len);

/* Role names: short ("SAST", "CCM+TFTP", "APP-SERVER", ...) and CUCM's
 * show-itl wording ("System Administrator Security Token", ...). */
const char *pt_role_name(int role);
const char *pt_role_cucm_name(int role);
/* "sast", "ccm", "ccm+tftp", "tftp", "capf", "app-server", "tvs", "srst"
 * (any case, '_' for '-') or a number -> role code, or -1. */
int pt_role_from_name(const char *name);
/* Name of a record tag ("SUBJECT_NAME"). */
const char *pt_record_tag_name(int tag);

/* One certificate to list. */
typedef struct pt_tl_entry {
    X509 *cert;
    int role;
    int hash_only;        /* write tags 11/12 instead of tag 9 */
    int partial;          /* only RECORD_LENGTH, DNS_NAME, ROLE, IP_ADDRESS (a CTL left
                             behind by a cluster that went back to non-secure mode) */
    int hash_alg;         /* for hash-only records; 0 means SHA-1 */
    const uint8_t *der;   /* optional: the certificate's DER, if the caller has it */
    size_t der_len;
    const char *dns_name; /* optional tag 2 */
    int has_ip;           /* optional tag 10 */
    uint8_t ip[4];
} pt_tl_entry;

/*
 * Re-signs a trust list: the same records, byte for byte, under a new
 * header made by signer (what `utils itl reset` does with the ITLRecovery
 * key, M18).  tl is the parsed current list.
 */
int pt_tl_resign(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                 const pt_trustlist *tl, pt_diag *d);

/* Encodes one record in the given layout. */
int pt_tl_record_encode(pt_buf *out, const pt_tl_entry *e, int layout, pt_diag *d);

/* Builds and signs a trust list (VERSION 1.2) from the entries, in order.
 * Refuses lists of 64 KB or more, which phones cannot load (§2.8). */
int pt_tl_build(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                const pt_tl_entry *entries, size_t n, pt_diag *d);

#endif
