/*
 * signedfile.c - the §1 signed TLV header: parse, verify, build.
 *
 * The reader walks the header flat, as the reference does (containers are
 * entered, not skipped), while keeping a stack of open containers so that
 * no item may cross the end of the container it sits in.
 */
#include "phonetrust/signedfile.h"
#include "phonetrust/constants.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const hdr_names[] = {
    [1] = "VERSION", [2] = "HEADER_LENGTH", [3] = "SIGNER_INFO", [4] = "SIGNER_NAME",
    [5] = "SERIAL_NUMBER", [6] = "ISSUER_NAME", [7] = "SIGNATURE_INFO",
    [8] = "HASH_ALGORITHM", [9] = "SIG_ALG_INFO", [10] = "SIGNATURE_ALGORITHM",
    [11] = "SIGNATURE_MODULUS", [12] = "SIGNATURE", [13] = "PADDING", [14] = "FILENAME",
    [15] = "TIMESTAMP", [16] = "ENC_INFO", [17] = "ENC_IV_INFO", [18] = "ENC_IV_UNKNOWN",
    [19] = "ENC_IV", [20] = "ENC_PADDING", [21] = "ENC_KEY_INFO", [22] = "ENC_KEY_UNKNOWN",
    [23] = "ENC_KEY_SIZE", [24] = "ENC_KEY_ALGORITHM", [25] = "ENC_KEY",
    [26] = "ENC_HASH_ALGORITHM", [27] = "ENC_HASH", [28] = "SIGNER_VERSION",
};

const char *pt_header_tag_name(int tag)
{
    if (tag > 0 && tag <= PT_HDR_TAG_MAX)
        return hdr_names[tag];
    return "?";
}

static int is_container(int tag)
{
    return tag == PT_HDR_SIGNER_INFO || tag == PT_HDR_SIGNATURE_INFO ||
           tag == PT_HDR_SIG_ALG_INFO || tag == PT_HDR_ENC_INFO ||
           tag == PT_HDR_ENC_IV_INFO || tag == PT_HDR_ENC_KEY_INFO;
}

/* Fixed value lengths; 0 = any length. */
static int fixed_len(int tag)
{
    switch (tag) {
    case PT_HDR_HASH_ALGORITHM:
    case PT_HDR_SIG_ALGORITHM:
    case PT_HDR_SIG_MODULUS:
    case PT_HDR_ENC_UNKNOWN1:
    case PT_HDR_ENC_UNKNOWN2:
    case PT_HDR_ENC_KEY_ALGORITHM:
    case PT_HDR_ENC_HASH_ALGORITHM:
        return 1;
    case PT_HDR_SIGNER_VERSION:
    case PT_HDR_ENC_PADDING:
    case PT_HDR_ENC_KEY_SIZE:
        return 2;
    case PT_HDR_TIMESTAMP:
        return 4;
    default:
        return 0;
    }
}

static pt_bytes cstr(const uint8_t *v, size_t n)
{
    pt_bytes b = {v, n};
    const uint8_t *nul = memchr(v, 0, n);
    if (nul)
        b.n = (size_t)(nul - v);
    return b;
}

static int push_item(pt_header *h, size_t *cap, pt_item it)
{
    if (h->n_items == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        pt_item *n = realloc(h->items, nc * sizeof *n);
        if (!n)
            return PT_ERR_NOMEM;
        h->items = n;
        *cap = nc;
    }
    h->items[h->n_items++] = it;
    return PT_OK;
}

void pt_header_free(pt_header *h)
{
    if (h) {
        free(h->items);
        h->items = NULL;
        h->n_items = 0;
    }
}

static int parse_fixed_item(pt_reader *r, int want_tag, const char *what, uint16_t *value,
                            pt_diag *d)
{
    size_t off = pt_rd_pos(r);
    uint8_t tag;
    uint16_t len;
    if (pt_rd_tlv_head(r, &tag, &len) != PT_OK)
        return pt_diag_set(d, PT_ERR_TRUNCATED, off,
                           "the file ends inside the %s item (%zu bytes)", what, r->end);
    if (tag != want_tag)
        return pt_diag_set(d, PT_ERR_FORMAT, off,
                           "expected tag %d (%s), found tag %u: not a signed TLV file",
                           want_tag, what, tag);
    if (len != 2)
        return pt_diag_set(d, PT_ERR_FORMAT, off, "tag %d (%s) has length %u, expected 2",
                           want_tag, what, len);
    if (pt_rd_u16(r, value) != PT_OK)
        return pt_diag_set(d, PT_ERR_TRUNCATED, off,
                           "the file ends inside the %s item (%zu bytes)", what, r->end);
    return PT_OK;
}

