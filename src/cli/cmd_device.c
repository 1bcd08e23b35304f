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

int cli_open_cluster_node(pt_cluster **c, pt_node *self);

static int device_add(pt_cluster *c, int argc, char **argv, pt_diag *d)
{
    const char *name = NULL, *model = NULL, *pool = NULL, *profile = NULL, *v;
    long count = 0;
    for (int i = 2; i < argc; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--model", &v))) model = v;
        else if ((m = cli_opt(argc, argv, &i, "--pool", &v))) pool = v;
        else if ((m = cli_opt(argc, argv, &i, "--profile", &v))) profile = v;
        else if ((m = cli_opt(argc, argv, &i, "--count", &v))) {
            if (m > 0 && cli_parse_int(v, 1, 1000000, &count))
                return cli_usage("device add: --count is 1 to 1000000");
        } else if (argv[i][0] == '-') return cli_usage("device add: unknown option %s", argv[i]);
        else if (!name) name = argv[i];
        else return cli_usage("device add: unexpected argument %s", argv[i]);
        if (m < 0)
            return cli_usage("device add: %s needs a value", argv[i]);
    }
    if (!name || !model)
        return cli_usage("device add SEP<MAC> --model MODEL [--pool NAME] [--profile NAME] | "
                         "device add SEP<MAC> --count N --model MODEL[,MODEL...] ...");
    int rc = count ? pt_cluster_device_add_range(c, name, (size_t)count, model, pool, profile, d)
                   : pt_cluster_device_add(c, name, model, pool, profile, d);
    if (rc)
        return cli_fail(NULL, rc, d);
    char canon[16];
    pt_device_name_valid(name, canon);
    if (count)
        printf("%ld devices added from %s (%s)\n", count, canon, model);
    else
        printf("Device %s added (%s)\n", canon, model);
    return EXIT_OK;
}

static pt_capf_op cur_capf;

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

static int device_cert(pt_cluster *c, int argc, char **argv, pt_diag *d)
{
    if (argc != 5 || (strcmp(argv[3], "lsc") && strcmp(argv[3], "mic")))
        return cli_usage("device cert SEP<MAC> lsc|mic FILE|--delete");
    X509 *x = NULL;
    int rc;
    if (strcmp(argv[4], "--delete") && (rc = pt_pem_load(argv[4], NULL, &x, d)))
        return cli_fail(NULL, rc, d);
    rc = pt_cluster_device_set_cert(c, argv[2], argv[3], x, d);
    X509_free(x);
    return rc ? cli_fail(NULL, rc, d) : EXIT_OK;
}

static int device_report(pt_cluster *c, int argc, char **argv, pt_diag *d)
{
    const char *name = NULL, *itl = NULL, *ctl = NULL, *tftp = NULL, *v;
    for (int i = 2; i < argc; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--itl-sha1", &v))) itl = v;
        else if ((m = cli_opt(argc, argv, &i, "--ctl-sha1", &v))) ctl = v;
        else if ((m = cli_opt(argc, argv, &i, "--tftp", &v))) tftp = v;
        else if (argv[i][0] == '-') return cli_usage("device report: unknown option %s", argv[i]);
        else if (!name) name = argv[i];
        else return cli_usage("device report: unexpected argument %s", argv[i]);
        if (m < 0)
            return cli_usage("device report: %s needs a value", argv[i]);
    }
    if (!name)
        return cli_usage("device report SEP<MAC> --itl-sha1 SHA1 [--ctl-sha1 SHA1] [--tftp HOST]");
    int rc = pt_cluster_device_report(c, name, itl, ctl, tftp, d);
    return rc ? cli_fail(NULL, rc, d) : EXIT_OK;
}

