/*
 * cmd_phone.c - `phonetrust phone boot|show|erase-trust-list|factory-reset`:
 * one simulated phone against a running cluster (src/phone).
 */
#include "cli.h"
#include "json.h"

#include "../phone/engine.h"
#include "../phone/phone.h"
#include "phonetrust/constants.h"
#include "phonetrust/trustlist.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct list_info {
    char sha1[41], md5[33], signer[200];
} list_info;

static int describe(const unsigned char *p, size_t n, list_info *li)
{
    uint8_t h[20];
    size_t hl;
    if (!p)
        return 0;
    pt_digest(PT_HASH_SHA1, p, n, h, &hl);
    pt_hex(h, 20, li->sha1);
    unsigned int ml = 0;
    EVP_Digest(p, n, h, &ml, EVP_md5(), NULL); /* 79XX menus show MD5 */
    pt_hex(h, 16, li->md5);
    snprintf(li->signer, sizeof li->signer, "(unreadable)");
    pt_trustlist tl;
    if (pt_tl_parse(p, n, &tl, NULL) == PT_OK) {
        int s = pt_tl_signer_index(&tl);
        if (s >= 0)
            snprintf(li->signer, sizeof li->signer, "%.*s", (int)(tl.recs[s].subject.n < 190 ? tl.recs[s].subject.n : 190),
                     (const char *)tl.recs[s].subject.p);
        pt_tl_free(&tl);
    }
    return 1;
}

static void json_lines(json *j, const char *text)
{
    json_arr(j);
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        json_strn(j, p, n);
        p += n + (e ? 1 : 0);
    }
    json_end_arr(j);
}

static void json_list(json *j, const char *key, const unsigned char *p, size_t n)
{
    list_info li;
    json_key(j, key);
    if (!describe(p, n, &li)) {
        json_null(j);
        return;
    }
    json_obj(j);
    json_key(j, "sha1");
    json_str(j, li.sha1);
    json_key(j, "md5");
    json_str(j, li.md5);
    json_key(j, "signer");
    json_str(j, li.signer);
    json_end_obj(j);
}

static void text_list(const char *label, const unsigned char *p, size_t n)
{
    list_info li;
    if (!describe(p, n, &li))
        printf("%-9s Not Installed\n", label);
    else
        printf("%-9s SHA1 %s  MD5 %s\n          signer %s\n", label, li.sha1, li.md5, li.signer);
}

static void text_lines(const char *title, const char *text)
{
    printf("%s\n", title);
    if (!text || !*text) {
        printf("  (none)\n");
        return;
    }
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        printf("  %.*s\n", (int)n, p);
        p += n + (e ? 1 : 0);
    }
}

