/*
 * wire.c - the messages phones and the cluster's services exchange, parsed
 * (see wire.h).  Written by hand: these are Cisco's own TLV framings (and
 * TFTP's NUL-separated strings), which no library parses.
 */
#include "phonetrust/wire.h"
#include "phonetrust/constants.h"
#include "phonetrust/error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { TVS_EL_DEVICE = 1, TVS_EL_CERT = 2, TVS_EL_STATUS = 7, TVS_EL_ROLES = 8, TVS_EL_TTL = 9 };
enum { CAPF_REASON = 1, CAPF_CERT = 4, CAPF_SIGNED = 6, CAPF_VERSION = 7, CAPF_PUBKEY = 9, CAPF_PASSWORD = 11,
       CAPF_DEVICE = 13, CAPF_SUDI = 16, CAPF_SHA2 = 20 };

int pt_wire_tvs_request(const uint8_t *msg, size_t len, pt_tvs_request *out)
{
    memset(out, 0, sizeof *out);
    pt_reader r;
    pt_rd_init(&r, msg, len);
    uint8_t rsv;
    uint16_t blen;
    if (pt_rd_u8(&r, &out->id) || pt_rd_u8(&r, &out->version) || pt_rd_u8(&r, &out->cmd) || pt_rd_u8(&r, &rsv) ||
        pt_rd_u32(&r, &out->sid) || pt_rd_u16(&r, &blen))
        return PT_ERR_FORMAT;
    while (!pt_rd_eof(&r)) {
        uint8_t tag;
        uint16_t l;
        const uint8_t *v;
        if (pt_rd_tlv(&r, &tag, &l, &v))
            return PT_ERR_FORMAT;
        if (tag == TVS_EL_DEVICE && l >= 1 && v[0] == 0x01)
            out->device = (pt_bytes){v + 1, l - 1u};
        else if (tag == TVS_EL_CERT)
            out->cert = (pt_bytes){v, l};
        /* other elements are ignored (§5.5) */
    }
    return PT_OK;
}

int pt_wire_tvs_answer(const uint8_t *msg, size_t len, pt_tvs_answer *out)
{
    memset(out, 0, sizeof *out);
    out->status = -1;
    pt_reader r;
    pt_rd_init(&r, msg, len);
    uint8_t id, ver, cmd;
    if (pt_rd_u8(&r, &id) || pt_rd_u8(&r, &ver) || pt_rd_u8(&r, &cmd) || pt_rd_skip(&r, 7) ||
        id != PT_TVS_PROTOCOL_ID || cmd != 2)
        return PT_ERR_FORMAT;
    while (!pt_rd_eof(&r)) {
        uint8_t tag;
        uint16_t l;
        const uint8_t *v;
        if (pt_rd_tlv(&r, &tag, &l, &v))
            break;
        if (tag == TVS_EL_STATUS && l == 1)
            out->status = v[0];
        else if (tag == TVS_EL_TTL && l == 4)
            out->ttl = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
        else if (tag == TVS_EL_ROLES)
            for (uint16_t i = 0; i < l; i++)
                if (v[i] < 32)
                    out->roles |= 1u << v[i];
    }
    return PT_OK;
}

int pt_wire_capf_elements(const uint8_t *body, size_t len, pt_capf_msg *m)
{
    uint8_t cmd = m->cmd;
    memset(m, 0, sizeof *m);
    m->cmd = cmd;
    m->reason = -1;
    m->version = -1;
    pt_reader r;
    pt_rd_init(&r, body, len);
    while (!pt_rd_eof(&r)) {
        uint8_t tag;
        uint16_t l;
        const uint8_t *v;
        if (pt_rd_tlv(&r, &tag, &l, &v))
            return PT_ERR_FORMAT;
        pt_bytes b = {v, l};
        switch (tag) {
        case CAPF_REASON: if (l == 1) m->reason = v[0]; break;
        case CAPF_VERSION: if (l == 1) m->version = v[0]; break;
        case CAPF_CERT: m->cert = b; break;
        case CAPF_SIGNED: m->signed1 = b; break;
        case CAPF_SHA2: m->sha2 = b; break;
        case CAPF_PUBKEY: m->pubkey = b; break;
        case CAPF_PASSWORD: m->password = b; break;
        case CAPF_DEVICE: m->device = b; break;
        case CAPF_SUDI: m->sudi = b; break;
        default: break; /* unknown elements are ignored (§6.4) */
        }
    }
    return PT_OK;
}

const uint8_t *pt_wire_capf_element(const uint8_t *body, size_t len, uint8_t tag, uint16_t *n)
{
    pt_reader r;
    pt_rd_init(&r, body, len);
    while (!pt_rd_eof(&r)) {
        uint8_t t;
        const uint8_t *v;
        if (pt_rd_tlv(&r, &t, n, &v))
            return NULL;
        if (t == tag)
            return v;
    }
    return NULL;
}

int pt_wire_capf_sudi(pt_bytes sudi, uint8_t type[3], pt_bytes item[3])
{
    pt_reader r;
    pt_rd_init(&r, sudi.p, sudi.n);
    for (int i = 0; i < 3; i++) {
        uint16_t l;
        const uint8_t *v;
        if (pt_rd_u8(&r, &type[i]) || pt_rd_u16(&r, &l) || pt_rd_bytes(&r, l, &v))
            return PT_ERR_FORMAT;
        item[i] = (pt_bytes){v, l};
    }
    return PT_OK;
}

/* A NUL-terminated string from the packet (bounds-checked). */
static int rd_cstr(pt_reader *r, const char **out)
{
    size_t left = pt_rd_left(r);
    const uint8_t *p;
    if (pt_rd_bytes(r, 0, &p))
        return -1;
    const uint8_t *z = memchr(p, 0, left);
    if (!z)
        return -1;
    *out = (const char *)p;
    return pt_rd_skip(r, (size_t)(z - p) + 1);
}

int pt_wire_tftp_request(const uint8_t *pkt, size_t len, pt_tftp_request *out)
{
    memset(out, 0, sizeof *out);
    pt_reader r;
    pt_rd_init(&r, pkt, len);
    if (pt_rd_u16(&r, &out->op) || rd_cstr(&r, &out->file) || rd_cstr(&r, &out->mode))
        return PT_ERR_FORMAT;
    const char *name, *value;
    while (!pt_rd_eof(&r) && out->n_options < PT_TFTP_MAX_OPTIONS && !rd_cstr(&r, &name) && !rd_cstr(&r, &value)) {
        out->name[out->n_options] = name;
        out->value[out->n_options++] = value;
    }
    return PT_OK;
}

size_t pt_wire_tftp_oack_blksize(const uint8_t *pkt, size_t len)
{
    pt_reader r;
    pt_rd_init(&r, pkt, len);
    uint16_t op;
    const char *name, *value;
    size_t blksize = 512;
    if (pt_rd_u16(&r, &op))
        return blksize;
    while (!pt_rd_eof(&r) && !rd_cstr(&r, &name) && !rd_cstr(&r, &value))
        if (!strcasecmp(name, "blksize")) {
            char *end;
            unsigned long v = strtoul(value, &end, 10);
            blksize = !*end && v >= 8 && v <= 1428 ? (size_t)v : 512;
        }
    return blksize;
}
