/*
 * cmd_show.c - `show itl` / `show ctl`: what CUCM prints for a trust list
 * (seeds 001, 002, 004): checksums, length, modification time, the header
 * and every record as BYTEPOS TAG LENGTH VALUE rows (BYTEPOS is the tag
 * number, as on CUCM), which SAST record signed, and the verdict.
 */
#include "cli.h"
#include "json.h"

#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* CUCM's own spellings, typos included: they are what people grep for. */
static const char *cucm_header_label(int tag)
{
    switch (tag) {
    case PT_HDR_SIGNER_INFO: return "SIGNERID";
    case PT_HDR_SIGNER_NAME: return "SIGNERNAME";
    case PT_HDR_SERIAL_NUMBER: return "SERIALNUMBER";
    case PT_HDR_ISSUER_NAME: return "CANAME";
    case PT_HDR_SIGNATURE_INFO: return "SIGNATUREINFO";
    case PT_HDR_HASH_ALGORITHM: return "DIGESTALGORTITHM";
    case PT_HDR_SIG_ALG_INFO: return "SIGNATUREALGOINFO";
    case PT_HDR_SIG_ALGORITHM: return "SIGNATUREALGORTITHM";
    case PT_HDR_SIG_MODULUS: return "SIGNATUREMODULUS";
    case PT_HDR_SIGNATURE: return "SIGNATURE";
    case PT_HDR_FILENAME: return "FILENAME";
    case PT_HDR_TIMESTAMP: return "TIMESTAMP";
    case PT_HDR_SIGNER_VERSION: return "SIGNERVERSION";
    default: return pt_header_tag_name(tag);
    }
}

static const char *cucm_record_label(int tag)
{
    switch (tag) {
    case PT_REC_LENGTH: return "RECORDLENGTH";
    case PT_REC_DNS_NAME: return "DNSNAME";
    case PT_REC_SUBJECT_NAME: return "SUBJECTNAME";
    case PT_REC_ROLE: return "FUNCTION";
    case PT_REC_ISSUER_NAME: return "ISSUERNAME";
    case PT_REC_SERIAL_NUMBER: return "SERIALNUMBER";
    case PT_REC_PUBLIC_KEY: return "PUBLICKEY";
    case PT_REC_SIGNATURE: return "SIGNATURE";
    case PT_REC_CERTIFICATE: return "CERTIFICATE";
    case PT_REC_IP_ADDRESS: return "IPADDRESS";
    case PT_REC_CERTIFICATE_HASH: return "CERTHASH";
    case PT_REC_HASH_ALGORITHM: return "HASH ALGORITHM";
    default: return "?";
    }
}

static const char *hash_dash_name(int h)
{
    switch (h) {
    case PT_HASH_SHA1: return "SHA-1";
    case PT_HASH_SHA256: return "SHA-256";
    case PT_HASH_SHA512: return "SHA-512";
    default: return "?";
    }
}

static void print_colon_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%02X", i ? ":" : "", p[i]);
}

static void print_spaced_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%02X", i ? " " : "", p[i]);
}

static void print_bytes(pt_bytes b)
{
    fwrite(b.p, 1, b.n, stdout);
}

static void print_header_rows(const pt_header *h)
{
    puts("BYTEPOS\tTAG\tLENGTH\tVALUE");
    puts("-------\t---\t------\t-----");
    for (size_t i = 0; i < h->n_items; i++) {
        const pt_item *it = &h->items[i];
        if (it->tag == PT_HDR_VERSION || it->tag == PT_HDR_LENGTH || it->kind == PT_ITEM_PADDING)
            continue;
        const char *label = cucm_header_label(it->tag);
        if (it->kind == PT_ITEM_CONTAINER) {
            printf("%u\t%s\t2\t%u\n", it->tag, label, it->len);
            continue;
        }
        printf("%u\t%s\t%u", it->tag, label, it->len);
        switch (it->tag) {
        case PT_HDR_SIGNER_NAME:
        case PT_HDR_ISSUER_NAME:
            putchar('\t');
            print_bytes(it->tag == PT_HDR_SIGNER_NAME ? h->signer_name : h->issuer_name);
            putchar('\n');
            break;
        case PT_HDR_SERIAL_NUMBER:
            putchar('\t');
            print_colon_hex(it->val, it->len);
            puts("\n"); /* CUCM leaves a blank line after the serial */
            break;
        case PT_HDR_SIGNATURE:
            putchar('\n');
            for (size_t k = 0; k < it->len; k++)
                printf("%x%s", it->val[k], (k % 8 == 7 || k + 1 == it->len) ? "\n" : " ");
            break;
        case PT_HDR_SIGNER_VERSION:
            printf("\t%u.%u\n", it->val[0], it->val[1]);
            break;
        default:
            putchar('\n');
        }
    }
}

