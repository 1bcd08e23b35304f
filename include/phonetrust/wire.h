/*
 * wire.h - the messages phones and the cluster's services exchange, parsed:
 * TVS requests and answers (§5), CAPF element lists and SUDI_DATA (§6),
 * TFTP read requests and OACKs (RFC 1350/2347).  Pure functions over bytes
 * from the network (every read bounds-checked through pt_reader; results
 * point into the caller's buffer), shared by the services, the simulated
 * phone and the fuzz targets.
 */
#ifndef PHONETRUST_WIRE_H
#define PHONETRUST_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "phonetrust/buf.h"
#include "phonetrust/signedfile.h" /* pt_bytes */

/* ---- TVS (§5): a 10-byte header, then elements (u8 tag, u16 length) ---- */

typedef struct pt_tvs_request {
    uint8_t id, version, cmd;
    uint32_t sid;
    pt_bytes device; /* the device name (after its 0x01 type byte); empty if absent */
    pt_bytes cert;   /* the certificate asked about (DER, unchecked); empty if absent */
} pt_tvs_request;

/* PT_OK, or PT_ERR_FORMAT when the header is short or the element list
 * malformed.  The header's fields are not judged here. */
int pt_wire_tvs_request(const uint8_t *msg, size_t len, pt_tvs_request *out);

typedef struct pt_tvs_answer {
    int status;     /* element 7: 0 valid, else invalid; -1 absent */
    uint32_t roles; /* element 8: bit r set for each role r < 32 */
    uint32_t ttl;   /* element 9 (seconds), 0 if absent */
} pt_tvs_answer;

/* A VERIFY_RESPONSE (protocol id, command 2): PT_OK, else PT_ERR_FORMAT.
 * Elements after a malformed one are ignored. */
int pt_wire_tvs_answer(const uint8_t *msg, size_t len, pt_tvs_answer *out);

/* ---- CAPF (§6): the elements of one message's body ---- */

typedef struct pt_capf_msg {
    uint8_t cmd;         /* from the header: set by the caller */
    int reason, version; /* -1 when absent */
    pt_bytes cert, signed1, sha2, pubkey, password, device, sudi;
} pt_capf_msg;

/* PT_OK, or PT_ERR_FORMAT (an element runs past the body). */
int pt_wire_capf_elements(const uint8_t *body, size_t len, pt_capf_msg *m);
/* The value of the first element `tag` (NULL if none or the list is malformed). */
const uint8_t *pt_wire_capf_element(const uint8_t *body, size_t len, uint8_t tag, uint16_t *n);
/* SUDI_DATA (§6.8.4): three (u8 type, u16 length, value) items. PT_OK or PT_ERR_FORMAT. */
int pt_wire_capf_sudi(pt_bytes sudi, uint8_t type[3], pt_bytes item[3]);

/* ---- TFTP ---- */

#define PT_TFTP_MAX_OPTIONS 16
typedef struct pt_tftp_request {
    uint16_t op;
    const char *file, *mode; /* NUL-terminated inside the packet */
    size_t n_options;
    const char *name[PT_TFTP_MAX_OPTIONS], *value[PT_TFTP_MAX_OPTIONS];
} pt_tftp_request;

/* A request (RRQ/WRQ: opcode, file, mode, then option/value pairs; pairs
 * past the sixteenth, or cut short, are dropped).  PT_OK, or PT_ERR_FORMAT
 * when the file or mode is not a NUL-terminated string (out->op is set as
 * soon as the opcode is read). */
int pt_wire_tftp_request(const uint8_t *pkt, size_t len, pt_tftp_request *out);
/* The blksize an OACK acknowledges (8..1428), else 512. */
size_t pt_wire_tftp_oack_blksize(const uint8_t *pkt, size_t len);

#endif
