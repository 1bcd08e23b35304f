/*
 * trustlist.c - ITL/CTL records (§2): parse, locate the signer, verify,
 * build.
 */
#include "phonetrust/trustlist.h"
#include "phonetrust/constants.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const rec_names[] = {
    [1] = "RECORD_LENGTH", [2] = "DNS_NAME", [3] = "SUBJECT_NAME", [4] = "ROLE",
    [5] = "ISSUER_NAME", [6] = "SERIAL_NUMBER", [7] = "PUBLIC_KEY", [8] = "SIGNATURE",
    [9] = "CERTIFICATE", [10] = "IP_ADDRESS", [11] = "CERTIFICATE_HASH",
    [12] = "HASH_ALGORITHM",
};

const char *pt_record_tag_name(int tag)
{
    if (tag > 0 && tag <= PT_REC_TAG_MAX)
        return rec_names[tag];
    return "?";
}

static const struct {
    int code;
    const char *name;
    const char *cucm;
} roles[] = {
    {PT_ROLE_SAST, "SAST", "System Administrator Security Token"},
    {PT_ROLE_CCM, "CCM", "CCM"},
    {PT_ROLE_CCM_TFTP, "CCM+TFTP", "CCM+TFTP"},
    {PT_ROLE_TFTP, "TFTP", "TFTP"},
    {PT_ROLE_CAPF, "CAPF", "CAPF"},
    {PT_ROLE_SRST, "SRST", "SRST"},
    {PT_ROLE_APP_SERVER, "APP-SERVER", "APP-SERVER"},
    {PT_ROLE_TVS, "TVS", "TVS"},
};

const char *pt_role_name(int role)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].code == role)
            return roles[i].name;
    return "?";
}

const char *pt_role_cucm_name(int role)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].code == role)
            return roles[i].cucm;
    return "Unknown";
}

int pt_role_from_name(const char *name)
{
    char norm[32];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof norm)
        return -1;
    for (size_t i = 0; i <= n; i++)
        norm[i] = name[i] == '_' ? '-' : name[i];
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (!strcasecmp(norm, roles[i].name))
            return roles[i].code;
    if (!strcasecmp(norm, "ccm-tftp"))
        return PT_ROLE_CCM_TFTP;
    if (!strcasecmp(norm, "app") || !strcasecmp(norm, "https"))
        return PT_ROLE_APP_SERVER;
    char *end;
    long v = strtol(name, &end, 10);
    if (*end == '\0' && isdigit((unsigned char)name[0]) && v >= 0 && v <= 0xffff)
        return (int)v;
    return -1;
}

static pt_bytes cstr(const uint8_t *v, size_t n)
{
    pt_bytes b = {v, n};
    const uint8_t *nul = memchr(v, 0, n);
    if (nul)
        b.n = (size_t)(nul - v);
    return b;
}

void pt_tl_free(pt_trustlist *tl)
{
    if (!tl)
        return;
    for (size_t i = 0; i < tl->n_recs; i++)
        free(tl->recs[i].items);
    free(tl->recs);
    pt_header_free(&tl->hdr);
    tl->recs = NULL;
    tl->n_recs = 0;
}

