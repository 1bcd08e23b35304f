/*
 * cmd_device.c - devices, device pools and security profiles (M5), the
 * DeviceTLInfo reports and `show itl-status` (M22).
 */
#include "cli.h"
#include "json.h"

#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#define _XOPEN_SOURCE_EXTENDED 1

static int device_add(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *name = cli_arg(a, 0), *model = cli_str(a, "--model"), *pool = cli_str(a, "--pool");
    const char *profile = cli_str(a, "--profile");
    long count = cli_num(a, "--count", 0);
    pt_diag dd, *d = &dd;
    pt_diag_clear(d);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = count ? pt_cluster_device_add_range(c, name, (size_t)count, model, pool, profile, d)
                   : pt_cluster_device_add(c, name, model, pool, profile, d);
    if (rc)
        return cli_fail(NULL, rc, d);
    char canon[16];
    pt_device_name_valid(name, canon);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (count)
        printf("%ld devices added from %s (%s), their configuration files served, in %.1f s\n", count, canon, model,
               (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    else
        printf("Device %s added (%s)\n", canon, model);
    return EXIT_OK;
}

static pt_capf_op cur_capf;

static void device_json(json *j, const pt_device *v, const pt_capf_op *op)
{
    int sbd = 0;
    pt_model_known(v->model, &sbd);
    json_obj(j);
    json_key(j, "device"), json_str(j, v->name);
    json_key(j, "model"), json_str(j, v->model);
    json_key(j, "security_by_default"), json_bool(j, sbd);
    json_key(j, "pool"), json_str(j, v->pool);
    json_key(j, "profile"), json_str(j, v->profile);
    json_key(j, "lsc"), json_bool(j, v->has_lsc);
    if (op) {
        json_key(j, "mic"), json_bool(j, v->has_mic);
        json_key(j, "capf_operation");
        if (op->op[0]) {
            json_obj(j);
            json_key(j, "op"), json_str(j, op->op);
            json_key(j, "auth"), json_str(j, op->auth);
            json_key(j, "status"), json_str(j, op->status);
            json_end_obj(j);
        } else {
            json_null(j);
        }
        json_key(j, "settings_access"), json_bool(j, v->settings_access);
        json_key(j, "web_access"), json_bool(j, v->web_access);
        json_key(j, "ssh_access"), json_bool(j, v->ssh_access);
        json_key(j, "span_to_pc"), json_bool(j, v->span_to_pc);
        json_key(j, "directory_url"), json_str(j, v->directory_url);
        json_key(j, "services_url"), json_str(j, v->services_url);
        json_key(j, "authentication_url"), json_str(j, v->authentication_url);
        json_key(j, "locale"), json_str(j, v->locale);
        json_key(j, "last_report");
        if (v->reported) {
            json_obj(j);
            json_key(j, "itl_sha1"), json_str_or_null(j, v->itl_sha1);
            json_key(j, "ctl_sha1"), json_str_or_null(j, v->ctl_sha1);
            json_key(j, "tftp"), json_str(j, v->reported_tftp);
            json_key(j, "time"), json_int(j, (long long)v->reported);
            json_end_obj(j);
        } else {
            json_null(j);
        }
    }
    json_end_obj(j);
}

static void show_device(const pt_device *v)
{
    int sbd = 0;
    pt_model_known(v->model, &sbd);
    printf("Device Name:          %s\n", v->name);
    printf("Model:                Cisco %s%s\n", v->model, sbd ? "" : " (no Security By Default)");
    printf("Device Pool:          %s\n", v->pool);
    printf("Security Profile:     %s\n", v->profile);
    printf("LSC:                  %s\n", v->has_lsc ? "Installed" : "None");
    if (cur_capf.op[0]) {
        printf("Certificate Operation: %s%s%s\n", cur_capf.op, strcmp(cur_capf.op, "none") ? ", by " : "",
               strcmp(cur_capf.op, "none") ? cur_capf.auth : "");
        printf("Certificate Operation Status: %s\n", cur_capf.status);
    }
    printf("MIC:                  %s\n", v->has_mic ? "On record" : "None");
    printf("Settings Access:      %s\n", v->settings_access ? "Enabled" : "Disabled");
    printf("Web Access:           %s\n", v->web_access ? "Enabled" : "Disabled");
    printf("SSH Access:           %s\n", v->ssh_access ? "Enabled" : "Disabled");
    printf("Span to PC Port:      %s\n", v->span_to_pc ? "Enabled" : "Disabled");
    printf("Directory URL:        %s\n", v->directory_url);
    printf("Services URL:         %s\n", v->services_url);
    printf("Authentication URL:   %s\n", v->authentication_url);
    printf("User Locale:          %s\n", v->locale);
    if (v->reported) {
        char when[64];
        struct tm tm;
        localtime_r(&v->reported, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
        printf("DeviceTLInfo:         ITL %s, CTL %s, TFTP %s, at %s\n", v->itl_sha1[0] ? v->itl_sha1 : "Not Installed",
               v->ctl_sha1[0] ? v->ctl_sha1 : "Not Installed", v->reported_tftp, when);
    }
}

static int device_cert(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *kind = cli_arg(a, 1), *file = cli_arg(a, 2);
    if (strcmp(kind, "lsc") && strcmp(kind, "mic"))
        return cli_usage("device cert DEVICE lsc|mic FILE, or DEVICE lsc|mic --delete");
    if (!file == !cli_on(a, "--delete"))
        return cli_usage("device cert: give FILE, or --delete");
    pt_diag d;
    pt_diag_clear(&d);
    X509 *x = NULL;
    int rc;
    if (file && (rc = pt_pem_load(file, NULL, &x, &d)))
        return cli_fail(NULL, rc, &d);
    rc = pt_cluster_device_set_cert(c, cli_arg(a, 0), kind, x, &d);
    X509_free(x);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

static int device_report(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_device_report(c, cli_arg(a, 0), cli_str(a, "--itl-sha1"), cli_str(a, "--ctl-sha1"),
                                      cli_str(a, "--tftp"), &d);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

static int device_pool(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *name = cli_arg(a, 0), *group = cli_str(a, "--group");
    pt_diag d;
    pt_diag_clear(&d);
    int rc;
    if (!group) {
        char g[256];
        if ((rc = pt_cluster_pool_group(c, name, g, sizeof g, &d)))
            return cli_fail(NULL, rc, &d);
        printf("%s: CallManager group %s\n", name, g);
        return EXIT_OK;
    }
    rc = pt_cluster_pool_set(c, name, group, &d);
    if (!rc)
        printf("Device pool %s: CallManager group %s\n", name, group);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

static int device_profile(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *name = cli_arg(a, 0), *v;
    pt_diag dd, *d = &dd;
    pt_diag_clear(d);
    int rc;
    pt_secprofile p;
    if (pt_cluster_profile(c, name, &p, NULL)) {
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "%s", name);
        p.mode = PT_MODE_NON_SECURE;
        snprintf(p.capf_auth, sizeof p.capf_auth, "null-string");
    }
    if ((v = cli_str(a, "--mode")))
        p.mode = !strcmp(v, "non-secure") ? PT_MODE_NON_SECURE : !strcmp(v, "authenticated") ? PT_MODE_AUTHENTICATED
               : PT_MODE_ENCRYPTED;
    if ((v = cli_str(a, "--encrypted-config")))
        p.encrypted_config = !strcmp(v, "on");
    if ((v = cli_str(a, "--capf-auth")))
        snprintf(p.capf_auth, sizeof p.capf_auth, "%s", v);
    rc = pt_cluster_profile_set(c, &p, d);
    if (!rc)
        printf("Security profile %s: mode %d, encrypted config %s, CAPF authentication %s\n", p.name, p.mode,
               p.encrypted_config ? "on" : "off", p.capf_auth);
    return rc ? cli_fail(NULL, rc, d) : EXIT_OK;
}

/* "YYYY-MM-DD HH:MM" (local), "+N[dhm]", or Unix seconds */
static int parse_deadline(const char *s, time_t *out)
{
    char unit;
    long n;
    if (s[0] == '+' && sscanf(s + 1, "%ld%c", &n, &unit) == 2 && n >= 0) {
        long mult = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : 0;
        if (!mult)
            return -1;
        *out = time(NULL) + n * mult;
        return 0;
    }
    if (s[0] == '-' && sscanf(s + 1, "%ld%c", &n, &unit) == 2 && n >= 0) {
        long mult = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : 0;
        if (!mult)
            return -1;
        *out = time(NULL) - n * mult; /* in the past: for rehearsing a late request */
        return 0;
    }
    struct tm tm = {0};
    char *end = strptime(s, "%Y-%m-%d %H:%M", &tm);
    if (end && !*end) {
        tm.tm_isdst = -1;
        *out = mktime(&tm);
        return 0;
    }
    char *e;
    long long v = strtoll(s, &e, 10);
    if (*s && !*e && v > 0) {
        *out = (time_t)v;
        return 0;
    }
    return -1;
}

/* By null string CAPF proves nothing: said every time it is scheduled. */
static void warn_null_string(const char *who)
{
    fprintf(stderr,
            "Warning: %s authenticate%s to CAPF by null string: anyone who can reach CAPF and names the device "
            "gets its LSC. Prefer an authentication string or the phone's MIC/LSC unless the phones' network is "
            "trusted; each such LSC is named in the serve log.\n",
            who, strchr(who, ' ') ? "" : "s");
}

/* device capf NAME|--model MODEL --op OP [--auth MODE] [--password DIGITS] [--key KEY] [--deadline TIME]
 * With --auth auth-string and no --password, the string is read from the
 * terminal (no echo) or standard input: argv is visible to every local user. */
static int device_capf(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *name = cli_arg(a, 0), *model = cli_str(a, "--model"), *v;
    pt_diag dd, *d = &dd;
    pt_diag_clear(d);
    pt_capf_op op;
    memset(&op, 0, sizeof op);
    snprintf(op.op, sizeof op.op, "%s", cli_on(a, "--op") ? cli_str(a, "--op") : "install");
    if ((v = cli_str(a, "--auth")))
        snprintf(op.auth, sizeof op.auth, "%s", v);
    if ((v = cli_str(a, "--password")))
        snprintf(op.password, sizeof op.password, "%s", v);
    if ((v = cli_str(a, "--key")))
        snprintf(op.key, sizeof op.key, "%s", v);
    if ((v = cli_str(a, "--deadline")) && parse_deadline(v, &op.deadline))
        return cli_usage("--deadline %s: use \"YYYY-MM-DD HH:MM\", +Nd/+Nh/+Nm or Unix seconds", v);
    if (!name == !model)
        return cli_usage("device capf SEP<MAC>|--model MODEL --op install|delete|fetch|none [--auth MODE] "
                         "[--password DIGITS] [--key KEY] [--deadline TIME]");
    if (!strcmp(op.auth, "auth-string") && !op.password[0]) {
        char *pw = cli_read_secret("Authentication string: ");
        if (!pw)
            return cli_usage("device capf: no authentication string given");
        snprintf(op.password, sizeof op.password, "%s", pw);
        pt_wipe(pw, strlen(pw));
        free(pw);
    }
    int rc, n = 1;
    if (model)
        rc = pt_cluster_capf_bulk(c, model, &op, &n, d);
    else
        rc = pt_cluster_capf_set(c, name, &op, d);
    pt_capf_op now;
    if (!rc && strcmp(op.op, "none") &&
        (model ? !strcmp(op.auth, "null-string")
               : pt_cluster_capf_get(c, name, &now, NULL) == PT_OK && !strcmp(now.auth, "null-string"))) {
        char who[64];
        if (model)
            snprintf(who, sizeof who, "the %d %s devices", n, model);
        else
            snprintf(who, sizeof who, "%s", name);
        warn_null_string(who);
    }
    pt_wipe(op.password, sizeof op.password);
    if (rc)
        return cli_fail(NULL, rc, d);
    printf("CAPF operation %s scheduled for %d device%s: Operation Pending\n", op.op, n, n == 1 ? "" : "s");
    return EXIT_OK;
}

static int device_list(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_device *v;
    size_t n;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_devices(c, &v, &n, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    if (cli_on(a, "--json")) {
        json j;
        json_init(&j, stdout);
        json_arr(&j);
        for (size_t i = 0; i < n; i++)
            device_json(&j, &v[i], NULL);
        json_end_arr(&j);
        json_done(&j);
    } else {
        printf("%-16s %-6s %-16s %-24s %s\n", "DEVICE", "MODEL", "POOL", "SECURITY PROFILE", "LSC");
        for (size_t i = 0; i < n; i++)
            printf("%-16s %-6s %-16s %-24s %s\n", v[i].name, v[i].model, v[i].pool, v[i].profile,
                   v[i].has_lsc ? "Installed" : "None");
    }
    free(v);
    return EXIT_OK;
}

static int device_show(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_device v;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_device(c, cli_arg(a, 0), &v, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    pt_cluster_capf_get(c, v.name, &cur_capf, NULL);
    if (cli_on(a, "--json")) {
        json j;
        json_init(&j, stdout);
        device_json(&j, &v, &cur_capf);
        json_done(&j);
    } else {
        show_device(&v);
    }
    return EXIT_OK;
}

static int device_remove(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_device_remove(c, cli_arg(a, 0), &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    printf("Device %s removed\n", cli_arg(a, 0));
    return EXIT_OK;
}

static int device_set(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_device_set(c, cli_arg(a, 0), cli_arg(a, 1), cli_arg(a, 2), &d);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

#define DEVICE_CMD(fn)                                                                                             \
    int cmd_##fn(const cli_args *a) { return cli_with_cluster(a, 0, fn); }
DEVICE_CMD(device_add)
DEVICE_CMD(device_list)
DEVICE_CMD(device_show)
DEVICE_CMD(device_remove)
DEVICE_CMD(device_set)
DEVICE_CMD(device_cert)
DEVICE_CMD(device_report)
DEVICE_CMD(device_capf)
DEVICE_CMD(device_pool)
DEVICE_CMD(device_profile)

/* show itl-status [--json] [--node NODE] [--status Match|MisMatch|"Not Installed"|Unknown]:
 * each device's ITL against its TFTP server's, from the phones' verified
 * reports (guard.c), with the time of the last one. */
int cmd_itl_status(const cli_args *a)
{
    int as_json = cli_on(a, "--json"), want = -1;
    const char *node = cli_node; /* the global --node: that TFTP server's phones */
    const char *st = cli_str(a, "--status");
    for (int k = PT_ITL_MATCH; st && k <= PT_ITL_UNKNOWN; k++)
        if (!strcasecmp(st, pt_itl_status_name(k)))
            want = k;
    pt_cluster *c;
    int ex = cli_open_cluster(&c, NULL);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    pt_itl_status *v;
    size_t n;
    int rc = pt_cluster_itl_status(c, &v, &n, &d);
    pt_cluster_close(c);
    if (rc)
        return cli_fail(NULL, rc, &d);
    json j;
    size_t counts[4] = {0}, shown = 0;
    if (as_json) {
        json_init(&j, stdout);
        json_arr(&j);
    } else {
        printf("%-16s %-12s %-40s %-40s %-15s %s\n", "DEVICE", "TFTP SERVER", "PHONE ITL SHA1", "SERVER ITL SHA1",
               "ITL FILE STATUS", "LAST REPORT (UTC)");
    }
    for (size_t i = 0; i < n; i++) {
        if ((node && strcmp(v[i].node, node)) || (want >= 0 && v[i].status != want))
            continue;
        shown++;
        counts[v[i].status]++;
        char when[32] = "-";
        struct tm tm;
        if (v[i].reported && gmtime_r(&v[i].reported, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        if (as_json) {
            json_obj(&j);
            json_key(&j, "device"), json_str(&j, v[i].device);
            json_key(&j, "tftp_server"), json_str_or_null(&j, v[i].node);
            json_key(&j, "phone_itl_sha1"), json_str_or_null(&j, v[i].phone_sha1);
            json_key(&j, "server_itl_sha1"), json_str_or_null(&j, v[i].server_sha1);
            json_key(&j, "status"), json_str(&j, pt_itl_status_name(v[i].status));
            json_key(&j, "current"), json_bool(&j, v[i].current);
            json_key(&j, "last_report");
            if (v[i].reported) {
                strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
                json_str(&j, when);
            } else {
                json_null(&j);
            }
            json_end_obj(&j);
        } else {
            printf("%-16s %-12s %-40s %-40s %-15s %s\n", v[i].device, v[i].node[0] ? v[i].node : "-",
                   v[i].phone_sha1[0] ? v[i].phone_sha1 : "-", v[i].server_sha1[0] ? v[i].server_sha1 : "-",
                   pt_itl_status_name(v[i].status), when);
        }
    }
    if (as_json) {
        json_end_arr(&j);
        json_done(&j);
    } else {
        printf("\n%zu devices: %zu Match, %zu MisMatch, %zu Not Installed, %zu Unknown\n", shown, counts[0], counts[1],
               counts[2], counts[3]);
    }
    free(v);
    return EXIT_OK;
}