static int header_parse(const uint8_t *data, size_t len, pt_header *h, pt_diag *d);

int pt_header_parse(const uint8_t *data, size_t len, pt_header *h, pt_diag *d)
{
    int rc = header_parse(data, len, h, d);
    if (rc)
        pt_header_free(h); /* on failure nothing is left to free */
    return rc;
}

static int header_parse(const uint8_t *data, size_t len, pt_header *h, pt_diag *d)
{
    memset(h, 0, sizeof *h);
    h->hash = h->sig_algorithm = h->sig_modulus = -1;
    h->enc_padding = h->enc_key_size = h->enc_key_algorithm = h->enc_hash_alg = -1;
    h->enc_unknown1 = h->enc_unknown2 = -1;
    pt_diag_clear(d);

    pt_reader file;
    pt_rd_init(&file, data, len);
    uint16_t version, hlen;
    int rc = parse_fixed_item(&file, PT_HDR_VERSION, "VERSION", &version, d);
    if (rc)
        return rc;
    rc = parse_fixed_item(&file, PT_HDR_LENGTH, "HEADER_LENGTH", &hlen, d);
    if (rc)
        return rc;
    h->version[0] = (uint8_t)(version >> 8);
    h->version[1] = (uint8_t)version;
    h->length = hlen;
    if (hlen < 10)
        return pt_diag_set(d, PT_ERR_FORMAT, 5, "HEADER_LENGTH %u is smaller than 10", hlen);
    if (hlen > len)
        return pt_diag_set(d, PT_ERR_TRUNCATED, 5,
                           "HEADER_LENGTH %u runs past the end of the file (%zu bytes)", hlen, len);
    h->unaligned = hlen % 4 != 0;

    size_t cap = 0;
    pt_item v1 = {0, PT_HDR_VERSION, PT_ITEM_VALUE, 2, data + 3};
    pt_item v2 = {5, PT_HDR_LENGTH, PT_ITEM_VALUE, 2, data + 8};
    if (push_item(h, &cap, v1) || push_item(h, &cap, v2))
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");

    pt_reader r;
    pt_rd_window(&file, 0, hlen, &r);
    r.pos = 10;

    /* open containers: their tag and absolute end offset */
    struct { uint8_t tag; size_t end; } stack[8];
    int depth = 0;
    uint32_t seen = 0; /* bit per tag */

    while (!pt_rd_eof(&r)) {
        while (depth > 0 && pt_rd_pos(&r) == stack[depth - 1].end)
            depth--;
        size_t off = pt_rd_pos(&r);
        uint8_t first;
        pt_rd_peek_u8(&r, &first);
        if (first == PT_PADDING_BYTE) {
            pt_rd_skip(&r, 1);
            pt_item it = {off, PT_HDR_PADDING, PT_ITEM_PADDING, 0, NULL};
            if (push_item(h, &cap, it))
                return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
            continue;
        }
        uint8_t tag;
        uint16_t ilen;
        if (pt_rd_tlv_head(&r, &tag, &ilen) != PT_OK)
            return pt_diag_set(d, PT_ERR_TRUNCATED, off,
                               "header: tag %u: the header ends (at %u bytes) inside the tag's length field",
                               first, hlen);
        if (tag < PT_HDR_SIGNER_INFO || tag > PT_HDR_TAG_MAX)
            return pt_diag_set(d, PT_ERR_UNKNOWN_TAG, off,
                               "header: unknown tag %u (length %u); header tags are 3-28",
                               tag, ilen);
        if (pt_rd_left(&r) < ilen)
            return pt_diag_set(d, PT_ERR_TRUNCATED, off,
                               "header: tag %u (%s) length %u runs past the end of the header (%u bytes)",
                               tag, pt_header_tag_name(tag), ilen, hlen);
        if (depth > 0 && off + 3 + ilen > stack[depth - 1].end)
            return pt_diag_set(d, PT_ERR_FORMAT, off,
                               "header: tag %u (%s) length %u crosses the end of container tag %u at offset 0x%zx",
                               tag, pt_header_tag_name(tag), ilen, stack[depth - 1].tag,
                               stack[depth - 1].end);
        if (seen & (1u << tag))
            return pt_diag_set(d, PT_ERR_DUPLICATE_TAG, off,
                               "header: tag %u (%s) occurs twice", tag, pt_header_tag_name(tag));
        seen |= 1u << tag;

        if (is_container(tag)) {
            if (depth == (int)(sizeof stack / sizeof stack[0]))
                return pt_diag_set(d, PT_ERR_FORMAT, off, "header: containers nested too deeply");
            stack[depth].tag = tag;
            stack[depth].end = off + 3 + ilen;
            depth++;
            pt_item it = {off, tag, PT_ITEM_CONTAINER, ilen, NULL};
            if (push_item(h, &cap, it))
                return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
            continue;
        }

        const uint8_t *v;
        pt_rd_bytes(&r, ilen, &v);
        int want = fixed_len(tag);
        if (want && ilen != want)
            return pt_diag_set(d, PT_ERR_FORMAT, off,
                               "header: tag %u (%s) has length %u, expected %d",
                               tag, pt_header_tag_name(tag), ilen, want);
        pt_item it = {off, tag, PT_ITEM_VALUE, ilen, v};
        if (push_item(h, &cap, it))
            return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");

        switch (tag) {
        case PT_HDR_SIGNER_NAME: h->signer_name = cstr(v, ilen); break;
        case PT_HDR_SERIAL_NUMBER: h->serial = (pt_bytes){v, ilen}; break;
        case PT_HDR_ISSUER_NAME: h->issuer_name = cstr(v, ilen); break;
        case PT_HDR_HASH_ALGORITHM:
            if (v[0] != PT_HASH_SHA1 && v[0] != PT_HASH_SHA256 && v[0] != PT_HASH_SHA512)
                return pt_diag_set(d, PT_ERR_UNSUPPORTED, off,
                                   "header: tag 8 (HASH_ALGORITHM) value %u is not a known hash (1 SHA-1, 2 SHA-256, 3 SHA-512)",
                                   v[0]);
            h->hash = v[0];
            break;
        case PT_HDR_SIG_ALGORITHM: h->sig_algorithm = v[0]; break;
        case PT_HDR_SIG_MODULUS: h->sig_modulus = v[0]; break;
        case PT_HDR_SIGNATURE:
            if (ilen == 0)
                return pt_diag_set(d, PT_ERR_FORMAT, off, "header: tag 12 (SIGNATURE) is empty");
            h->signature = (pt_bytes){v, ilen};
            h->signature_offset = off;
            break;
        case PT_HDR_FILENAME: h->filename = cstr(v, ilen); break;
        case PT_HDR_TIMESTAMP:
            h->has_timestamp = 1;
            h->timestamp = ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) |
                           ((uint32_t)v[2] << 8) | v[3];
            break;
        case PT_HDR_SIGNER_VERSION:
            h->has_signer_version = 1;
            h->signer_version[0] = v[0];
            h->signer_version[1] = v[1];
            break;
        case PT_HDR_ENC_UNKNOWN1: h->enc_unknown1 = v[0]; h->enc_present = 1; break;
        case PT_HDR_ENC_IV: h->enc_iv = (pt_bytes){v, ilen}; h->enc_present = 1; break;
        case PT_HDR_ENC_PADDING: h->enc_padding = (v[0] << 8) | v[1]; h->enc_present = 1; break;
        case PT_HDR_ENC_UNKNOWN2: h->enc_unknown2 = v[0]; h->enc_present = 1; break;
        case PT_HDR_ENC_KEY_SIZE: h->enc_key_size = (v[0] << 8) | v[1]; h->enc_present = 1; break;
        case PT_HDR_ENC_KEY_ALGORITHM: h->enc_key_algorithm = v[0]; h->enc_present = 1; break;
        case PT_HDR_ENC_KEY: h->enc_key = (pt_bytes){v, ilen}; h->enc_present = 1; break;
        case PT_HDR_ENC_HASH_ALGORITHM: h->enc_hash_alg = v[0]; h->enc_present = 1; break;
        case PT_HDR_ENC_HASH: h->enc_hash = (pt_bytes){v, ilen}; h->enc_present = 1; break;
        default: break;
        }
    }
    if (!(seen & (1u << PT_HDR_HASH_ALGORITHM)))
        return pt_diag_set(d, PT_ERR_MISSING_TAG, PT_NO_OFFSET,
                           "header: tag 8 (HASH_ALGORITHM) is missing");
    if (!(seen & (1u << PT_HDR_SIGNATURE)))
        return pt_diag_set(d, PT_ERR_MISSING_TAG, PT_NO_OFFSET,
                           "header: tag 12 (SIGNATURE) is missing");
    return PT_OK;
}