/* Parses one record at the reader's position (the file reader). */
static int parse_record(pt_reader *file, size_t index, pt_record *rec, pt_diag *d)
{
    memset(rec, 0, sizeof *rec);
    rec->role = -1;
    rec->hash_alg = -1;
    size_t off = pt_rd_pos(file);
    rec->offset = off;
    size_t flen = file->end;
    uint8_t tag;
    uint16_t len;
    if (pt_rd_tlv_head(file, &tag, &len) != PT_OK)
        return pt_diag_set(d, PT_ERR_TRUNCATED, off,
                           "record %zu: the file ends (%zu bytes) inside the RECORD_LENGTH item",
                           index, flen);
    if (tag != PT_REC_LENGTH || len != 2)
        return pt_diag_set(d, PT_ERR_FORMAT, off,
                           "record %zu: expected tag 1 (RECORD_LENGTH) of length 2, found tag %u length %u",
                           index, tag, len);
    uint16_t rlen;
    if (pt_rd_u16(file, &rlen) != PT_OK)
        return pt_diag_set(d, PT_ERR_TRUNCATED, off,
                           "record %zu: the file ends (%zu bytes) inside the RECORD_LENGTH item",
                           index, flen);
    if (rlen < 5)
        return pt_diag_set(d, PT_ERR_FORMAT, off,
                           "record %zu: RECORD_LENGTH %u is smaller than its own 5 bytes", index, rlen);
    /* A truncated file usually ends inside a record: walk what is there so
     * the error can name the item that runs past the end. */
    int cut = off + rlen > flen;
    size_t rend = cut ? flen : off + rlen;
    rec->length = rlen;
    pt_reader r;
    pt_rd_window(file, off, rend, &r);
    r.pos = off + 5;
    file->pos = rend;

    size_t cap = 12;
    rec->items = malloc(cap * sizeof *rec->items);
    if (!rec->items)
        return PT_ERR_NOMEM;
    rec->items[rec->n_items++] = (pt_item){off, PT_REC_LENGTH, PT_ITEM_VALUE, 2, r.data + off + 3};
    uint32_t seen = 1u << PT_REC_LENGTH;

    while (!pt_rd_eof(&r)) {
        size_t ioff = pt_rd_pos(&r);
        if (pt_rd_tlv_head(&r, &tag, &len) != PT_OK) {
            if (cut)
                break;
            return pt_diag_set(d, PT_ERR_TRUNCATED, ioff,
                               "record %zu: the record ends (at offset 0x%zx) inside an item's tag and length",
                               index, r.end);
        }
        if (tag < 1 || tag > PT_REC_TAG_MAX)
            return pt_diag_set(d, PT_ERR_UNKNOWN_TAG, ioff,
                               "record %zu: unknown tag %u (length %u); record tags are 1-12",
                               index, tag, len);
        if (ioff + 3 + len > flen)
            return pt_diag_set(d, PT_ERR_TRUNCATED, ioff,
                               "record %zu: tag %u length %u runs past the end of the file (%zu bytes)",
                               index, tag, len, flen);
        if (pt_rd_left(&r) < len)
            return pt_diag_set(d, PT_ERR_TRUNCATED, ioff,
                               "record %zu: tag %u length %u runs past the end of the record (RECORD_LENGTH %u ends at offset 0x%zx)",
                               index, tag, len, rlen, r.end);
        if (seen & (1u << tag))
            return pt_diag_set(d, PT_ERR_DUPLICATE_TAG, ioff,
                               "record %zu: tag %u (%s) occurs twice", index, tag,
                               pt_record_tag_name(tag));
        seen |= 1u << tag;
        const uint8_t *v;
        pt_rd_bytes(&r, len, &v);
        if (rec->n_items == cap) {
            cap *= 2;
            pt_item *n = realloc(rec->items, cap * sizeof *n);
            if (!n)
                return PT_ERR_NOMEM;
            rec->items = n;
        }
        rec->items[rec->n_items++] = (pt_item){ioff, tag, PT_ITEM_VALUE, len, v};
        switch (tag) {
        case PT_REC_LENGTH:
            break; /* unreachable: seen above */
        case PT_REC_DNS_NAME: rec->dns_name = cstr(v, len); break;
        case PT_REC_SUBJECT_NAME: rec->subject = cstr(v, len); break;
        case PT_REC_ROLE:
            if (len != 2)
                return pt_diag_set(d, PT_ERR_FORMAT, ioff,
                                   "record %zu: tag 4 (ROLE) has length %u, expected 2", index, len);
            rec->role = (v[0] << 8) | v[1];
            break;
        case PT_REC_ISSUER_NAME: rec->issuer = cstr(v, len); break;
        case PT_REC_SERIAL_NUMBER: rec->serial = (pt_bytes){v, len}; break;
        case PT_REC_PUBLIC_KEY: rec->public_key = (pt_bytes){v, len}; break;
        case PT_REC_SIGNATURE: rec->signature = (pt_bytes){v, len}; break;
        case PT_REC_CERTIFICATE:
            if (len == 0)
                return pt_diag_set(d, PT_ERR_FORMAT, ioff,
                                   "record %zu: tag 9 (CERTIFICATE) is empty", index);
            rec->certificate = (pt_bytes){v, len};
            break;
        case PT_REC_IP_ADDRESS: rec->ip_address = (pt_bytes){v, len}; break;
        case PT_REC_CERTIFICATE_HASH: rec->cert_hash = (pt_bytes){v, len}; break;
        case PT_REC_HASH_ALGORITHM:
            if (len != 1)
                return pt_diag_set(d, PT_ERR_FORMAT, ioff,
                                   "record %zu: tag 12 (HASH_ALGORITHM) has length %u, expected 1",
                                   index, len);
            rec->hash_alg = v[0];
            break;
        }
    }
    if (cut)
        return pt_diag_set(d, PT_ERR_TRUNCATED, off,
                           "record %zu: RECORD_LENGTH %u runs past the end of the file (%zu bytes)",
                           index, rlen, flen);
    if (rec->role < 0)
        return pt_diag_set(d, PT_ERR_MISSING_TAG, off,
                           "record %zu: tag 4 (ROLE) is missing", index);
    return PT_OK;
}

