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
#include "phonetrust/xml.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <string.h>

/* The configuration's <device> (parsed without the blanks between
 * elements, as the reference reads it); PT_ERR_FORMAT when it is not one. */
static int read_device(const uint8_t *plain, size_t len, xmlDocPtr *doc, xmlNodePtr *dev, pt_diag *d)
{
    int rc = pt_xml_read(plain, len, "the configuration", 0, doc, d);
    if (rc)
        pt_diag_prefix(d, rc, "not an XML document with a <device> root element");
    else if (!(*dev = pt_xml_device(*doc, "the configuration", d)))
        rc = PT_ERR_FORMAT;
    if (rc) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    return rc;
}

int pt_enc_stub_xml(pt_buf *out, X509 *phone_cert, const uint8_t *plain, size_t len, pt_diag *d)
{
    xmlDocPtr src;
    xmlNodePtr dev;
    int rc = read_device(plain, len, &src, &dev, d);
    if (rc)
        return rc;
    uint8_t md5[EVP_MAX_MD_SIZE];
    unsigned int md5len = 0;
    pt_buf der;
    pt_buf_init(&der);
    if (pt_cert_der(phone_cert, &der) || !EVP_Digest(der.data, der.len, md5, &md5len, EVP_md5(), NULL)) {
        pt_buf_free(&der);
        xmlFreeDoc(src);
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "cannot hash the phone certificate");
    }
    pt_buf_free(&der);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    pt_hex(md5, md5len, hex);
    /* a new <device> (no attributes): fullConfig false, the elements a phone
     * needs before it can decrypt, in their order, then certHash and
     * encrConfig; re-indented by two spaces, as enccnf writes it */
    static const char *const keep[] = {"ipAddressMode", "loadInformation", "capfAuthMode", "capfList"};
    xmlDocPtr stub = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = stub ? xmlNewDocNode(stub, NULL, BAD_CAST "device", NULL) : NULL;
    if (!root) {
        xmlFreeDoc(stub);
        xmlFreeDoc(src);
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    }
    xmlDocSetRootElement(stub, root);
    xmlNewTextChild(root, NULL, BAD_CAST "fullConfig", BAD_CAST "false");
    for (xmlNodePtr n = dev->children; n; n = n->next)
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
            if (pt_xml_named(n, keep[k]))
                xmlAddChild(root, xmlDocCopyNode(n, stub, 1));
    xmlNewTextChild(root, NULL, BAD_CAST "certHash", BAD_CAST hex);
    xmlNewTextChild(root, NULL, BAD_CAST "encrConfig", BAD_CAST "true");
    rc = pt_xml_write(stub, 1, out, d);
    xmlFreeDoc(stub);
    xmlFreeDoc(src);
    return rc;
}

int pt_enc_encrypt(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                   X509 *phone_cert, const uint8_t *plain, size_t len,
                   const uint8_t *iv_in, const uint8_t *key_in, pt_diag *d)
{
    xmlDocPtr doc;
    xmlNodePtr dev;
    int rc = read_device(plain, len, &doc, &dev, d);
    xmlFreeDoc(doc);
    if (rc)
        return rc;
    EVP_PKEY *phone_pub = X509_get0_pubkey(phone_cert);
    if (!phone_pub || EVP_PKEY_get_base_id(phone_pub) != EVP_PKEY_RSA)
        return pt_diag_set(d, PT_ERR_UNSUPPORTED, PT_NO_OFFSET,
                           "the phone certificate's key is not RSA; encrypted configuration needs an RSA phone key");
    const EVP_MD *md = pt_hash_md(opts->hash);
    if (!md)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "unknown hash code %d", opts->hash);

    uint8_t iv[PT_ENC_IV_LEN], key[PT_ENC_KEY_LEN];
    rc = PT_OK;
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