int pt_header_signed_digest(const uint8_t *data, size_t len, const pt_header *h,
                            uint8_t *out, size_t *outlen)
{
    const EVP_MD *md = pt_hash_md(h->hash);
    size_t cut = h->signature_offset;
    size_t cut_end = cut + 3 + h->signature.n;
    if (!md || cut_end > len)
        return PT_ERR_ARG;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) &&
             EVP_DigestUpdate(ctx, data, cut) &&
             EVP_DigestUpdate(ctx, data + cut_end, len - cut_end) &&
             EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
    *outlen = n;
    return ok ? PT_OK : PT_ERR_CRYPTO;
}

int pt_header_verify(const uint8_t *data, size_t len, const pt_header *h, EVP_PKEY *pub,
                     pt_diag *d)
{
    if (!pub)
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                           "the signer's certificate has no usable public key");
    if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA)
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET,
                           "the signer's key is not RSA; signed files are signed with RSA");
    size_t keylen = (size_t)EVP_PKEY_get_size(pub);
    if (h->signature.n != keylen)
        return pt_diag_set(d, PT_ERR_SIGNATURE, h->signature_offset,
                           "the signature is %zu bytes but the signer's key is %zu bytes (RSA-%zu)",
                           h->signature.n, keylen, keylen * 8);
    uint8_t dg[EVP_MAX_MD_SIZE];
    size_t dglen;
    int rc = pt_header_signed_digest(data, len, h, dg, &dglen);
    if (rc)
        return pt_diag_set(d, rc, PT_NO_OFFSET, "cannot compute the %s digest", pt_hash_name(h->hash));
    rc = pt_verify_digest(pub, h->hash, dg, dglen, h->signature.p, h->signature.n);
    if (rc)
        return pt_diag_set(d, rc, h->signature_offset,
                           "the %s signature does not match the file", pt_hash_name(h->hash));
    return PT_OK;
}

