/*
 * enccnf.c - encrypted configuration files and their stub (§4).
 *
 * AES-128-CBC with '\r' padding (not PKCS#7), the AES key wrapped with
 * RSAES-PKCS1-v1_5 under the phone certificate, the plaintext digest in the
 * header, the whole signed like any other file.
 */
#include "phonetrust/enccnf.h"
#include "phonetrust/constants.h"
#include "phonetrust/sgn.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <string.h>

/* ---- a minimal XML scanner: just enough to find <device>'s children ---- */

typedef struct xml_span {
    size_t start, end;          /* element text [start, end) */
    size_t name_start, name_len;
} xml_span;

static int skip_misc(const uint8_t *s, size_t n, size_t *p)
{
    for (;;) {
        while (*p < n && (s[*p] == ' ' || s[*p] == '\t' || s[*p] == '\r' || s[*p] == '\n'))
            (*p)++;
        if (*p + 4 <= n && !memcmp(s + *p, "<!--", 4)) {
            const uint8_t *e = NULL;
            for (size_t i = *p + 4; i + 3 <= n; i++)
                if (!memcmp(s + i, "-->", 3)) {
                    e = s + i;
                    break;
                }
            if (!e)
                return -1;
            *p = (size_t)(e - s) + 3;
        } else if (*p + 2 <= n && (!memcmp(s + *p, "<?", 2) || !memcmp(s + *p, "<!", 2))) {
            const uint8_t *e = memchr(s + *p, '>', n - *p);
            if (!e)
                return -1;
            *p = (size_t)(e - s) + 1;
        } else {
            return 0;
        }
    }
}

static int is_name_char(uint8_t c)
{
    return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' && c != '/' && c != '=';
}

/* Scans the element starting at s[p] == '<' to its end. */
static int scan_element(const uint8_t *s, size_t n, size_t p, xml_span *out)
{
    out->start = p;
    out->name_start = p + 1;
    size_t q = p + 1;
    while (q < n && is_name_char(s[q]))
        q++;
    out->name_len = q - out->name_start;
    if (out->name_len == 0)
        return -1;
    int depth = 0;
    size_t i = p;
    while (i < n) {
        if (s[i] != '<') {
            i++;
            continue;
        }
        if (i + 4 <= n && !memcmp(s + i, "<!--", 4)) {
            size_t j = i + 4;
            while (j + 3 <= n && memcmp(s + j, "-->", 3))
                j++;
            if (j + 3 > n)
                return -1;
            i = j + 3;
            continue;
        }
        if (i + 9 <= n && !memcmp(s + i, "<![CDATA[", 9)) {
            size_t j = i + 9;
            while (j + 3 <= n && memcmp(s + j, "]]>", 3))
                j++;
            if (j + 3 > n)
                return -1;
            i = j + 3;
            continue;
        }
        const uint8_t *gt = memchr(s + i, '>', n - i);
        if (!gt)
            return -1;
        size_t close = (size_t)(gt - s);
        if (s[i + 1] == '/')
            depth--;
        else if (s[i + 1] != '?' && s[i + 1] != '!' && s[close - 1] != '/')
            depth++;
        i = close + 1;
        if (depth == 0) {
            out->end = i;
            return 0;
        }
    }
    return -1;
}

/* Finds <device>; *body is the offset after its start tag. */
static int find_device(const uint8_t *s, size_t n, size_t *body, size_t *dev_end)
{
    size_t p = 0;
    if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
        p = 3;
    if (skip_misc(s, n, &p) || p >= n || s[p] != '<')
        return -1;
    xml_span root;
    if (scan_element(s, n, p, &root) || root.name_len != 6 || memcmp(s + root.name_start, "device", 6))
        return -1;
    const uint8_t *gt = memchr(s + p, '>', n - p);
    *body = (size_t)(gt - s) + 1;
    *dev_end = root.end;
    return 0;
}