static void print_record_rows(const pt_record *r, int signer, const char *kind)
{
    puts("BYTEPOS\tTAG\tLENGTH\tVALUE");
    puts("-------\t---\t------\t-----");
    for (size_t i = 0; i < r->n_items; i++) {
        const pt_item *it = &r->items[i];
        printf("%u\t%s\t%u", it->tag, cucm_record_label(it->tag), it->len);
        switch (it->tag) {
        case PT_REC_LENGTH:
            printf("\t%u\n", r->length);
            break;
        case PT_REC_DNS_NAME:
            putchar('\t');
            print_bytes(r->dns_name);
            putchar('\n');
            break;
        case PT_REC_SUBJECT_NAME:
            putchar('\t');
            print_bytes(r->subject);
            putchar('\n');
            break;
        case PT_REC_ISSUER_NAME:
            putchar('\t');
            print_bytes(r->issuer);
            putchar('\n');
            break;
        case PT_REC_ROLE:
            printf("\t%s\n", pt_role_cucm_name(r->role));
            break;
        case PT_REC_SERIAL_NUMBER:
            putchar('\t');
            print_colon_hex(it->val, it->len);
            putchar('\n');
            break;
        case PT_REC_CERTIFICATE: {
            uint8_t dg[20];
            size_t n;
            pt_digest(PT_HASH_SHA1, it->val, it->len, dg, &n);
            putchar('\t');
            print_spaced_hex(dg, n);
            puts("\n(SHA1 Hash HEX)");
            break;
        }
        case PT_REC_IP_ADDRESS:
            if (it->len == 4)
                printf("\t%u.%u.%u.%u", it->val[0], it->val[1], it->val[2], it->val[3]);
            putchar('\n');
            break;
        case PT_REC_CERTIFICATE_HASH:
            putchar('\t');
            print_spaced_hex(it->val, it->len);
            putchar('\n');
            break;
        case PT_REC_HASH_ALGORITHM:
            printf("\t%s\n", hash_dash_name(r->hash_alg));
            break;
        default:
            putchar('\n');
        }
    }
    if (r->role == PT_ROLE_SAST)
        printf("This etoken was %s to sign the %s file.\n", signer ? "used" : "not used", kind);
    putchar('\n');
}

typedef struct facts {
    const char *path;
    const char *kind;      /* "ITL" / "CTL" */
    uint8_t *data;
    size_t len;
    uint8_t md5[16], sha1[20];
    time_t mtime;
} facts;

static void print_preamble(const facts *f)
{
    char md5[33], sha1[41], when[64];
    struct tm tm;
    localtime_r(&f->mtime, &tm);
    strftime(when, sizeof when, "%a %b %d %H:%M:%S %Z %Y", &tm);
    printf("The checksum value of the %s file:\n%s(MD5)\n%s(SHA1)\n\n\n", f->kind,
           pt_hex(f->md5, 16, md5), pt_hex(f->sha1, 20, sha1));
    printf("Length of %s file: %zu\n", f->kind, f->len);
    printf("The %s File was last modified on %s\n\n", f->kind, when);
}

static void json_hex(json *j, const uint8_t *p, size_t n)
{
    char *hex = malloc(2 * n + 1);
    if (!hex) {
        json_null(j);
        return;
    }
    json_str(j, pt_hex(p, n, hex));
    free(hex);
}

static void json_bytes_str(json *j, pt_bytes b)
{
    json_strn(j, (const char *)b.p, b.n);
}