void pt_sign_opts_init(pt_sign_opts *o)
{
    o->layout = PT_LAYOUT_CURRENT;
    o->hash = PT_HASH_SHA1;
    o->timestamp = (uint32_t)time(NULL);
    o->filename = NULL;
    o->signer_version = 0x0100;
}

static int modulus_code(size_t sig_len)
{
    switch (sig_len) {
    case 64: return 0;
    case 128: return 1;
    case 256: return 2;
    case 512: return 3;
    default: return -1;
    }
}

int pt_signed_build(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                    uint8_t ver_major, uint8_t ver_minor, int with_signer_version,
                    const uint8_t *extra, size_t extra_len,
                    const uint8_t *body, size_t body_len, pt_diag *d)
{
    if (!opts->filename || !*opts->filename)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "a file name for the header is required");
    if (!pt_hash_md(opts->hash))
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown hash code %d", opts->hash);
    int mcode = modulus_code(signer->sig_len);
    if (mcode < 0)
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET,
                           "an RSA-%zu signer has no signature-modulus code; use 512, 1024, 2048 or 4096 bits",
                           signer->sig_len * 8);
    if (opts->hash == PT_HASH_SHA512 && signer->sig_len < 128)
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET,
                           "an RSA-512 key cannot carry a SHA-512 signature; use SHA-1 or a larger key");

    char sep = pt_layout_sep(opts->layout);
    char *subject = pt_name_string(X509_get_subject_name(signer->cert), sep);
    char *issuer = pt_name_string(X509_get_issuer_name(signer->cert), sep);
    uint8_t serial[64];
    size_t serial_len = 0;
    int rc = PT_OK;
    if (!subject || !issuer || pt_cert_serial(signer->cert, serial, &serial_len)) {
        rc = pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "cannot read the signer certificate's names or serial");
        goto done;
    }

    size_t base = out->len;
    pt_buf_put_tlv_u16(out, PT_HDR_VERSION, (uint16_t)((ver_major << 8) | ver_minor));
    pt_buf_put_tlv_u16(out, PT_HDR_LENGTH, 0);
    if (with_signer_version && opts->signer_version != PT_SIGNER_VERSION_NONE)
        pt_buf_put_tlv_u16(out, PT_HDR_SIGNER_VERSION, (uint16_t)opts->signer_version);
    size_t c3 = pt_buf_open_container(out, PT_HDR_SIGNER_INFO);
    pt_buf_put_tlv_cstr(out, PT_HDR_SIGNER_NAME, subject);
    if (opts->layout == PT_LAYOUT_LEGACY) {
        pt_buf_put_tlv(out, PT_HDR_SERIAL_NUMBER, serial, serial_len);
        pt_buf_put_tlv_cstr(out, PT_HDR_ISSUER_NAME, issuer);
    } else {
        pt_buf_put_tlv_cstr(out, PT_HDR_ISSUER_NAME, issuer);
        pt_buf_put_tlv(out, PT_HDR_SERIAL_NUMBER, serial, serial_len);
    }
    pt_buf_close_container(out, c3);
    size_t c7 = pt_buf_open_container(out, PT_HDR_SIGNATURE_INFO);
    pt_buf_put_tlv_u8(out, PT_HDR_HASH_ALGORITHM, (uint8_t)opts->hash);
    size_t c9 = pt_buf_open_container(out, PT_HDR_SIG_ALG_INFO);
    pt_buf_put_tlv_u8(out, PT_HDR_SIG_ALGORITHM, 0);
    pt_buf_put_tlv_u8(out, PT_HDR_SIG_MODULUS, (uint8_t)mcode);
    pt_buf_close_container(out, c9);
    pt_buf_close_container(out, c7);
    size_t sig_tlv = out->len;
    pt_buf_put_u8(out, PT_HDR_SIGNATURE);
    pt_buf_put_u16(out, (uint16_t)signer->sig_len);
    pt_buf_put_zeros(out, signer->sig_len);
    pt_buf_put_tlv_cstr(out, PT_HDR_FILENAME, opts->filename);
    pt_buf_put_tlv_u32(out, PT_HDR_TIMESTAMP, opts->timestamp);
    pt_buf_put(out, extra, extra_len);
    while ((out->len - base) % 4)
        pt_buf_put_u8(out, PT_PADDING_BYTE);
    size_t hlen = out->len - base;
    if (hlen > 0xffff) {
        rc = pt_diag_set(d, PT_ERR_TOO_LARGE, PT_NO_OFFSET, "the header would be %zu bytes (at most 65535)", hlen);
        goto done;
    }
    pt_buf_patch_u16(out, base + 8, (uint16_t)hlen);
    pt_buf_put(out, body, body_len);
    if ((rc = pt_buf_error(out))) {
        pt_diag_set(d, rc, PT_NO_OFFSET, "cannot build the header: %s", pt_strerror(rc));
        goto done;
    }

    /* §1.3: sign everything but the signature TLV. */
    const EVP_MD *md = pt_hash_md(opts->hash);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t dg[EVP_MAX_MD_SIZE];
    unsigned int dglen = 0;
    size_t sig_end = sig_tlv + 3 + signer->sig_len;
    int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) &&
             EVP_DigestUpdate(ctx, out->data + base, sig_tlv - base) &&
             EVP_DigestUpdate(ctx, out->data + sig_end, out->len - sig_end) &&
             EVP_DigestFinal_ex(ctx, dg, &dglen);
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "digest failed");
        goto done;
    }
    size_t siglen = signer->sig_len;
    rc = signer->sign_digest(signer->ctx, opts->hash, dg, dglen, out->data + sig_tlv + 3, &siglen, d);
    if (!rc && siglen != signer->sig_len)
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "the signer returned %zu bytes, expected %zu",
                         siglen, signer->sig_len);
done:
    free(subject);
    free(issuer);
    return rc;
}
