/*
 * configs.c - a device's configuration (M11): the XML the cluster writes
 * for it, the administrator's own SEP<MAC>.cnf.xml with the cluster's
 * trust elements set in it (libxml2), and the files a node serves from
 * either - signed, or encrypted with its signed stub.
 */
#include "cluster_internal.h"

#include "phonetrust/enccnf.h"
#include "phonetrust/sgn.h"
#include "phonetrust/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the cluster's configuration ---- */

static void xml_escaped(pt_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': pt_buf_put_lit(b, "&amp;"); break;
        case '<': pt_buf_put_lit(b, "&lt;"); break;
        case '>': pt_buf_put_lit(b, "&gt;"); break;
        case '"': pt_buf_put_lit(b, "&quot;"); break;
        default: pt_buf_put_u8(b, (uint8_t)*s);
        }
    }
}

static void xml_elem(pt_buf *b, const char *indent, const char *tag, const char *value)
{
    char buf[640];
    snprintf(buf, sizeof buf, "%s<%s>", indent, tag);
    pt_buf_put(b, buf, strlen(buf));
    xml_escaped(b, value);
    snprintf(buf, sizeof buf, "</%s>\n", tag);
    pt_buf_put(b, buf, strlen(buf));
}

static void xml_int(pt_buf *b, const char *indent, const char *tag, long v)
{
    char num[32];
    snprintf(num, sizeof num, "%ld", v);
    xml_elem(b, indent, tag, num);
}

static int capf_mode_code(const char *auth)
{
    if (!strcmp(auth, "auth-string"))
        return 1;
    if (!strcmp(auth, "null-string"))
        return 2;
    if (!strcmp(auth, "lsc") || !strcmp(auth, "lsc-or-mic"))
        return 3;
    if (!strcmp(auth, "mic"))
        return 4;
    return 0;
}

/* The config body for a device (dev may be NULL: the auto-registration default). */
int pt__config_xml(pt_cluster *c, const pt_device *dev, pt_buf *b, pt_diag *d)
{
    char group[256] = "", capf_port[16], tvs_port[16];
    pt_secprofile prof = {.mode = PT_MODE_NON_SECURE};
    snprintf(prof.capf_auth, sizeof prof.capf_auth, "null-string");
    int rc = pt_cluster_pool_group(c, dev ? dev->pool : "Default", group, sizeof group, d);
    if (!rc && dev)
        rc = pt_cluster_profile(c, dev->profile, &prof, d);
    if (rc)
        return rc;
    pt_cluster_param_get(c, "CAPF Phone Port", capf_port, sizeof capf_port, NULL);
    pt_cluster_param_get(c, "TVS Port", tvs_port, sizeof tvs_port, NULL);
    pt_node pub;
    if ((rc = pt_cluster_publisher(c, &pub, d)))
        return rc;

    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n";
    pt_buf_put(b, head, sizeof head - 1);
    xml_elem(b, "  ", "fullConfig", "true");
    xml_elem(b, "  ", "deviceProtocol", "SIP");
    if (dev)
        xml_elem(b, "  ", "name", dev->name);
    xml_int(b, "  ", "deviceSecurityMode", prof.mode);
    /* the CallManager group, in order: also the phone's TVS list (002, 003) */
    pt_buf_put_lit(b, "  <devicePool>\n");
    xml_elem(b, "    ", "name", dev ? dev->pool : "Default");
    pt_buf_put_lit(b, "    <callManagerGroup>\n      <members>\n");
    char buf[512], tvs[2048] = "";
    size_t tvs_len = 0;
    snprintf(buf, sizeof buf, "%s", group);
    char *save = NULL;
    int prio = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), prio++) {
        pt_node n;
        if ((rc = pt_cluster_node(c, t, &n, d)))
            return rc;
        char m[512];
        snprintf(m, sizeof m,
                 "        <member priority=\"%d\">\n          <callManager>\n            <name>%s</name>\n"
                 "            <processNodeName>%s</processNodeName>\n          </callManager>\n        </member>\n",
                 prio, n.name, n.ip);
        pt_buf_put(b, m, strlen(m));
        if (n.services & PT_SVC_TVS)
            tvs_len += (size_t)snprintf(tvs + tvs_len, sizeof tvs - tvs_len,
                                        "      <member priority=\"%d\">\n        <port>%s</port>\n"
                                        "        <address>%s</address>\n      </member>\n",
                                        prio, tvs_port, n.ip);
        if (tvs_len >= sizeof tvs)
            tvs_len = sizeof tvs - 1;
    }
    pt_buf_put_lit(b, "      </members>\n    </callManagerGroup>\n  </devicePool>\n");
    pt_buf_put_lit(b, "  <TVS>\n    <members>\n");
    pt_buf_put(b, tvs, tvs_len);
    pt_buf_put_lit(b, "    </members>\n  </TVS>\n");
    xml_int(b, "  ", "ipAddressMode", 0);
    pt_capf_op cop = {0};
    if (dev)
        pt_cluster_capf_get(c, dev->name, &cop, NULL);
    xml_int(b, "  ", "capfAuthMode", dev && strcmp(cop.op, "none") && cop.op[0] ? capf_mode_code(cop.auth) : 0);
    if (dev && strcmp(cop.op, "none") && cop.op[0]) {
        xml_elem(b, "  ", "certificateOperation", cop.op);
        char when[32];
        struct tm tm;
        gmtime_r(&cop.deadline, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        xml_elem(b, "  ", "operationCompletesBy", when);
    }
    snprintf(buf, sizeof buf,
             "  <capfList>\n    <capf>\n      <phonePort>%s</phonePort>\n"
             "      <processNodeName>%s</processNodeName>\n    </capf>\n  </capfList>\n",
             capf_port, pub.ip);
    pt_buf_put(b, buf, strlen(buf));
    xml_int(b, "  ", "profileCapfAuthMode", capf_mode_code(prof.capf_auth));
    xml_elem(b, "  ", "authenticationURL", dev ? dev->authentication_url : "");
    xml_elem(b, "  ", "directoryURL", dev ? dev->directory_url : "");
    xml_elem(b, "  ", "servicesURL", dev ? dev->services_url : "");
    xml_elem(b, "  ", "userLocale", dev ? dev->locale : "English_United_States");
    pt_buf_put_lit(b, "  <vendorConfig>\n");
    xml_int(b, "    ", "settingsAccess", dev ? dev->settings_access : 1);
    xml_int(b, "    ", "webAccess", dev ? !dev->web_access : 0); /* Cisco: 0 = enabled */
    xml_int(b, "    ", "sshAccess", dev ? !dev->ssh_access : 1);
    xml_int(b, "    ", "spanToPCPort", dev ? dev->span_to_pc : 0);
    pt_buf_put_lit(b, "  </vendorConfig>\n</device>\n");
    return pt_buf_error(b);
}