static int show(const char *state, const char *mac, int as_json)
{
    pt_phone_state st;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_phone_load(state, mac, &st, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    pt_phone_model model;
    const pt_phone_model *m = pt_phone_model_find(st.model, &model) ? &model : NULL;
    if (as_json) {
        json j;
        json_init(&j, stdout);
        json_obj(&j);
        json_key(&j, "name");
        json_str(&j, st.name);
        json_key(&j, "model");
        json_str(&j, st.model);
        json_key(&j, "security_by_default");
        json_bool(&j, m && m->sbd);
        json_list(&j, "ctl", st.ctl, st.ctl_len);
        json_list(&j, "itl", st.itl, st.itl_len);
        json_key(&j, "locked");
        json_bool(&j, st.locked);
        json_key(&j, "lsc_installed");
        json_bool(&j, st.lsc);
        json_key(&j, "config_bytes");
        json_int(&j, (long long)st.config_len);
        json_key(&j, "status");
        json_lines(&j, st.status);
        json_key(&j, "console");
        json_lines(&j, st.console);
        json_end_obj(&j);
        json_done(&j);
    } else {
        printf("%s  Cisco %s%s\n", st.name, st.model, m && !m->sbd ? " (no Security By Default)" : "");
        text_list("CTL:", st.ctl, st.ctl_len);
        text_list("ITL:", st.itl, st.itl_len);
        printf("%-9s %s\n", "Locked:", st.locked ? "yes: cannot verify its TFTP server's ITL" : "no");
        printf("%-9s %s\n", "LSC:", st.lsc ? "Installed" : "Not Installed");
        if (st.config)
            printf("%-9s in force (%zu bytes)\n", "Config:", st.config_len);
        else
            printf("%-9s none\n", "Config:");
        text_lines("Status messages:", st.status);
        text_lines("Console log:", st.console);
    }
    pt_phone_state_free(&st);
    return EXIT_OK;
}

static int phone(const cli_args *a, const char *sub)
{
    const char *mac = cli_mac(a, "--mac"), *state = cli_str(a, "--state"), *url = cli_arg(a, 0);
    int boot = !strcmp(sub, "boot"), https = !strcmp(sub, "https-check");
    const char *model = boot ? cli_str(a, "--model") : NULL, *tftp = boot ? cli_str(a, "--tftp") : NULL;
    const char *auth_string = boot ? cli_str(a, "--auth-string") : NULL;
    long http_port = boot ? cli_num(a, "--http-port", 6970) : 6970;
    long timeout = boot || https ? cli_ms(a, "--timeout", 1000) : 1000;
    int as_json = !strcmp(sub, "show") && cli_on(a, "--json");
    char buf[4096];
    if (!state)
        state = cli_phones_dir(buf, sizeof buf);
    pt_diag d;
    pt_diag_clear(&d);
    int rc;
    if (!strcmp(sub, "show"))
        return show(state, mac, as_json);
    if (!strcmp(sub, "https-check")) {
        pt_ph_verdict vd;
        rc = pt_phone_https_check(state, mac, url, (int)timeout, &vd, &d);
        if (rc)
            return cli_fail(NULL, rc, &d);
        if (vd.accept)
            printf("%s: trusted (%s)\n", url, pt_ph_how_name(vd.how));
        else
            printf("%s: not trusted: %s\n", url, vd.reason);
        return vd.accept ? EXIT_OK : EXIT_VERIFY;
    }
    if (!strcmp(sub, "erase-trust-list"))
        rc = pt_phone_erase_trust_list(state, mac, stdout, &d);
    else if (!strcmp(sub, "factory-reset"))
        rc = pt_phone_factory_reset(state, mac, stdout, &d);
    else if (!strcmp(sub, "boot")) {
        char host[64], *end;
        long port = 69;
        const char *colon = strchr(tftp, ':');
        snprintf(host, sizeof host, "%.*s", (int)(colon ? (size_t)(colon - tftp) : strlen(tftp)), tftp);
        if (colon && ((port = strtol(colon + 1, &end, 10)) < 1 || port > 65535 || *end || !colon[1]))
            return cli_usage("--tftp %s: the port is 1 to 65535", tftp);
        pt_phone_boot_opts o = {state, mac, model, host, (int)port, (int)http_port, (int)timeout, auth_string};
        pt_phone_result res;
        rc = pt_phone_boot(&o, &res, &d);
        if (!rc) {
            char name[16];
            pt_phone_name(mac, name, NULL);
            printf("%s: %s%s%s%s%s%s\n", name, res.locked ? "locked (Trust List Update Failed)" : "trusted",
                   res.ctl_changed ? ", new CTL" : "", res.itl_changed ? ", new ITL" : "",
                   res.config_refused ? ", config refused (previous config stays in force)"
                   : res.config_changed ? ", new config" : "",
                   res.lsc_installed ? ", LSC installed" : res.lsc_deleted ? ", LSC deleted"
                   : res.lsc_failed ? ", LSC: Failed" : res.lsc_unreachable ? ", LSC: Connection Failed" : res.lsc_pending ? ", certificate operation pending" : "",
                   res.files_refused ? ", a file it names refused (see phone show)" : "");
            return res.locked || res.config_refused || res.files_refused ? EXIT_VERIFY : EXIT_OK;
        }
    } else
        return cli_usage("phone %s: unknown", sub);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cmd_phone_boot(const cli_args *a)
{
    return phone(a, "boot");
}

int cmd_phone_show(const cli_args *a)
{
    return phone(a, "show");
}

int cmd_phone_erase(const cli_args *a)
{
    return phone(a, "erase-trust-list");
}

int cmd_phone_factory_reset(const cli_args *a)
{
    return phone(a, "factory-reset");
}

int cmd_phone_https_check(const cli_args *a)
{
    return phone(a, "https-check");
}