int pt_enc_stub_xml(pt_buf *out, X509 *phone_cert, const uint8_t *plain, size_t len, pt_diag *d)
{
    size_t p, end;
    if (find_device(plain, len, &p, &end))
        return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET,
                           "the configuration is not an XML document with a <device> root element");
    static const char *const keep[] = {"ipAddressMode", "loadInformation", "capfAuthMode", "capfList"};
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n"
                               "  <fullConfig>false</fullConfig>\n";
    pt_buf_put(out, head, sizeof head - 1);
    /* the closing tag "</device>" starts at end - 9 */
    size_t limit = end >= 9 ? end - 9 : end;
    while (p < limit) {
        if (skip_misc(plain, limit, &p) || p >= limit)
            break;
        if (plain[p] != '<') { /* text directly inside <device>: skip it */
            const uint8_t *lt = memchr(plain + p, '<', limit - p);
            p = lt ? (size_t)(lt - plain) : limit;
            continue;
        }
        xml_span el;
        if (scan_element(plain, limit, p, &el))
            return pt_diag_set(d, PT_ERR_FORMAT, p, "the configuration's XML is not well formed");
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
            if (el.name_len == strlen(keep[k]) && !memcmp(plain + el.name_start, keep[k], el.name_len)) {
                pt_buf_put_lit(out, "  ");
                pt_buf_put(out, plain + el.start, el.end - el.start);
                pt_buf_put_u8(out, '\n');
            }
        }
        p = el.end;
    }
    uint8_t md5[EVP_MAX_MD_SIZE];
    unsigned int md5len = 0;
    pt_buf der;
    pt_buf_init(&der);
    if (pt_cert_der(phone_cert, &der) || !EVP_Digest(der.data, der.len, md5, &md5len, EVP_md5(), NULL)) {
        pt_buf_free(&der);
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "cannot hash the phone certificate");
    }
    pt_buf_free(&der);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    pt_hex(md5, md5len, hex);
    pt_buf_put_lit(out, "  <certHash>");
    pt_buf_put(out, hex, strlen(hex));
    pt_buf_put_lit(out, "</certHash>\n  <encrConfig>true</encrConfig>\n</device>\n");
    return pt_buf_error(out);
}