int pt_cluster_device_config(pt_cluster *c, const char *node, const char *name, pt_buf *xml, pt_diag *d)
{
    (void)node; /* every node serves the same configuration; only the signer differs */
    pt_device dev;
    int rc = pt_cluster_device(c, name, &dev, d);
    return rc ? rc : pt__config_xml(c, &dev, xml, d);
}

/* ---- the administrator's configuration as the base ---- */

const char *const pt_config_trust_elements[] = {"deviceSecurityMode", "TVS", "capfAuthMode", "certificateOperation",
                                                "operationCompletesBy", "capfList", "profileCapfAuthMode", NULL};

/* base's own element `name` directly under <device>: the first one stays as
 * the place holder (returned), the others go */
static xmlNodePtr take_all(xmlNodePtr dev, const char *name)
{
    xmlNodePtr first = NULL, next;
    for (xmlNodePtr n = dev->children; n; n = next) {
        next = n->next;
        if (!pt_xml_named(n, name))
            continue;
        if (!first) {
            first = n;
            continue;
        }
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
    return first;
}

static xmlNodePtr child(xmlNodePtr dev, const char *name)
{
    for (xmlNodePtr n = dev->children; n; n = n->next)
        if (pt_xml_named(n, name))
            return n;
    return NULL;
}

int pt_config_merge(const uint8_t *base, size_t base_len, const char *base_name, const uint8_t *cluster,
                    size_t cluster_len, pt_buf *out, pt_diag *d)
{
    xmlDocPtr bdoc = NULL, cdoc = NULL;
    xmlNodePtr bdev = NULL, cdev = NULL;
    int rc = pt_xml_read(base, base_len, base_name, 1, &bdoc, d);
    if (!rc && !(bdev = pt_xml_device(bdoc, base_name, d)))
        rc = PT_ERR_FORMAT;
    if (!rc)
        rc = pt_xml_read(cluster, cluster_len, "the cluster's configuration", 1, &cdoc, d);
    if (!rc && !(cdev = pt_xml_device(cdoc, "the cluster's configuration", d)))
        rc = PT_ERR_FORMAT;
    for (size_t i = 0; !rc && pt_config_trust_elements[i]; i++) {
        const char *name = pt_config_trust_elements[i];
        xmlNodePtr mine = child(cdev, name), theirs = take_all(bdev, name);
        xmlNodePtr copy = mine ? xmlDocCopyNode(mine, bdoc, 1) : NULL;
        if (mine && !copy) {
            rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
            break;
        }
        if (theirs && copy) {
            xmlReplaceNode(theirs, copy);
        } else if (theirs) {
            /* the white space before it goes with it */
            xmlNodePtr prev = theirs->prev;
            if (prev && prev->type == XML_TEXT_NODE && xmlIsBlankNode(prev)) {
                xmlUnlinkNode(prev);
                xmlFreeNode(prev);
            }
            xmlUnlinkNode(theirs);
        } else if (copy) {
            /* at the end of <device>, indented like its last element */
            xmlNodePtr last = bdev->last;
            if (last && last->type == XML_TEXT_NODE && xmlIsBlankNode(last) && last->prev) {
                xmlNodePtr ws = last->prev->prev && last->prev->prev->type == XML_TEXT_NODE
                                    ? xmlDocCopyNode(last->prev->prev, bdoc, 1)
                                    : NULL;
                xmlAddPrevSibling(last, copy);
                if (ws)
                    xmlAddPrevSibling(copy, ws);
            } else {
                xmlAddChild(bdev, copy);
            }
            theirs = NULL;
        }
        if (theirs)
            xmlFreeNode(theirs);
    }
    if (!rc)
        rc = pt_xml_write(bdoc, 0, out, d);
    xmlFreeDoc(bdoc);
    xmlFreeDoc(cdoc);
    return rc;
}

/* ---- what a node serves ---- */

void pt_config_out_free(pt_config_out *o)
{
    pt_buf_free(&o->plain);
    pt_buf_free(&o->sgn);
    pt_buf_free(&o->enc);
}

int pt_cluster_config_out(pt_cluster *c, const pt_signer *s, const pt_device *dev, const uint8_t *base,
                          size_t base_len, const char *base_name, pt_config_out *out, pt_diag *d)
{
    pt_buf_init(&out->plain);
    pt_buf_init(&out->sgn);
    pt_buf_init(&out->enc);
    out->plain.secret = out->sgn.secret = 1; /* configuration can carry credentials */
    pt_buf own, xml;
    pt_buf_init(&own);
    pt_buf_init(&xml);
    own.secret = xml.secret = 1;
    int rc = pt__config_xml(c, dev, &own, d);
    if (!rc && base)
        rc = pt_config_merge(base, base_len, base_name, own.data, own.len, &xml, d);
    else if (!rc)
        pt_buf_put(&xml, own.data, own.len), rc = pt_buf_error(&xml);
    pt_buf_free(&own);
    char f_sgn[64], f_enc[64];
    snprintf(f_sgn, sizeof f_sgn, "%s.cnf.xml.sgn", dev->name);
    snprintf(f_enc, sizeof f_enc, "%s.cnf.xml.enc.sgn", dev->name);
    pt_sign_opts o;
    pt__sign_opts_cucm(&o, NULL);
    pt_secprofile prof;
    if (!rc)
        rc = pt_cluster_profile(c, dev->profile, &prof, d);
    /* the key is wrapped to the phone's RSA LSC, else its RSA MIC (§4.3: EC
     * keys cannot be encrypted to); without one the file stays signed only,
     * as for a phone with no certificate on record */
    X509 *phone = NULL;
    static const char *const which[] = {"lsc", "mic"};
    for (int i = 0; !rc && prof.encrypted_config && !phone && i < 2; i++)
        if (pt_cluster_device_cert(c, dev->name, which[i], &phone, NULL) == PT_OK && !pt_cert_is_rsa(phone)) {
            X509_free(phone);
            phone = NULL;
        }
    if (!rc && phone) {
        pt_buf stub;
        pt_buf_init(&stub);
        o.filename = f_enc;
        rc = pt_enc_encrypt(&out->enc, s, &o, phone, xml.data, xml.len, NULL, NULL, d);
        if (!rc)
            rc = pt_enc_stub_xml(&stub, phone, xml.data, xml.len, d);
        o.filename = f_sgn;
        if (!rc)
            rc = pt_sgn_build(&out->sgn, s, &o, stub.data, stub.len, d);
        pt_buf_free(&stub);
    } else if (!rc) {
        o.filename = f_sgn;
        rc = pt_sgn_build(&out->sgn, s, &o, xml.data, xml.len, d);
        if (!rc)
            pt_buf_put(&out->plain, xml.data, xml.len), rc = pt_buf_error(&out->plain);
    }
    X509_free(phone);
    pt_buf_free(&xml);
    if (rc)
        pt_config_out_free(out);
    return rc;
}

int pt_cluster_sign_file(const pt_signer *s, const char *filename, const uint8_t *data, size_t len, pt_buf *out,
                         pt_diag *d)
{
    pt_sign_opts o;
    pt__sign_opts_cucm(&o, filename);
    return pt_sgn_build(out, s, &o, data, len, d);
}