static void emit_json(const facts *f, const pt_trustlist *tl, int parsed, int verified, int signer,
                      const char *error)
{
    json j;
    json_init(&j, stdout);
    json_obj(&j);
    json_key(&j, "file");
    json_str(&j, f->path);
    json_key(&j, "kind");
    json_str(&j, f->kind);
    json_key(&j, "length");
    json_int(&j, (long long)f->len);
    json_key(&j, "md5");
    json_hex(&j, f->md5, 16);
    json_key(&j, "sha1");
    json_hex(&j, f->sha1, 20);
    json_key(&j, "modified");
    json_int(&j, (long long)f->mtime);
    if (parsed) {
        const pt_header *h = &tl->hdr;
        char v[16];
        snprintf(v, sizeof v, "%u.%u", h->version[0], h->version[1]);
        json_key(&j, "version");
        json_str(&j, v);
        json_key(&j, "header_length");
        json_int(&j, h->length);
        json_key(&j, "signer_version");
        if (h->has_signer_version) {
            snprintf(v, sizeof v, "%u.%u", h->signer_version[0], h->signer_version[1]);
            json_str(&j, v);
        } else {
            json_null(&j);
        }
        json_key(&j, "signer_name");
        json_bytes_str(&j, h->signer_name);
        json_key(&j, "issuer_name");
        json_bytes_str(&j, h->issuer_name);
        json_key(&j, "serial_number");
        json_hex(&j, h->serial.p, h->serial.n);
        json_key(&j, "hash_algorithm");
        json_str(&j, pt_hash_name(h->hash));
        json_key(&j, "signature_length");
        json_int(&j, (long long)h->signature.n);
        json_key(&j, "filename");
        json_bytes_str(&j, h->filename);
        json_key(&j, "timestamp");
        if (h->has_timestamp)
            json_int(&j, h->timestamp);
        else
            json_null(&j);
        json_key(&j, "records");
        json_arr(&j);
        for (size_t i = 0; i < tl->n_recs; i++) {
            const pt_record *r = &tl->recs[i];
            json_obj(&j);
            json_key(&j, "index");
            json_int(&j, (long long)i + 1);
            json_key(&j, "offset");
            json_int(&j, (long long)r->offset);
            json_key(&j, "length");
            json_int(&j, r->length);
            json_key(&j, "role");
            json_int(&j, r->role);
            json_key(&j, "role_name");
            json_str(&j, pt_role_name(r->role));
            json_key(&j, "dns_name");
            if (r->dns_name.p) json_bytes_str(&j, r->dns_name); else json_null(&j);
            json_key(&j, "subject_name");
            json_bytes_str(&j, r->subject);
            json_key(&j, "issuer_name");
            json_bytes_str(&j, r->issuer);
            json_key(&j, "serial_number");
            json_hex(&j, r->serial.p, r->serial.n);
            json_key(&j, "public_key_length");
            json_int(&j, (long long)r->public_key.n);
            json_key(&j, "signature_length");
            json_int(&j, (long long)r->signature.n);
            json_key(&j, "certificate_length");
            json_int(&j, (long long)r->certificate.n);
            json_key(&j, "key_algorithm");
            X509 *x = r->certificate.n ? pt_cert_from_der(r->certificate.p, r->certificate.n) : NULL;
            if (x) {
                json_str(&j, pt_cert_is_rsa(x) ? "RSA" : "EC");
                X509_free(x);
            } else {
                json_null(&j);
            }
            json_key(&j, "certificate_sha1");
            if (r->certificate.n) {
                uint8_t dg[20];
                size_t n;
                pt_digest(PT_HASH_SHA1, r->certificate.p, r->certificate.n, dg, &n);
                json_hex(&j, dg, n);
            } else {
                json_null(&j);
            }
            json_key(&j, "certificate_hash");
            if (r->cert_hash.n) json_hex(&j, r->cert_hash.p, r->cert_hash.n); else json_null(&j);
            json_key(&j, "certificate_hash_algorithm");
            if (r->hash_alg >= 0) json_str(&j, pt_hash_name(r->hash_alg)); else json_null(&j);
            json_key(&j, "ip_address");
            if (r->ip_address.n == 4) {
                char ip[20];
                snprintf(ip, sizeof ip, "%u.%u.%u.%u", r->ip_address.p[0], r->ip_address.p[1],
                         r->ip_address.p[2], r->ip_address.p[3]);
                json_str(&j, ip);
            } else {
                json_null(&j);
            }
            json_key(&j, "signer");
            json_bool(&j, (int)i == signer);
            json_end_obj(&j);
        }
        json_end_arr(&j);
        json_key(&j, "signer_record");
        if (signer >= 0)
            json_int(&j, signer + 1);
        else
            json_null(&j);
    }
    json_key(&j, "verified");
    json_bool(&j, verified);
    json_key(&j, "error");
    json_str_or_null(&j, error);
    json_end_obj(&j);
    json_done(&j);
}

