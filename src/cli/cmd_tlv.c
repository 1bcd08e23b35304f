/*
 * cmd_tlv.c - `tlv build` (make a trust list) and `tlv dump` (an annotated
 * walk of any signed file: every TLV with its offset, tag and length).
 */
#include "cli.h"
#include "json.h"

#include "phonetrust/constants.h"
#include "phonetrust/fileio.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- tlv dump ---- */

/* A string as Python's repr() shows it: the format of the spec's dumps. */
static void print_repr(pt_bytes b)
{
    int has_single = memchr(b.p, '\'', b.n) != NULL;
    int has_double = memchr(b.p, '"', b.n) != NULL;
    char q = (has_single && !has_double) ? '"' : '\'';
    putchar(q);
    for (size_t i = 0; i < b.n; i++) {
        unsigned char c = b.p[i];
        if (c == '\\' || c == (unsigned char)q)
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    putchar(q);
}

static pt_bytes until_nul(const uint8_t *p, size_t n)
{
    const uint8_t *z = memchr(p, 0, n);
    return (pt_bytes){p, z ? (size_t)(z - p) : n};
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

static void dump_header_item(const pt_item *it)
{
    char name[32];
    snprintf(name, sizeof name, "%s%s", pt_header_tag_name(it->tag),
             it->kind == PT_ITEM_CONTAINER ? "*" : "");
    printf("  %5zu  tag %2u %-20s len %4u  ", it->offset, it->tag, name,
           it->kind == PT_ITEM_PADDING ? 0 : it->len);
    if (it->kind == PT_ITEM_CONTAINER) {
        printf("(container, %u bytes follow inside)", it->len);
    } else if (it->kind == PT_ITEM_PADDING) {
        /* nothing */
    } else if (it->tag == PT_HDR_SIGNER_NAME || it->tag == PT_HDR_ISSUER_NAME ||
               it->tag == PT_HDR_FILENAME) {
        print_repr(until_nul(it->val, it->len));
    } else if (it->tag == PT_HDR_SIGNATURE || it->tag == PT_HDR_ENC_KEY || it->tag == PT_HDR_ENC_IV ||
               it->tag == PT_HDR_ENC_HASH || it->tag == PT_HDR_SERIAL_NUMBER) {
        if (it->len <= 20) {
            print_hex(it->val, it->len);
        } else {
            print_hex(it->val, 12);
            printf("... (%u bytes)", it->len);
        }
    } else if (it->tag == PT_HDR_TIMESTAMP) {
        printf("%u", ((unsigned)it->val[0] << 24) | ((unsigned)it->val[1] << 16) |
                         ((unsigned)it->val[2] << 8) | it->val[3]);
    } else if (it->len <= 4) {
        print_hex(it->val, it->len);
    } else {
        printf("%u bytes", it->len);
    }
    putchar('\n');
}

static const char *dump_role(const pt_record *r)
{
    if (r->role == PT_ROLE_SRST)
        return "SRST?";
    const char *n = pt_role_name(r->role);
    return n;
}

static void dump_record(const pt_record *r)
{
    printf("  record @%zu length %u\n", r->offset, r->length);
    for (size_t i = 1; i < r->n_items; i++) {
        const pt_item *it = &r->items[i];
        printf("    %5zu  tag %2u %-16s len %4u  ", it->offset, it->tag, pt_record_tag_name(it->tag), it->len);
        switch (it->tag) {
        case PT_REC_DNS_NAME:
        case PT_REC_SUBJECT_NAME:
        case PT_REC_ISSUER_NAME:
            print_repr(until_nul(it->val, it->len));
            break;
        case PT_REC_ROLE:
            fputs(dump_role(r), stdout);
            break;
        case PT_REC_SERIAL_NUMBER:
        case PT_REC_CERTIFICATE_HASH:
            print_hex(it->val, it->len);
            break;
        default:
            printf("%u bytes", it->len);
        }
        putchar('\n');
    }
}

/* tlv dump --json: every item with its offset, tag, name and length */
static void json_item(json *j, const pt_item *it, const char *name, int is_text)
{
    json_obj(j);
    json_key(j, "offset");
    json_int(j, (long long)it->offset);
    json_key(j, "tag");
    json_int(j, it->tag);
    json_key(j, "name");
    json_str(j, name);
    json_key(j, "length");
    json_int(j, it->kind == PT_ITEM_PADDING ? 0 : it->len);
    if (it->kind == PT_ITEM_CONTAINER) {
        json_key(j, "container");
        json_bool(j, 1);
    } else if (it->kind != PT_ITEM_PADDING) {
        json_key(j, is_text ? "text" : "hex");
        if (is_text) {
            pt_bytes b = until_nul(it->val, it->len);
            json_strn(j, (const char *)b.p, b.n);
        } else {
            char hex[2 * 64 + 1];
            size_t n = it->len > 64 ? 64 : it->len;
            json_str(j, pt_hex(it->val, n, hex));
        }
    }
    json_end_obj(j);
}

static void dump_json(const char *path, size_t len, const pt_header *h, const pt_trustlist *tl)
{
    json j;
    json_init(&j, stdout);
    json_obj(&j);
    json_key(&j, "file");
    json_str(&j, path);
    json_key(&j, "bytes");
    json_int(&j, (long long)len);
    json_key(&j, "version");
    char v[16];
    snprintf(v, sizeof v, "%u.%u", h->version[0], h->version[1]);
    json_str(&j, v);
    json_key(&j, "header_length");
    json_int(&j, h->length);
    json_key(&j, "header");
    json_arr(&j);
    for (size_t i = 0; i < h->n_items; i++) {
        const pt_item *it = &h->items[i];
        int text = it->tag == PT_HDR_SIGNER_NAME || it->tag == PT_HDR_ISSUER_NAME || it->tag == PT_HDR_FILENAME;
        json_item(&j, it, pt_header_tag_name(it->tag), text);
    }
    json_end_arr(&j);
    if (tl) {
        json_key(&j, "records");
        json_arr(&j);
        for (size_t r = 0; r < tl->n_recs; r++) {
            const pt_record *rec = &tl->recs[r];
            json_obj(&j);
            json_key(&j, "offset");
            json_int(&j, (long long)rec->offset);
            json_key(&j, "length");
            json_int(&j, rec->length);
            json_key(&j, "role");
            json_str(&j, dump_role(rec));
            json_key(&j, "items");
            json_arr(&j);
            for (size_t i = 1; i < rec->n_items; i++) {
                const pt_item *it = &rec->items[i];
                int text = it->tag == PT_REC_DNS_NAME || it->tag == PT_REC_SUBJECT_NAME || it->tag == PT_REC_ISSUER_NAME;
                json_item(&j, it, pt_record_tag_name(it->tag), text);
            }
            json_end_arr(&j);
            json_end_obj(&j);
        }
        json_end_arr(&j);
    } else {
        json_key(&j, "payload_offset");
        json_int(&j, h->length);
        json_key(&j, "payload_bytes");
        json_int(&j, (long long)(len - h->length));
    }
    json_end_obj(&j);
    json_done(&j);
}

static int tlv_dump(const char *path, int as_json)
{
    uint8_t *data;
    size_t len;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_file_read(path, &data, &len, PT_FILE_MAX, &d);
    if (rc)
        return cli_fail(path, rc, &d);
    size_t n = strlen(path);
    int is_list = n >= 4 && !strcmp(path + n - 4, ".tlv");
    pt_trustlist tl;
    pt_header h;
    if (is_list) {
        rc = pt_tl_parse(data, len, &tl, &d);
        h = tl.hdr;
    } else {
        rc = pt_header_parse(data, len, &h, &d);
    }
    if (rc) {
        free(data);
        return cli_fail(path, rc, &d);
    }
    if (as_json) {
        dump_json(path, len, &h, is_list ? &tl : NULL);
        if (is_list)
            pt_tl_free(&tl);
        else
            pt_header_free(&h);
        free(data);
        return EXIT_OK;
    }
    printf("%s: %zu bytes, header version %u.%u, header length %u\n", path, len, h.version[0],
           h.version[1], h.length);
    for (size_t i = 0; i < h.n_items; i++)
        dump_header_item(&h.items[i]);
    if (is_list) {
        for (size_t i = 0; i < tl.n_recs; i++)
            dump_record(&tl.recs[i]);
        pt_tl_free(&tl);
    } else {
        printf("  payload: %zu bytes at offset %u\n", len - h.length, h.length);
        pt_header_free(&h);
    }
    free(data);
    return EXIT_OK;
}

/* ---- tlv build ---- */

typedef struct build_list {
    pt_tl_entry *e;
    size_t n, cap;
} build_list;

static int add_entry(build_list *l, const char *spec, int hash_only, const char *opt)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return cli_usage("%s %s: use ROLE=PEM (e.g. tvs=tvs.pem)", opt, spec);
    char role_name[32];
    size_t rn = (size_t)(eq - spec);
    if (rn >= sizeof role_name)
        return cli_usage("%s %s: unknown role", opt, spec);
    memcpy(role_name, spec, rn);
    role_name[rn] = '\0';
    int role = pt_role_from_name(role_name);
    if (role < 0)
        return cli_usage("%s %s: unknown role '%s' (sast, ccm, ccm+tftp, tftp, capf, app-server, tvs)",
                         opt, spec, role_name);
    X509 *cert = NULL;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_pem_load(eq + 1, NULL, &cert, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        pt_tl_entry *ne = realloc(l->e, l->cap * sizeof *ne);
        if (!ne) {
            X509_free(cert);
            return EXIT_OTHER;
        }
        l->e = ne;
    }
    l->e[l->n++] = (pt_tl_entry){.cert = cert, .role = role, .hash_only = hash_only};
    return EXIT_OK;
}

int cmd_tlv_build(const cli_args *a)
{
    const char *out = cli_arg(a, 0), *v;
    cli_signing sg;
    build_list list = {0};
    int ex = cli_signing_read(a, &sg, 1);
    if (ex)
        return ex;
    /* slot 0 is the signer's SAST record */
    list.cap = 8;
    list.e = calloc(list.cap, sizeof *list.e);
    if (!list.e)
        return EXIT_OTHER;
    list.n = 1;
    /* in the order given, --record and --hash-only interleaved */
    for (int k = 0; !ex && k < a->nvals; k++) {
        const char *name = a->vals[k].opt->name;
        v = a->vals[k].text;
        if (!strcmp(name, "--record") || !strcmp(name, "--hash-only"))
            ex = add_entry(&list, v, name[2] == 'h', name);
    }
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    pt_signer signer = {0};
    if (!ex)
        ex = cli_load_signer(sg.signer_path, &key, &cert, &signer);
    if (!ex) {
        list.e[0] = (pt_tl_entry){.cert = cert, .role = PT_ROLE_SAST};
        pt_sign_opts opts = sg.opts;
        opts.filename = sg.filename ? sg.filename : pt_basename(out);
        pt_buf b;
        pt_buf_init(&b);
        pt_diag d;
        pt_diag_clear(&d);
        int rc = pt_tl_build(&b, &signer, &opts, list.e, list.n, &d);
        ex = rc ? cli_fail(out, rc, &d) : cli_write(out, b.data, b.len, 0644);
        pt_buf_free(&b);
    }
    for (size_t i = 1; i < list.n; i++)
        X509_free(list.e[i].cert);
    free(list.e);
    pt_signer_free(&signer);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ex;
}

/* ---- tlv resign ---- */

/* The layout a file was written in: legacy puts SERIAL_NUMBER before ISSUER_NAME. */
static int detect_layout(const pt_header *h)
{
    for (size_t i = 0; i < h->n_items; i++) {
        if (h->items[i].tag == PT_HDR_SERIAL_NUMBER)
            return PT_LAYOUT_LEGACY;
        if (h->items[i].tag == PT_HDR_ISSUER_NAME)
            return PT_LAYOUT_CURRENT;
    }
    return PT_LAYOUT_CURRENT;
}

/* 1 when cert is one of the list's SAST records: phones accept a list
 * re-signed only by a signer the list they hold names */
static int is_sast_of(const pt_trustlist *tl, X509 *cert)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    int found = 0;
    for (size_t i = 0; n > 0 && !found && i < tl->n_recs; i++)
        found = tl->recs[i].role == PT_ROLE_SAST && pt_record_matches_cert(&tl->recs[i], der, (size_t)n);
    OPENSSL_free(der);
    return found;
}

