/*
 * sgn.c - *.sgn signed files (§3).
 */
#include "phonetrust/sgn.h"
#include "phonetrust/constants.h"

#include <string.h>

int pt_sgn_build(pt_buf *out, const pt_signer *signer, const pt_sign_opts *opts,
                 const uint8_t *payload, size_t len, pt_diag *d)
{
    return pt_signed_build(out, signer, opts, PT_VERSION_SGN_MAJOR, PT_VERSION_SGN_MINOR, 0,
                           NULL, 0, payload, len, d);
}

int pt_sgn_payload(const uint8_t *data, size_t len, pt_header *h,
                   const uint8_t **payload, size_t *payload_len, pt_diag *d)
{
    int rc = pt_header_parse(data, len, h, d);
    if (rc)
        return rc;
    *payload = data + h->length;
    *payload_len = len - h->length;
    return PT_OK;
}

int pt_sgn_verify(const uint8_t *data, size_t len, X509 *cert, pt_header *h, pt_diag *d)
{
    int rc = pt_header_parse(data, len, h, d);
    if (rc)
        return rc;
    uint8_t serial[64];
    size_t serial_len;
    if (pt_cert_serial(cert, serial, &serial_len))
        return pt_diag_set(d, PT_ERR_KEY, PT_NO_OFFSET, "cannot read the certificate's serial number");
    if (serial_len != h->serial.n || memcmp(serial, h->serial.p, serial_len) != 0) {
        char a[130], b[130];
        return pt_diag_set(d, PT_ERR_NO_SIGNER, PT_NO_OFFSET,
                           "signed by serial %s, but the certificate given has serial %s",
                           pt_hex(h->serial.p, h->serial.n > 64 ? 64 : h->serial.n, a),
                           pt_hex(serial, serial_len, b));
    }
    return pt_header_verify(data, len, h, X509_get0_pubkey(cert), d);
}