static int pool_or_profile(pt_cluster *c, int argc, char **argv, pt_diag *d)
{
    const char *v;
    if (argc < 3)
        return cli_usage("device %s NAME ...", argv[1]);
    int rc;
    if (!strcmp(argv[1], "pool")) {
        const char *group = NULL;
        for (int i = 3; i < argc; i++) {
            int m = cli_opt(argc, argv, &i, "--group", &v);
            if (m <= 0)
                return cli_usage("device pool NAME --group NODE[,NODE...]");
            group = v;
        }
        if (!group) {
            char g[256];
            if ((rc = pt_cluster_pool_group(c, argv[2], g, sizeof g, d)))
                return cli_fail(NULL, rc, d);
            printf("%s: CallManager group %s\n", argv[2], g);
            return EXIT_OK;
        }
        rc = pt_cluster_pool_set(c, argv[2], group, d);
        if (!rc)
            printf("Device pool %s: CallManager group %s\n", argv[2], group);
        return rc ? cli_fail(NULL, rc, d) : EXIT_OK;
    }
    pt_secprofile p;
    if (pt_cluster_profile(c, argv[2], &p, NULL)) {
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "%s", argv[2]);
        p.mode = PT_MODE_NON_SECURE;
        snprintf(p.capf_auth, sizeof p.capf_auth, "null-string");
    }
    for (int i = 3; i < argc; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--mode", &v)) > 0) {
            p.mode = !strcmp(v, "non-secure") ? PT_MODE_NON_SECURE : !strcmp(v, "authenticated") ? PT_MODE_AUTHENTICATED
                   : !strcmp(v, "encrypted") ? PT_MODE_ENCRYPTED : 0;
        } else if (!m && (m = cli_opt(argc, argv, &i, "--encrypted-config", &v)) > 0) {
            p.encrypted_config = !strcasecmp(v, "on") || !strcasecmp(v, "true");
        } else if (!m && (m = cli_opt(argc, argv, &i, "--capf-auth", &v)) > 0) {
            snprintf(p.capf_auth, sizeof p.capf_auth, "%s", v);
        } else {
            return cli_usage("device profile NAME [--mode non-secure|authenticated|encrypted] "
                             "[--encrypted-config on|off] [--capf-auth null-string|auth-string|lsc|mic|lsc-or-mic]");
        }
    }
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
static int device_capf(pt_cluster *c, int argc, char **argv, pt_diag *d)
{
    const char *name = NULL, *model = NULL, *v;
    pt_capf_op op;
    memset(&op, 0, sizeof op);
    snprintf(op.op, sizeof op.op, "install");
    for (int i = 2; i < argc; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--model", &v)) > 0) model = v;
        else if (!m && (m = cli_opt(argc, argv, &i, "--op", &v)) > 0) snprintf(op.op, sizeof op.op, "%s", v);
        else if (!m && (m = cli_opt(argc, argv, &i, "--auth", &v)) > 0) snprintf(op.auth, sizeof op.auth, "%s", v);
        else if (!m && (m = cli_opt(argc, argv, &i, "--password", &v)) > 0)
            snprintf(op.password, sizeof op.password, "%s", v);
        else if (!m && (m = cli_opt(argc, argv, &i, "--key", &v)) > 0) snprintf(op.key, sizeof op.key, "%s", v);
        else if (!m && (m = cli_opt(argc, argv, &i, "--deadline", &v)) > 0) {
            if (parse_deadline(v, &op.deadline))
                return cli_usage("--deadline %s: use \"YYYY-MM-DD HH:MM\", +Nd/+Nh/+Nm or Unix seconds", v);
        } else if (m < 0)
            return cli_usage("device capf: %s needs a value", argv[i]);
        else if (argv[i][0] == '-' || name)
            return cli_usage("device capf: unexpected argument %s", argv[i]);
        else
            name = argv[i];
    }
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

int cmd_device(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("device: expected add, list, show, set, cert, remove, report, pool or profile");
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster_node(&c, &self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    const char *sub = argv[1];
    int rc = PT_OK;
    if (!strcmp(sub, "add")) {
        ex = device_add(c, argc, argv, &d);
    } else if (!strcmp(sub, "list")) {
        pt_device *v;
        size_t n;
        if (!(rc = pt_cluster_devices(c, &v, &n, &d))) {
            printf("%-16s %-6s %-16s %-24s %s\n", "DEVICE", "MODEL", "POOL", "SECURITY PROFILE", "LSC");
            for (size_t i = 0; i < n; i++)
                printf("%-16s %-6s %-16s %-24s %s\n", v[i].name, v[i].model, v[i].pool, v[i].profile,
                       v[i].has_lsc ? "Installed" : "None");
            free(v);
        }
    } else if (!strcmp(sub, "show") && argc == 3) {
        pt_device v;
        if (!(rc = pt_cluster_device(c, argv[2], &v, &d))) {
            pt_cluster_capf_get(c, v.name, &cur_capf, NULL);
            show_device(&v);
        }
    } else if (!strcmp(sub, "remove") && argc == 3) {
        if (!(rc = pt_cluster_device_remove(c, argv[2], &d)))
            printf("Device %s removed\n", argv[2]);
    } else if (!strcmp(sub, "set") && argc == 5) {
        rc = pt_cluster_device_set(c, argv[2], argv[3], argv[4], &d);
    } else if (!strcmp(sub, "cert")) {
        ex = device_cert(c, argc, argv, &d);
    } else if (!strcmp(sub, "report")) {
        ex = device_report(c, argc, argv, &d);
    } else if (!strcmp(sub, "capf")) {
        ex = device_capf(c, argc, argv, &d);
    } else if (!strcmp(sub, "pool") || !strcmp(sub, "profile")) {
        ex = pool_or_profile(c, argc, argv, &d);
    } else {
        ex = cli_usage("device: expected add, list, show NAME, set NAME KEY VALUE, cert, remove NAME, report, "
                       "pool or profile");
    }
    pt_cluster_close(c);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

/* show itl-status [--json] [--node NODE] [--status Match|MisMatch|"Not Installed"|Unknown]:
 * each device's ITL against its TFTP server's, from the phones' verified
 * reports (guard.c), with the time of the last one. */
int cluster_itl_status(int argc, char **argv)
{
    int as_json = 0, want = -1;
    const char *node = cli_node; /* the global --node: that TFTP server's phones */
    for (int i = 2; i < argc; i++) {
        const char *v;
        int m;
        if (cli_flag(argv, i, "--json")) {
            as_json = 1;
        } else if ((m = cli_opt(argc, argv, &i, "--status", &v))) {
            for (int k = PT_ITL_MATCH; m > 0 && k <= PT_ITL_UNKNOWN; k++)
                if (!strcasecmp(v, pt_itl_status_name(k)))
                    want = k;
            if (m < 0 || want < 0)
                return cli_usage("show itl-status --status Match|MisMatch|\"Not Installed\"|Unknown");
        } else {
            return cli_usage("show itl-status [--json] [--node NODE] [--status STATUS]: unknown argument %s", argv[i]);
        }
    }
    pt_cluster *c;
    int ex = cli_open_cluster_node(&c, NULL);
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
            json_key(&j, "tftp_server"), v[i].node[0] ? json_str(&j, v[i].node) : json_null(&j);
            json_key(&j, "phone_itl_sha1"), v[i].phone_sha1[0] ? json_str(&j, v[i].phone_sha1) : json_null(&j);
            json_key(&j, "server_itl_sha1"), v[i].server_sha1[0] ? json_str(&j, v[i].server_sha1) : json_null(&j);
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
