/*
 * constants.h - every number the formats and protocols define, in one place.
 *
 * Section references are to shared/spec/formats-and-protocols.md (the
 * "spec").  Nothing here allocates or depends on another module.
 */
#ifndef PHONETRUST_CONSTANTS_H
#define PHONETRUST_CONSTANTS_H

/* §1.1 signed header tags (shared by .tlv, .sgn and .enc.sgn) */
enum pt_hdr_tag {
    PT_HDR_VERSION = 1,
    PT_HDR_LENGTH = 2,
    PT_HDR_SIGNER_INFO = 3,      /* container: 4, 6, 5 (or 4, 5, 6) */
    PT_HDR_SIGNER_NAME = 4,
    PT_HDR_SERIAL_NUMBER = 5,
    PT_HDR_ISSUER_NAME = 6,
    PT_HDR_SIGNATURE_INFO = 7,   /* container: 8, 9 */
    PT_HDR_HASH_ALGORITHM = 8,
    PT_HDR_SIG_ALG_INFO = 9,     /* container: 10, 11 */
    PT_HDR_SIG_ALGORITHM = 10,
    PT_HDR_SIG_MODULUS = 11,
    PT_HDR_SIGNATURE = 12,
    PT_HDR_PADDING = 13,         /* one byte 0x0d, no length */
    PT_HDR_FILENAME = 14,
    PT_HDR_TIMESTAMP = 15,
    PT_HDR_ENC_INFO = 16,        /* §4.2 container: 17, 21 */
    PT_HDR_ENC_IV_INFO = 17,     /* container: 18, 19, 20 */
    PT_HDR_ENC_UNKNOWN1 = 18,
    PT_HDR_ENC_IV = 19,
    PT_HDR_ENC_PADDING = 20,
    PT_HDR_ENC_KEY_INFO = 21,    /* container: 22, 23, 24, 25 */
    PT_HDR_ENC_UNKNOWN2 = 22,
    PT_HDR_ENC_KEY_SIZE = 23,
    PT_HDR_ENC_KEY_ALGORITHM = 24,
    PT_HDR_ENC_KEY = 25,
    PT_HDR_ENC_HASH_ALGORITHM = 26,
    PT_HDR_ENC_HASH = 27,
    PT_HDR_SIGNER_VERSION = 28,
    PT_HDR_TAG_MAX = 28
};

/* §2.2 trust-list record tags */
enum pt_rec_tag {
    PT_REC_LENGTH = 1,
    PT_REC_DNS_NAME = 2,
    PT_REC_SUBJECT_NAME = 3,
    PT_REC_ROLE = 4,
    PT_REC_ISSUER_NAME = 5,
    PT_REC_SERIAL_NUMBER = 6,
    PT_REC_PUBLIC_KEY = 7,
    PT_REC_SIGNATURE = 8,
    PT_REC_CERTIFICATE = 9,
    PT_REC_IP_ADDRESS = 10,
    PT_REC_CERTIFICATE_HASH = 11,
    PT_REC_HASH_ALGORITHM = 12,
    PT_REC_TAG_MAX = 12
};

/* §2.3 role ("function") codes */
enum pt_role {
    PT_ROLE_SAST = 0,
    PT_ROLE_CCM = 1,
    PT_ROLE_CCM_TFTP = 2,
    PT_ROLE_TFTP = 3,
    PT_ROLE_CAPF = 4,
    PT_ROLE_SRST = 5,            /* 2017 tag table only */
    PT_ROLE_APP_SERVER = 7,
    PT_ROLE_TVS = 21
};

/* §1.5 hash algorithm codes (header tag 8, enc tag 26, record tag 12) */
enum pt_hash {
    PT_HASH_SHA1 = 1,
    PT_HASH_SHA256 = 2,
    PT_HASH_SHA512 = 3
};

/* §1.1 header VERSION values written per file kind */
#define PT_VERSION_TLV_MAJOR 1
#define PT_VERSION_TLV_MINOR 2
#define PT_VERSION_SGN_MAJOR 1
#define PT_VERSION_SGN_MINOR 0
#define PT_VERSION_ENC_MAJOR 2
#define PT_VERSION_ENC_MINOR 0

/* §1.2 padding byte */
#define PT_PADDING_BYTE 0x0d

/* §2.8 phones fail to load trust lists of 64 KB or more */
#define PT_TRUSTLIST_MAX_SIZE 65535u

/* §4.3 AES-128-CBC, padding with '\r' */
#define PT_ENC_KEY_LEN 16
#define PT_ENC_IV_LEN 16
#define PT_ENC_PAD_BYTE 0x0d

/* §5, §6, §8 ports */
#define PT_PORT_TFTP 69
#define PT_PORT_HTTP 6970
#define PT_PORT_HTTPS 6971
#define PT_PORT_TVS 2445
#define PT_PORT_CAPF 3804

/* §5.2 TVS framing */
#define PT_TVS_PROTOCOL_ID 87
#define PT_TVS_VERSION 1

/* §6.2 CAPF framing */
#define PT_CAPF_PROTOCOL_ID 85
#define PT_CAPF_VERSION 3

#endif