int pt_enc_encrypt(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                   X509 *phone_cert, const uint8_t *plain, size_t len,
                   const uint8_t *iv_in, const uint8_t *key_in, pt_diag *d)
{
    size_t body, end;
    if (find_device(plain, len, &body, &end))
        return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET,
                           "the configuration is not an XML document with a <device> root element");
    EVP_PKEY *phone_pub = X509_get0_pubkey(phone_cert);
    if (!phone_pub || EVP_PKEY_get_base_id(phone_pub) != EVP_PKEY_RSA)
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET,
                           "the phone certificate's key is not RSA; encrypted configuration needs an RSA phone key");
    const EVP_MD *md = pt_hash_md(opts->hash);
    if (!md)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown hash code %d", opts->hash);

    uint8_t iv[PT_ENC_IV_LEN], key[PT_ENC_KEY_LEN];
    int rc = PT_OK;
    /* §4.3: the IV is drawn first, then the key. */
    if (iv_in)
        memcpy(iv, iv_in, sizeof iv);
    else if (RAND_bytes(iv, sizeof iv) != 1)
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "no random bytes for the IV");
    if (key_in)
        memcpy(key, key_in, sizeof key);
    else if (RAND_bytes(key, sizeof key) != 1)
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "no random bytes for the key");

    size_t pad = 16 - len % 16;
    pt_buf cipher, extra;
    pt_buf_init(&cipher);
    pt_buf_init(&extra);
    uint8_t wrapped[1024];
    size_t wrapped_len = sizeof wrapped;
    uint8_t dg[EVP_MAX_MD_SIZE];
    unsigned int dglen = 0;

    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    uint8_t padding[16];
    memset(padding, PT_ENC_PAD_BYTE, sizeof padding);
    pt_buf_reserve(&cipher, len + pad + 16);
    int outl = 0, outl2 = 0;
    if (!cctx || pt_buf_error(&cipher) || len > INT32_MAX ||
        !EVP_EncryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, key, iv) ||
        !EVP_CIPHER_CTX_set_padding(cctx, 0) ||
        !EVP_EncryptUpdate(cctx, cipher.data, &outl, plain, (int)len) ||
        !EVP_EncryptUpdate(cctx, cipher.data + outl, &outl2, padding, (int)pad)) {
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "AES-128-CBC encryption failed");
        goto done;
    }
    cipher.len = (size_t)outl + (size_t)outl2;
    int fin = 0;
    if (!EVP_EncryptFinal_ex(cctx, cipher.data + cipher.len, &fin)) {
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "AES-128-CBC encryption failed");
        goto done;
    }
    cipher.len += (size_t)fin;

    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, phone_pub, NULL);
    int ok = pctx && EVP_PKEY_encrypt_init(pctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_encrypt(pctx, wrapped, &wrapped_len, key, sizeof key) > 0;
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    if (!ok) {
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "wrapping the AES key with the phone's RSA key failed");
        goto done;
    }
    if (!EVP_Digest(plain, len, dg, &dglen, md, NULL)) {
        rc = pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "digest failed");
        goto done;
    }

    size_t c16 = pt_buf_open_container(&extra, PT_HDR_ENC_INFO);
    size_t c17 = pt_buf_open_container(&extra, PT_HDR_ENC_IV_INFO);
    pt_buf_put_tlv_u8(&extra, PT_HDR_ENC_UNKNOWN1, 0);
    pt_buf_put_tlv(&extra, PT_HDR_ENC_IV, iv, sizeof iv);
    pt_buf_put_tlv_u16(&extra, PT_HDR_ENC_PADDING, (uint16_t)pad);
    pt_buf_close_container(&extra, c17);
    size_t c21 = pt_buf_open_container(&extra, PT_HDR_ENC_KEY_INFO);
    pt_buf_put_tlv_u8(&extra, PT_HDR_ENC_UNKNOWN2, 0);
    pt_buf_put_tlv_u16(&extra, PT_HDR_ENC_KEY_SIZE, (uint16_t)(8 * wrapped_len));
    pt_buf_put_tlv_u8(&extra, PT_HDR_ENC_KEY_ALGORITHM, 1);
    pt_buf_put_tlv(&extra, PT_HDR_ENC_KEY, wrapped, wrapped_len);
    pt_buf_close_container(&extra, c21);
    pt_buf_close_container(&extra, c16);
    pt_buf_put_tlv_u8(&extra, PT_HDR_ENC_HASH_ALGORITHM, (uint8_t)opts->hash);
    pt_buf_put_tlv(&extra, PT_HDR_ENC_HASH, dg, dglen);
    if ((rc = pt_buf_error(&extra))) {
        pt_diag_set(d, rc, PT_NO_OFFSET, "cannot build the encryption items");
        goto done;
    }
    rc = pt_signed_build(out, signer, opts, PT_VERSION_ENC_MAJOR, PT_VERSION_ENC_MINOR, 0,
                         extra.data, extra.len, cipher.data, cipher.len, d);
done:
    EVP_CIPHER_CTX_free(cctx);
    pt_wipe(key, sizeof key);
    pt_buf_free(&cipher);
    pt_buf_free(&extra);
    return rc;
}