int pt_tl_parse(const uint8_t *data, size_t len, pt_trustlist *tl, pt_diag *d)
{
    memset(tl, 0, sizeof *tl);
    tl->data = data;
    tl->len = len;
    int rc = pt_header_parse(data, len, &tl->hdr, d);
    if (rc)
        return rc;
    pt_reader file;
    pt_rd_init(&file, data, len);
    file.pos = tl->hdr.length;
    size_t cap = 0;
    while (!pt_rd_eof(&file)) {
        if (tl->n_recs == cap) {
            size_t nc = cap ? cap * 2 : 8;
            pt_record *n = realloc(tl->recs, nc * sizeof *n);
            if (!n) {
                pt_tl_free(tl);
                return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
            }
            tl->recs = n;
            cap = nc;
        }
        pt_record *rec = &tl->recs[tl->n_recs];
        rc = parse_record(&file, tl->n_recs + 1, rec, d);
        tl->n_recs++; /* so that pt_tl_free releases its items */
        if (rc) {
            pt_tl_free(tl);
            return rc;
        }
    }
    return PT_OK;
}

int pt_tl_signer_index(const pt_trustlist *tl)
{
    int found = -1;
    for (size_t i = 0; i < tl->n_recs; i++) {
        const pt_record *r = &tl->recs[i];
        if (r->role == PT_ROLE_SAST && r->certificate.n > 0 &&
            r->serial.n == tl->hdr.serial.n &&
            (r->serial.n == 0 || memcmp(r->serial.p, tl->hdr.serial.p, r->serial.n) == 0))
            found = (int)i;
    }
    return found;
}

