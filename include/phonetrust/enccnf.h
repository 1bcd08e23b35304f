/*
 * enccnf.h - encrypted phone configuration SEP<MAC>.cnf.xml.enc.sgn and its
 * signed stub (spec §4).
 */
#ifndef PHONETRUST_ENCCNF_H
#define PHONETRUST_ENCCNF_H

#include "phonetrust/signedfile.h"

/*
 * Encrypts plain (a <device> XML document) to phone_cert's RSA key and
 * signs the result (VERSION 2.0).  iv and key are normally NULL (random);
 * a caller that needs a reproducible file may supply both (16 bytes each).
 */
int pt_enc_encrypt(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                   X509 *phone_cert, const uint8_t *plain, size_t len,
                   const uint8_t *iv, const uint8_t *key, pt_diag *d);

/* The stub XML of §4.5 (unsigned); then sign it with pt_sgn_build. */
int pt_enc_stub_xml(pt_buf *out, X509 *phone_cert, const uint8_t *plain, size_t len,
                    pt_diag *d);

/*
 * Decrypts an .enc.sgn with the phone's private key.  When tftp_cert is
 * given the signature is verified first (PT_ERR_SIGNATURE / NO_SIGNER on
 * failure).  The plaintext is appended to out (a secret buffer).
 */
int pt_enc_decrypt(const uint8_t *data, size_t len, EVP_PKEY *phone_key, X509 *tftp_cert,
                   pt_buf *out, pt_diag *d);

#endif
