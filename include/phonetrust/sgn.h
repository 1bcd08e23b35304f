/*
 * sgn.h - signed files *.sgn (spec §3): header || original bytes.
 */
#ifndef PHONETRUST_SGN_H
#define PHONETRUST_SGN_H

#include "phonetrust/signedfile.h"

/* Builds VERSION 1.0, no SIGNER_VERSION, payload unchanged. */
int pt_sgn_build(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                 const uint8_t *payload, size_t len, pt_diag *d);

/* Parses the header and returns the payload (a pointer into data). */
int pt_sgn_payload(const uint8_t *data, size_t len, pt_header *h,
                   const uint8_t **payload, size_t *payload_len, pt_diag *d);

/* Verifies data with cert's key.  Also checks that the header's serial is
 * the certificate's (PT_ERR_NO_SIGNER otherwise: "signed by another
 * certificate").  h is filled (free with pt_header_free). */
int pt_sgn_verify(const uint8_t *data, size_t len, X509 *cert, pt_header *h, pt_diag *d);

#endif