int cmd_tlv_resign(const cli_args *a)
{
    const char *in = cli_arg(a, 0), *out = cli_arg(a, 1);
    cli_signing sg;
    int ex = cli_signing_read(a, &sg, 1);
    if (ex)
        return ex;
    uint8_t *data;
    size_t len;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_file_read(in, &data, &len, PT_FILE_MAX, &d);
    if (rc)
        return cli_fail(in, rc, &d);
    pt_trustlist tl;
    rc = pt_tl_parse(data, len, &tl, &d);
    if (rc) {
        free(data);
        return cli_fail(in, rc, &d);
    }
    /* keep what the file had unless told otherwise */
    pt_sign_opts opts = sg.opts;
    if (!sg.layout_given)
        opts.layout = detect_layout(&tl.hdr);
    if (!sg.hash_given)
        opts.hash = tl.hdr.hash;
    if (!sg.signer_version_given)
        opts.signer_version = tl.hdr.has_signer_version
                                  ? (tl.hdr.signer_version[0] << 8) | tl.hdr.signer_version[1]
                                  : PT_SIGNER_VERSION_NONE;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)tl.hdr.filename.n, tl.hdr.filename.p);
    opts.filename = sg.filename ? sg.filename : (name[0] ? name : pt_basename(out));
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    pt_signer signer = {0};
    if (!(ex = cli_load_signer(sg.signer_path, &key, &cert, &signer)) && !cli_on(a, "--force") && !is_sast_of(&tl, cert)) {
        fprintf(stderr,
                "phonetrust: tlv resign: %s is not a SAST record of %s: a phone holding %s would refuse the "
                "re-signed list (sign with one of its System Administrator Security Tokens, e.g. the "
                "ITLRecovery key; --force writes it anyway)\n",
                sg.signer_path, in, in);
        ex = EXIT_REFUSED;
    }
    if (!ex) {
        pt_buf b;
        pt_buf_init(&b);
        rc = pt_tl_resign(&b, &signer, &opts, &tl, &d);
        ex = rc ? cli_fail(out, rc, &d) : cli_write(out, b.data, b.len, 0644);
        pt_buf_free(&b);
    }
    pt_signer_free(&signer);
    EVP_PKEY_free(key);
    X509_free(cert);
    pt_tl_free(&tl);
    free(data);
    return ex;
}

int cmd_tlv_dump(const cli_args *a)
{
    return tlv_dump(cli_arg(a, 0), cli_on(a, "--json"));
}