static int show_file(const char *path, const char *kind, int as_json, int from_cluster)
{
    facts f = {.path = path, .kind = kind};
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_file_read(path, &f.data, &f.len, PT_FILE_MAX, &d);
    if (rc) {
        if (as_json) {
            char msg[600];
            json j;
            json_init(&j, stdout);
            json_obj(&j);
            json_key(&j, "file");
            json_str(&j, path);
            json_key(&j, "kind");
            json_str(&j, kind);
            json_key(&j, "length");
            json_int(&j, 0);
            json_key(&j, "verified");
            json_bool(&j, 0);
            json_key(&j, "error");
            json_str(&j, pt_diag_format(&d, rc, msg, sizeof msg));
            json_end_obj(&j);
            json_done(&j);
        } else if (!strcmp(kind, "CTL")) {
            /* seed 002, verbatim */
            printf("Length of CTL file: 0\n\nCTL File not found\n\n. Please run CTLClient plugin or run "
                   "the CLI - utils ctl.. to\ngenerate the CTL file.\nError parsing the CTL File.\n");
        } else {
            printf("Length of ITL file: 0\n\nITL File not found\n\nError parsing the ITL File.\n");
        }
        return cli_fail(path, rc, &d);
    }
    struct stat st;
    f.mtime = stat(path, &st) == 0 ? st.st_mtime : 0;
    size_t n;
    pt_digest(PT_HASH_SHA1, f.data, f.len, f.sha1, &n);
    unsigned int m = 0;
    EVP_Digest(f.data, f.len, f.md5, &m, EVP_md5(), NULL);

    pt_trustlist tl;
    rc = pt_tl_parse(f.data, f.len, &tl, &d);
    if (rc) {
        char msg[600];
        pt_diag_format(&d, rc, msg, sizeof msg);
        if (as_json) {
            emit_json(&f, &tl, 0, 0, -1, msg);
        } else {
            print_preamble(&f);
            printf("Error parsing the %s File.\n", kind);
        }
        free(f.data);
        return cli_fail(path, rc, &d);
    }
    int signer = -1;
    pt_diag vd;
    pt_diag_clear(&vd);
    int vrc = pt_tl_verify(&tl, &signer, &vd);
    char vmsg[600] = "";
    if (vrc)
        pt_diag_format(&vd, vrc, vmsg, sizeof vmsg);
    int signer_shown = vrc ? pt_tl_signer_index(&tl) : signer;

    if (as_json) {
        emit_json(&f, &tl, 1, vrc == 0, signer_shown, vrc ? vmsg : NULL);
    } else {
        print_preamble(&f);
        printf("Parse %s File\n----------------\n\n", kind);
        printf("Version: %u.%u\nHeaderLength: %u (BYTES)\n\n", tl.hdr.version[0], tl.hdr.version[1],
               tl.hdr.length);
        print_header_rows(&tl.hdr);
        putchar('\n');
        for (size_t i = 0; i < tl.n_recs; i++) {
            printf("%s Record #:%zu\n----\n", kind, i + 1);
            print_record_rows(&tl.recs[i], (int)i == signer_shown, kind);
        }
        if (!vrc)
            printf("The %s file was verified successfully.\n", kind);
        else
            printf("The %s file could not be verified: %s\n", kind, vmsg);
        if (from_cluster && !strcmp(kind, "CTL") && cluster_ctl_stale())
            printf("\nNote: the cluster is not in mixed mode (Cluster Security Mode 0), yet this node serves a\n"
                   "CTL file: it is stale. Delete it on each node with 'file delete tftp CTLFile.tlv'.\n");
    }
    pt_tl_free(&tl);
    free(f.data);
    if (vrc)
        fprintf(stderr, "phonetrust: %s: %s\n", path, vmsg);
    return cli_exit_code(vrc);
}

static int show_list(const cli_args *a, const char *kind)
{
    const char *file = cli_arg(a, 0);
    char served[4200];
    if (!file) { /* the file this node serves */
        int ex = cluster_tftp_file(!strcmp(kind, "ITL") ? "ITLFile.tlv" : "CTLFile.tlv", served, sizeof served);
        if (ex)
            return ex;
        file = served;
    }
    return show_file(file, kind, cli_on(a, "--json"), file == served);
}

int cmd_show_itl(const cli_args *a)
{
    return show_list(a, "ITL");
}

int cmd_show_ctl(const cli_args *a)
{
    return show_list(a, "CTL");
}