int pt_tl_verify_cached(const pt_trustlist *tl, pt_keycache *cache, int *signer, pt_diag *d)
{
    if (signer)
        *signer = -1;
    int idx = pt_tl_signer_index(tl);
    if (idx < 0) {
        char hex[130];
        size_t n = tl->hdr.serial.n > 64 ? 64 : tl->hdr.serial.n;
        return pt_diag_set(d, PT_ERR_NO_SIGNER, PT_NO_OFFSET,
                           "no SAST record with a certificate has the signer's serial number %s",
                           pt_hex(tl->hdr.serial.p, n, hex));
    }
    const pt_record *r = &tl->recs[idx];
    uint8_t dg[EVP_MAX_MD_SIZE];
    size_t dglen;
    int rc = pt_header_signed_digest(tl->data, tl->len, &tl->hdr, dg, &dglen);
    if (rc)
        return pt_diag_set(d, rc, PT_NO_OFFSET, "cannot compute the %s digest", pt_hash_name(tl->hdr.hash));
    rc = pt_verify_digest_der(cache, r->certificate.p, r->certificate.n, tl->hdr.hash, dg, dglen,
                              tl->hdr.signature.p, tl->hdr.signature.n, d);
    if (rc) {
        if (rc == PT_ERR_SIGNATURE) {
            d->has_offset = 1;
            d->offset = tl->hdr.signature_offset;
        }
        return pt_diag_prefix(d, rc, "signer record %d", idx + 1);
    }
    if (signer)
        *signer = idx;
    return PT_OK;
}

int pt_tl_verify(const pt_trustlist *tl, int *signer, pt_diag *d)
{
    return pt_tl_verify_cached(tl, NULL, signer, d);
}

int pt_tl_verify_with(const pt_trustlist *tl, X509 *cert, pt_diag *d)
{
    return pt_header_verify(tl->data, tl->len, &tl->hdr, X509_get0_pubkey(cert), d);
}

int pt_tl_resign(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                 const pt_trustlist *tl, pt_diag *d)
{
    size_t body = tl->hdr.length;
    int rc = pt_signed_build(out, signer, opts, tl->hdr.version[0], tl->hdr.version[1], 1, NULL, 0,
                             tl->data + body, tl->len - body, d);
    if (!rc && out->len > PT_TRUSTLIST_MAX_SIZE)
        rc = pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET,
                         "the trust list would be %zu bytes; phones cannot load trust lists of 64 KB or more",
                         out->len);
    return rc;
}

int pt_record_is_hash_only(const pt_record *r)
{
    return r->certificate.n == 0 && r->cert_hash.n > 0;
}

int pt_record_matches_cert(const pt_record *r, const uint8_t *der, size_t der_len)
{
    if (r->certificate.n)
        return r->certificate.n == der_len && memcmp(r->certificate.p, der, der_len) == 0;
    if (r->cert_hash.n) {
        int alg = r->hash_alg < 0 ? PT_HASH_SHA1 : r->hash_alg;
        uint8_t dg[64];
        size_t n;
        if (pt_digest(alg, der, der_len, dg, &n))
            return 0;
        return n == r->cert_hash.n && memcmp(dg, r->cert_hash.p, n) == 0;
    }
    return 0;
}