int pt_enc_decrypt(const uint8_t *data, size_t len, EVP_PKEY *phone_key, X509 *tftp_cert,
                   pt_buf *out, pt_diag *d)
{
    pt_header h;
    int rc = tftp_cert ? pt_sgn_verify(data, len, tftp_cert, &h, d) : pt_header_parse(data, len, &h, d);
    if (rc) {
        pt_header_free(&h);
        return rc;
    }
    const char *missing = NULL;
    if (!h.enc_iv.n)
        missing = "tag 19 (ENC_IV)";
    else if (h.enc_padding < 0)
        missing = "tag 20 (ENC_PADDING)";
    else if (!h.enc_key.n)
        missing = "tag 25 (ENC_KEY)";
    else if (h.enc_hash_alg < 0)
        missing = "tag 26 (ENC_HASH_ALGORITHM)";
    else if (!h.enc_hash.n)
        missing = "tag 27 (ENC_HASH)";
    if (missing) {
        pt_header_free(&h);
        return pt_diag_set(d, PT_ERR_MISSING_TAG, PT_NO_OFFSET,
                           "header: %s is missing: not an encrypted configuration file", missing);
    }
    size_t body_len = len - h.length;
    const uint8_t *body = data + h.length;
    int pad = h.enc_padding;
    const EVP_MD *md = pt_hash_md(h.enc_hash_alg);
    if (h.enc_iv.n != PT_ENC_IV_LEN)
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "header: the IV is %zu bytes, expected 16", h.enc_iv.n);
    else if (!md)
        rc = pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET, "header: unknown plaintext hash code %d", h.enc_hash_alg);
    else if (body_len == 0 || body_len % 16 || body_len > INT32_MAX)
        rc = pt_diag_set(d, PT_ERR_FORMAT, h.length,
                         "the ciphertext is %zu bytes, not a positive multiple of 16", body_len);
    else if (pad < 1 || pad > 16 || (size_t)pad > body_len)
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "header: padding count %d is not 1-16", pad);
    if (rc) {
        pt_header_free(&h);
        return rc;
    }

    uint8_t key[1024]; /* RSA decryption needs room for a whole modulus */
    size_t keylen = sizeof key;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, phone_key, NULL);
    int ok = pctx && EVP_PKEY_decrypt_init(pctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_decrypt(pctx, key, &keylen, h.enc_key.p, h.enc_key.n) > 0 &&
             keylen == PT_ENC_KEY_LEN;
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    if (!ok) {
        pt_wipe(key, sizeof key);
        pt_header_free(&h);
        return pt_diag_set(d, PT_ERR_DECRYPT, PT_NO_OFFSET,
                           "the AES key cannot be unwrapped with this private key (wrong phone key?)");
    }
    pt_buf plain;
    pt_buf_init(&plain);
    plain.secret = 1;
    pt_buf_reserve(&plain, body_len + 16);
    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    int outl = 0, fin = 0;
    ok = cctx && !pt_buf_error(&plain) &&
         EVP_DecryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, key, h.enc_iv.p) &&
         EVP_CIPHER_CTX_set_padding(cctx, 0) &&
         EVP_DecryptUpdate(cctx, plain.data, &outl, body, (int)body_len) &&
         EVP_DecryptFinal_ex(cctx, plain.data + outl, &fin);
    EVP_CIPHER_CTX_free(cctx);
    pt_wipe(key, sizeof key);
    if (!ok) {
        pt_buf_free(&plain);
        pt_header_free(&h);
        return pt_diag_set(d, PT_ERR_CRYPTO, PT_NO_OFFSET, "AES-128-CBC decryption failed");
    }
    plain.len = (size_t)outl + (size_t)fin;
    for (size_t i = plain.len - (size_t)pad; i < plain.len; i++)
        if (plain.data[i] != PT_ENC_PAD_BYTE) {
            rc = pt_diag_set(d, PT_ERR_DECRYPT, PT_NO_OFFSET,
                             "the decrypted padding is not %d carriage returns (wrong key or corrupt file)", pad);
            break;
        }
    if (!rc) {
        plain.len -= (size_t)pad;
        uint8_t dg[EVP_MAX_MD_SIZE];
        unsigned int dglen = 0;
        if (!EVP_Digest(plain.data, plain.len, dg, &dglen, md, NULL) || dglen != h.enc_hash.n ||
            memcmp(dg, h.enc_hash.p, dglen) != 0)
            rc = pt_diag_set(d, PT_ERR_DIGEST, PT_NO_OFFSET,
                             "the %s digest of the decrypted configuration does not match tag 27",
                             pt_hash_name(h.enc_hash_alg));
    }
    if (!rc) {
        out->secret = 1; /* the caller's buffer now holds plaintext */
        pt_buf_put(out, plain.data, plain.len);
        rc = pt_buf_error(out);
    }
    pt_buf_free(&plain);
    pt_header_free(&h);
    return rc;
}