int pt_tl_record_encode(pt_buf *out, const pt_tl_entry *e, int layout, pt_diag *d)
{
    if (e->partial) {
        size_t start = out->len;
        pt_buf_put_tlv_u16(out, PT_REC_LENGTH, 0);
        if (e->dns_name)
            pt_buf_put_tlv_cstr(out, PT_REC_DNS_NAME, e->dns_name);
        pt_buf_put_tlv_u16(out, PT_REC_ROLE, (uint16_t)e->role);
        if (e->has_ip)
            pt_buf_put_tlv(out, PT_REC_IP_ADDRESS, e->ip, 4);
        pt_buf_patch_u16(out, start + 3, (uint16_t)(out->len - start));
        return pt_buf_error(out);
    }
    char sep = pt_layout_sep(layout);
    char *subject = pt_name_string(X509_get_subject_name(e->cert), sep);
    char *issuer = pt_name_string(X509_get_issuer_name(e->cert), sep);
    uint8_t serial[64];
    size_t serial_len;
    const uint8_t *sig;
    size_t sig_len;
    pt_buf pub, der;
    pt_buf_init(&pub);
    pt_buf_init(&der);
    int rc = PT_OK;
    if (!subject || !issuer || pt_cert_serial(e->cert, serial, &serial_len) ||
        pt_cert_pubkey_bytes(e->cert, &pub) || pt_cert_signature_bytes(e->cert, &sig, &sig_len) ||
        (e->der ? (pt_buf_put(&der, e->der, e->der_len), pt_buf_error(&der)) : pt_cert_der(e->cert, &der))) {
        rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "cannot read a certificate for the %s record",
                         pt_role_name(e->role));
        goto done;
    }
    if (e->role < 0 || e->role > 0xffff) {
        rc = pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "role %d is out of range", e->role);
        goto done;
    }
    size_t start = out->len;
    pt_buf_put_tlv_u16(out, PT_REC_LENGTH, 0);
    if (e->dns_name)
        pt_buf_put_tlv_cstr(out, PT_REC_DNS_NAME, e->dns_name);
    pt_buf_put_tlv_cstr(out, PT_REC_SUBJECT_NAME, subject);
    if (layout == PT_LAYOUT_LEGACY)
        pt_buf_put_tlv_u16(out, PT_REC_ROLE, (uint16_t)e->role);
    pt_buf_put_tlv_cstr(out, PT_REC_ISSUER_NAME, issuer);
    pt_buf_put_tlv(out, PT_REC_SERIAL_NUMBER, serial, serial_len);
    if (layout != PT_LAYOUT_LEGACY)
        pt_buf_put_tlv_u16(out, PT_REC_ROLE, (uint16_t)e->role);
    pt_buf_put_tlv(out, PT_REC_PUBLIC_KEY, pub.data, pub.len);
    pt_buf_put_tlv(out, PT_REC_SIGNATURE, sig, sig_len);
    if (e->hash_only) {
        int alg = e->hash_alg ? e->hash_alg : PT_HASH_SHA1;
        uint8_t dg[64];
        size_t dglen;
        if ((rc = pt_digest(alg, der.data, der.len, dg, &dglen))) {
            pt_diag_set(d, rc, PT_NO_OFFSET, "unknown hash code %d for a hash-only record", alg);
            goto done;
        }
        pt_buf_put_tlv(out, PT_REC_CERTIFICATE_HASH, dg, dglen);
        pt_buf_put_tlv_u8(out, PT_REC_HASH_ALGORITHM, (uint8_t)alg);
    } else {
        pt_buf_put_tlv(out, PT_REC_CERTIFICATE, der.data, der.len);
    }
    if (e->has_ip)
        pt_buf_put_tlv(out, PT_REC_IP_ADDRESS, e->ip, 4);
    size_t rlen = out->len - start;
    if (rlen > 0xffff)
        rc = pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET, "a %s record would be %zu bytes (at most 65535)",
                         pt_role_name(e->role), rlen);
    else
        pt_buf_patch_u16(out, start + 3, (uint16_t)rlen);
    if (!rc && (rc = pt_buf_error(out)))
        pt_diag_set(d, rc, PT_NO_OFFSET, "cannot encode a record: %s", pt_strerror(rc));
done:
    free(subject);
    free(issuer);
    pt_buf_free(&pub);
    pt_buf_free(&der);
    return rc;
}

int pt_tl_build(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                const pt_tl_entry *entries, size_t n, pt_diag *d)
{
    pt_buf body;
    pt_buf_init(&body);
    int rc = PT_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = pt_tl_record_encode(&body, &entries[i], opts->layout, d);
    if (!rc)
        rc = pt_signed_build(out, signer, opts, PT_VERSION_TLV_MAJOR, PT_VERSION_TLV_MINOR, 1,
                             NULL, 0, body.data, body.len, d);
    if (!rc && out->len > PT_TRUSTLIST_MAX_SIZE)
        rc = pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET,
                         "the trust list would be %zu bytes; phones cannot load trust lists of 64 KB or more",
                         out->len);
    pt_buf_free(&body);
    return rc;
}
