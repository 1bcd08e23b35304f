/*
 * cmd_cluster.c - the administrator's commands on a cluster, spelled as on
 * CUCM (seeds 001, 003): install, node, show/set param, show/set cert,
 * utils itl reset, utils ctl (utils service: cmd_service.c).
 *
 * The global options --home DIR (or PHONETRUST_HOME) and --node HOST say
 * which cluster and whose command line this is (default: the publisher).
 */
#include "cli.h"
#include "json.h"

#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"
#include "phonetrust/sftp.h"
#include "phonetrust/trustlist.h"

#include <ctype.h>
#include <dirent.h>
#include <openssl/pem.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

const char *cli_home;     /* --home / PHONETRUST_HOME */
const char *cli_node;     /* --node */

const char *cli_home_dir(void)
{
    static char dflt[4096];
    if (cli_home)
        return cli_home;
    const char *env = getenv("PHONETRUST_HOME");
    if (env && *env)
        return env;
    /* the service user (the Debian package's): its home is the cluster home */
    struct passwd *pw = getpwuid(geteuid());
    if (pw && !strcmp(pw->pw_name, PT_SERVICE_USER) && pw->pw_dir && pw->pw_dir[0] == '/') {
        snprintf(dflt, sizeof dflt, "%s", pw->pw_dir);
        return dflt;
    }
    const char *home = getenv("HOME");
    snprintf(dflt, sizeof dflt, "%s/.phonetrust", home && *home ? home : ".");
    return dflt;
}


/* root on a home that belongs to the service user would leave files it
 * cannot read (a key, the WAL): refused, saying as whom to run */
static int home_owner_check(void)
{
    struct stat st;
    if (geteuid() != 0 || stat(cli_home_dir(), &st) != 0 || st.st_uid == 0)
        return EXIT_OK;
    struct passwd *pw = getpwuid(st.st_uid);
    char name[64];
    if (pw)
        snprintf(name, sizeof name, "%s", pw->pw_name);
    else
        snprintf(name, sizeof name, "uid %u", (unsigned)st.st_uid);
    fprintf(stderr,
            "phonetrust: the cluster home %s belongs to %s: run phonetrust as %s (sudo -u %s phonetrust ...), so "
            "every file it writes stays the service's\n",
            cli_home_dir(), name, name, pw ? pw->pw_name : "USER");
    return EXIT_REFUSED;
}

int cli_open_cluster(pt_cluster **c, pt_node *self)
{
    *c = NULL;
    int ex = home_owner_check();
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_open(cli_home_dir(), c, &d);
    if (!rc && self) {
        rc = cli_node ? pt_cluster_node(*c, cli_node, self, &d) : pt_cluster_publisher(*c, self, &d);
        if (rc) {
            pt_cluster_close(*c);
            *c = NULL;
        }
    }
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cli_require_publisher(const pt_node *self)
{
    if (!self->publisher) {
        fprintf(stderr, "This is not a publisher node\n");
        return EXIT_REFUSED;
    }
    return EXIT_OK;
}

int cli_with_cluster(const cli_args *a, int publisher_only, cli_cluster_fn fn)
{
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    if (!publisher_only || !(ex = cli_require_publisher(&self)))
        ex = fn(c, &self, a);
    pt_cluster_close(c);
    return ex;
}

/* ---- install ---- */

int cmd_install(const cli_args *a)
{
    pt_install in = {0};
    int ex;
    in.publisher = cli_str(a, "--publisher");
    in.domain = cli_str(a, "--domain");
    in.ip = cli_str(a, "--ip");
    in.org = cli_str(a, "--org");
    in.unit = cli_str(a, "--unit");
    in.locality = cli_str(a, "--locality");
    in.state = cli_str(a, "--state");
    in.country = cli_str(a, "--country");
    in.admin_password = cli_str(a, "--admin-password");
    in.security_password = cli_str(a, "--security-password");
    char *admin = NULL, *security = NULL;
    if (!in.admin_password)
        in.admin_password = admin = cli_read_secret("Administrator password: ");
    if (in.admin_password && !in.security_password)
        in.security_password = security = cli_read_secret("Cluster security password: ");
    int rc = PT_ERR_ARG;
    pt_diag d;
    pt_diag_clear(&d);
    if (!in.admin_password || !in.security_password)
        pt_diag_set(&d, PT_ERR_ARG, PT_NO_OFFSET, "install: no password given");
    else
        rc = pt_cluster_install(cli_home_dir(), &in, &d);
    cli_free_secret(admin);
    cli_free_secret(security);
    if (rc)
        return cli_fail("install", rc, &d);
    printf("Cluster home: %s\n", cli_home_dir());
    printf("Publisher %s (%s.%s, %s): certificates CallManager, CallManager-ECDSA, TVS, CAPF, ITLRecovery\n",
           in.publisher, in.publisher, in.domain, in.ip);
    /* a new cluster serves its ITL at once, as CUCM's does (seed 003): no
     * manual TFTP restart before the first phone */
    pt_cluster *c;
    if ((ex = cli_open_cluster(&c, NULL)))
        return ex;
    ex = cli_first_files(c, in.publisher);
    pt_cluster_close(c);
    return ex;
}

/* a new TFTP node's ITL and configuration files, built now */
int cli_first_files(pt_cluster *c, const char *node)
{
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_tftp_restart(c, node, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    printf("Cisco Tftp on %s: ITLFile.tlv and the configuration files are served\n", node);
    return EXIT_OK;
}

/* ---- node ---- */

static int node_list(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_node *nodes;
    size_t n;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_nodes(c, &nodes, &n, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    json j;
    if (cli_on(a, "--json")) {
        json_init(&j, stdout);
        json_arr(&j);
    } else {
        printf("%-24s %-16s %-10s %s\n", "NODE", "IP", "ROLE", "SERVICES");
    }
    for (size_t i = 0; i < n; i++) {
        char svc[64];
        pt_services_format(nodes[i].services, svc, sizeof svc);
        if (!cli_on(a, "--json")) {
            printf("%-24s %-16s %-10s %s\n", nodes[i].name, nodes[i].ip,
                   nodes[i].publisher ? "publisher" : "subscriber", svc);
            continue;
        }
        json_obj(&j);
        json_key(&j, "node");
        json_str(&j, nodes[i].name);
        json_key(&j, "ip");
        json_str(&j, nodes[i].ip);
        json_key(&j, "role");
        json_str(&j, nodes[i].publisher ? "publisher" : "subscriber");
        json_key(&j, "services");
        json_arr(&j);
        char *save = NULL;
        for (char *t = strtok_r(svc, ",", &save); t; t = strtok_r(NULL, ",", &save))
            json_str(&j, t);
        json_end_arr(&j);
        json_end_obj(&j);
    }
    if (cli_on(a, "--json")) {
        json_end_arr(&j);
        json_done(&j);
    }
    free(nodes);
    return EXIT_OK;
}

static int node_add(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *host = cli_arg(a, 0), *ip = cli_str(a, "--ip"), *services = cli_str(a, "--services");
    if (!services)
        services = "tftp,tvs,callmanager";
    int svc = pt_services_parse(services);
    if (svc < 0)
        return cli_usage("node add: --services %s: use tftp, tvs, callmanager", services);
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_node_add(c, host, ip, svc, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    printf("Node %s added (%s); certificates CallManager, CallManager-ECDSA, TVS, ITLRecovery\n", host, services);
    return svc & PT_SVC_TFTP ? cli_first_files(c, host) : EXIT_OK;
}

static int node_remove(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_node_remove(c, cli_arg(a, 0), &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    printf("Node %s removed\n", cli_arg(a, 0));
    return EXIT_OK;
}

int cmd_node_list(const cli_args *a)
{
    return cli_with_cluster(a, 0, node_list);
}

int cmd_node_add(const cli_args *a)
{
    return cli_with_cluster(a, 1, node_add);
}

int cmd_node_remove(const cli_args *a)
{
    return cli_with_cluster(a, 1, node_remove);
}

/* ---- show / set param ---- */

static void param_set_said(pt_cluster *c, const char *name)
{
    size_t n;
    const pt_param_def *defs = pt_cluster_param_defs(&n);
    printf("%s set\n", name);
    for (size_t i = 0; i < n; i++)
        if (defs[i].served && !strcasecmp(defs[i].name, name))
            cli_tftp_restart_hint(c, defs[i].name);
}

static int show_param(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *name = cli_arg(a, 0);
    int as_json = cli_on(a, "--json");
    size_t n;
    const pt_param_def *defs = pt_cluster_param_defs(&n);
    pt_diag d;
    pt_diag_clear(&d);
    char value[128];
    json j;
    json_init(&j, stdout);
    if (name) {
        int rc = pt_cluster_param_get(c, name, value, sizeof value, &d);
        if (rc)
            return cli_fail(NULL, rc, &d);
        if (as_json) {
            json_obj(&j);
            json_key(&j, "name");
            json_str(&j, name);
            json_key(&j, "value");
            json_str(&j, value);
            json_end_obj(&j);
            json_done(&j);
        } else {
            printf("%s\n", value);
        }
        return EXIT_OK;
    }
    if (as_json)
        json_arr(&j);
    for (size_t i = 0; i < n; i++) {
        pt_cluster_param_get(c, defs[i].name, value, sizeof value, NULL);
        if (!as_json) {
            printf("%-42s %s%s\n", defs[i].name, value, defs[i].read_only ? "   (read-only)" : "");
            continue;
        }
        json_obj(&j);
        json_key(&j, "name");
        json_str(&j, defs[i].name);
        json_key(&j, "value");
        json_str(&j, value);
        json_key(&j, "read_only");
        json_bool(&j, defs[i].read_only);
        json_end_obj(&j);
    }
    if (as_json) {
        json_end_arr(&j);
        json_done(&j);
    }
    return EXIT_OK;
}

static int set_param(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_param_set(c, cli_arg(a, 0), cli_arg(a, 1), &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    param_set_said(c, cli_arg(a, 0));
    return EXIT_OK;
}

int cmd_show_param(const cli_args *a)
{
    return cli_with_cluster(a, 0, show_param);
}

int cmd_set_param(const cli_args *a)
{
    return cli_with_cluster(a, 1, set_param);
}

/* ---- certificates ---- */

static void print_cert_line(const char *owner, const char *name, X509 *x, time_t modified)
{
    char *subject = pt_name_string(X509_get_subject_name(x), ',');
    uint8_t serial[64];
    size_t sn = 0;
    char hex[130], until[40] = "?";
    pt_cert_serial(x, serial, &sn);
    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm))
        strftime(until, sizeof until, "%Y-%m-%d", &tm);
    printf("%s/%s: %s, serial %s, expires %s%s\n", owner, name, subject ? subject : "?", pt_hex(serial, sn, hex),
           until, modified ? ", regenerated" : "");
    free(subject);
}

static const char *next_steps(const char *name)
{
    if (!strcmp(name, "CallManager"))
        return "Next steps (TFTP certificate regeneration):\n"
               "  1. If the cluster is in mixed mode: utils ctl update CTLFile\n"
               "  2. utils service restart \"Cisco Tftp\" on every node that runs it\n"
               "     (in mixed mode also Cisco CallManager, Cisco CTL Provider)\n"
               "  3. Reset all phones, and let them take the new ITL before you regenerate TVS\n"
               "  4. If the cluster takes part in cross-cluster mobility, repeat the bulk certificate provisioning\n"
               "  5. Take a new backup (utils disaster_recovery backup)\n";
    if (!strcmp(name, "TVS"))
        return "Next steps (TVS certificate regeneration):\n"
               "  1. utils service restart \"Cisco Tftp\" on every node that runs it\n"
               "  2. Reset all phones, and let them take the new ITL before you regenerate CallManager\n";
    if (!strcmp(name, "CAPF"))
        return "Next steps (CAPF certificate regeneration):\n"
               "  1. Restart the Cisco Certificate Authority Proxy Function service\n"
               "  2. utils service restart \"Cisco Tftp\" on every node that runs it\n"
               "  3. Reset all phones\n";
    if (!strcmp(name, "ITLRecovery"))
        return "Next steps (ITLRecovery certificate regeneration):\n"
               "  1. utils service restart \"Cisco Tftp\" on every node that runs it\n"
               "  2. Reset all devices (System > Enterprise Parameters > Reset)\n"
               "  3. Back up the new recovery key: file get tftp ITLRecovery.p12\n";
    return "Next steps:\n"
           "  1. utils service restart \"Cisco Tftp\" on every node that runs it\n"
           "  2. Reset all phones\n";
}

/* What the guard found (guard.c), as a refusal: the reason, the counts per
 * TFTP server, the devices not counted, the next step; then then_what
 * ("regenerate", "restart") once the phones have reported. */
int cli_guard_refused(const pt_guard *g, const char *why, const char *then_what)
{
    char counts[1024], never[96] = "", held[320] = "";
    pt_guard_counts(g, counts, sizeof counts);
    if (g->no_itl)
        snprintf(never, sizeof never, "(%zu device%s that never reported an ITL hold none and are not counted.)\n",
                 g->no_itl, g->no_itl == 1 ? "" : "s");
    if (g->reset_held)
        snprintf(held, sizeof held,
                 "%zu of them hold the ITL of 'utils itl reset': only the TVS they hold can vouch for the\n"
                 "CallManager-signed ITL that follows it. Restart \"Cisco Tftp\" on their TFTP server first and\n"
                 "let them take that ITL.\n",
                 g->reset_held);
    fprintf(stderr,
            "\n%s\n%s%s%s"
            "Next step: reset those phones and wait until 'show itl-status' shows them Match (a running\n"
            "serve takes their reports), then %s - or give --force to strand them.\n",
            why, counts, held, never, then_what);
    return EXIT_REFUSED;
}

/* --force over the guard: whom it strands (who: which phones, "" or more) */
void cli_guard_forced(const pt_guard *g, const char *who)
{
    char phones[256];
    pt_guard_phones(g, phones, sizeof phones);
    printf("\nWARNING: --force: %zu phone%s%s will be stranded (Trust List Update Failed; utils itl reset or\n"
           "a manual ITL erase brings them back): %s\n",
           g->at_risk, g->at_risk == 1 ? "" : "s", who, phones);
}

/* After utils itl reset, a TFTP restart puts CallManager back as the
 * signer: phones that have not taken the reset ITL would then be stranded
 * (guard.c).  Refused unless --force, which says whom it strands. */
int cli_tftp_restart_guard(pt_cluster *c, const pt_node *self, int force)
{
    pt_guard g;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_guard_tftp_restart(c, self->name, &g, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    if (!g.at_risk)
        return EXIT_OK;
    if (force) {
        cli_guard_forced(&g, " that have not taken the reset ITL");
        return EXIT_OK;
    }
    char phones[256], why[512];
    pt_guard_phones(&g, phones, sizeof phones);
    snprintf(why, sizeof why,
             "%s serves the reset ITL (utils itl reset): restarting Cisco Tftp now signs it with CallManager\n"
             "again and would strand %zu phone%s that have not taken the reset ITL yet: %s.",
             self->name, g.at_risk, g.at_risk == 1 ? "" : "s", phones);
    return cli_guard_refused(&g, why, "restart");
}

/* Seed 004's warning, and the CAPF operations the regeneration holds up. */
static void capf_warning(pt_cluster *c)
{
    printf("\nWARNING: Regenerating the CAPF certificate while the CAPF service is activated and started\n"
           "resets the phones (CSCue55353): do it in a maintenance window.\n");
    pt_guard g;
    pt_diag d;
    pt_diag_clear(&d);
    if (pt_cluster_capf_pending(c, &g, &d) || !g.at_risk)
        return;
    char phones[256];
    pt_guard_phones(&g, phones, sizeof phones);
    printf("%zu device%s ha%s a CAPF operation pending (%s): %s complete it only once %s an ITL\n"
           "with the new CAPF certificate - restart \"Cisco Certificate Authority Proxy Function\", then\n"
           "\"Cisco Tftp\" on every TFTP node, and reset %s.\n",
           g.at_risk, g.at_risk == 1 ? "" : "s", g.at_risk == 1 ? "s" : "ve", phones,
           g.at_risk == 1 ? "it can" : "they can", g.at_risk == 1 ? "it holds" : "they hold",
           g.at_risk == 1 ? "it" : "them");
}

static int cert_regen(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    const char *name = cli_arg(a, 0); /* one of the row's choices, spelled as CUCM does */
    int yes = cli_on(a, "--yes"), force = cli_on(a, "--force");
    if (!pt_cluster_cert_name_valid(name, self->publisher)) {
        fprintf(stderr, "%s exists on the publisher only\nThis is not a publisher node\n", name);
        return EXIT_REFUSED;
    }
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_regen_allowed(c, self->name, name, time(NULL), &d);
    if (rc && !force) {
        fprintf(stderr, "\n%s\n", d.msg);
        return EXIT_REFUSED;
    }
    if (rc && force)
        printf("\nWARNING: --force bypasses the 5-minute hold timer (%s).\n"
               "Regenerating the CallManager and the TVS certificate before the phones have\n"
               "taken the ITL of the first regeneration strands them: they show\n"
               "\"Trust List Update Failed\" and need utils itl reset or a manual ITL erase.\n",
               strchr(d.msg, '\n') ? "CallManager/TVS modified less than 5 minutes ago" : d.msg);
    /* the phones' own reports: who would be stranded */
    pt_guard g;
    rc = pt_cluster_regen_strands(c, self->name, name, &g, &d);
    if (rc && rc != PT_ERR_REFUSED)
        return cli_fail(NULL, rc, &d);
    if (rc && !force)
        return cli_guard_refused(&g, d.msg, "regenerate");
    if (rc)
        cli_guard_forced(&g, "");
    if (!strcmp(name, PT_CERT_CAPF))
        capf_warning(c);
    printf("\nWARNING: This operation will overwrite any CA signed certificate\n"
           "previously imported for %s\n", name);
    if (!yes && !cli_ask_yes("Proceed with regeneration (yes|no)? ", "yes")) {
        printf("\nCertificate regeneration cancelled\n");
        return EXIT_REFUSED;
    }
    if (yes)
        printf("Proceed with regeneration (yes|no)? yes\n");
    rc = pt_cluster_cert_regen(c, self->name, name, force, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    printf("\n\nSuccessfully Regenerated Certificate for %s.\n"
           "Please do a backup of the server as soon as possible. Failure to do\n"
           "so can stale the cluster in case of a crash.\n"
           "You must restart services related to %s for the regenerated\n"
           "certificates to become active.\n\n%s",
           name, name,
           !strcmp(name, PT_CERT_ITLRECOVERY) && !self->publisher
               ? "Only the publisher's ITLRecovery is in the ITL files of the cluster: the phones are not\n"
                 "reset, and nothing needs restarting.\n"
               : next_steps(name));
    return EXIT_OK;
}

static void cert_json(json *j, const char *owner, const char *name, X509 *x, time_t modified)
{
    char *subject = pt_name_string(X509_get_subject_name(x), ',');
    uint8_t serial[64];
    size_t sn = 0;
    char hex[130];
    pt_cert_serial(x, serial, &sn);
    json_obj(j);
    json_key(j, "owner");
    json_str(j, owner);
    json_key(j, "name");
    json_str(j, name);
    json_key(j, "subject");
    json_str(j, subject ? subject : "");
    json_key(j, "serial");
    json_str(j, pt_hex(serial, sn, hex));
    const ASN1_TIME *na = X509_get0_notAfter(x);
    struct tm tm;
    char when[32] = "";
    if (ASN1_TIME_to_tm(na, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_key(j, "not_after");
    json_str(j, when);
    json_key(j, "modified");
    if (modified)
        json_int(j, (long long)modified);
    else
        json_null(j);
    json_end_obj(j);
    free(subject);
}

static int show_cert_own(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    const char *name = cli_arg(a, 0);
    if (!pt_cluster_cert_name_valid(name, self->publisher))
        return cli_usage("show cert own %s: unknown certificate on node %s", name, self->name);
    pt_diag d;
    pt_diag_clear(&d);
    X509 *x;
    int rc = pt_cluster_cert(c, self->name, name, &x, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    if (cli_on(a, "--json")) {
        json j;
        json_init(&j, stdout);
        cert_json(&j, self->name, name, x, pt_cluster_cert_modified(c, self->name, name));
        json_done(&j);
    } else {
        PEM_write_X509(stdout, x);
    }
    X509_free(x);
    return EXIT_OK;
}

static int show_cert_list(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    int as_json = cli_on(a, "--json");
    pt_node *nodes;
    size_t n;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_nodes(c, &nodes, &n, &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    json j;
    json_init(&j, stdout);
    if (as_json)
        json_arr(&j);
    static const char *const names[] = {"CallManager", "CallManager-ECDSA", "TVS", "CAPF", "ITLRecovery"};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 5; k++) {
            X509 *x;
            if (!pt_cluster_cert_name_valid(names[k], nodes[i].publisher) ||
                pt_cluster_cert(c, nodes[i].name, names[k], &x, NULL))
                continue;
            time_t m = pt_cluster_cert_modified(c, nodes[i].name, names[k]);
            if (as_json)
                cert_json(&j, nodes[i].name, names[k], x, m);
            else
                print_cert_line(nodes[i].name, names[k], x, m);
            X509_free(x);
        }
    free(nodes);
    pt_trust_entry *t;
    size_t nt;
    if (!(rc = pt_cluster_trust_list(c, &t, &nt, &d))) {
        for (size_t i = 0; i < nt; i++) {
            if (as_json)
                cert_json(&j, t[i].purpose, t[i].name, t[i].cert, 0);
            else
                print_cert_line(t[i].purpose, t[i].name, t[i].cert, 0);
        }
        pt_trust_entries_free(t, nt);
    }
    if (as_json) {
        json_end_arr(&j);
        json_done(&j);
    }
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cmd_show_cert_own(const cli_args *a)
{
    return cli_with_cluster(a, 0, show_cert_own);
}

int cmd_show_cert_list(const cli_args *a)
{
    return cli_with_cluster(a, 0, show_cert_list);
}

int cmd_cert_regen(const cli_args *a)
{
    return cli_with_cluster(a, 0, cert_regen);
}

static int cert_import(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    const char *purpose = cli_arg(a, 0), *file = cli_arg(a, 1), *name = cli_str(a, "--name");
    int ex;
    if (!pt_trust_purpose_valid(purpose))
        return cli_usage("set cert import: unknown purpose %s (CallManager-trust, Phone-SAST-trust, CAPF-trust, "
                         "Phone-trust, ...)", purpose);
    X509 *x;
    char base[128];
    if ((ex = cli_load_named_cert(file, name, &x, base, sizeof base)))
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_trust_import(c, purpose, base, x, &d);
    X509_free(x);
    if (rc)
        return cli_fail(NULL, rc, &d);
    printf("Successfully imported certificate %s as %s\n", base, purpose);
    return EXIT_OK;
}

static int cert_delete(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    (void)self;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_trust_delete(c, cli_arg(a, 0), cli_arg(a, 1), &d);
    if (rc)
        return cli_fail(NULL, rc, &d);
    printf("Successfully deleted certificate %s from %s\n", cli_arg(a, 1), cli_arg(a, 0));
    return EXIT_OK;
}

int cmd_cert_import(const cli_args *a)
{
    return cli_with_cluster(a, 1, cert_import);
}

int cmd_cert_delete(const cli_args *a)
{
    return cli_with_cluster(a, 1, cert_delete);
}

/* The node's served trust list, for `show itl` / `show ctl` without a file. */
int cluster_tftp_file(const char *file, char *out, size_t n)
{
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    char dir[4096];
    pt_cluster_tftp_dir(c, self.name, dir, sizeof dir);
    snprintf(out, n, "%s/%s", dir, file);
    pt_cluster_close(c);
    return EXIT_OK;
}

int cmd_show_alerts(const cli_args *a)
{
    pt_cluster *c;
    int ex = cli_open_cluster(&c, NULL);
    if (ex)
        return ex;
    char text[2048];
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_alerts(c, text, sizeof text, &d);
    if (!rc && cli_on(a, "--json")) {
        /* one alert per line of the text */
        json j;
        json_init(&j, stdout);
        json_arr(&j);
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            json_str(&j, l);
        json_end_arr(&j);
        json_done(&j);
    } else if (!rc) {
        fputs(text[0] ? text : "No alerts\n", stdout);
    }
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cluster_ctl_stale(void)
{
    pt_cluster *c;
    if (pt_cluster_open(cli_home_dir(), &c, NULL))
        return 0;
    int stale = pt_cluster_security_mode(c) == 0;
    pt_cluster_close(c);
    return stale;
}

/* run sql: the one query administrators type out of habit (seed 002) */
int cmd_run(const cli_args *a)
{
    char q[1024];
    snprintf(q, sizeof q, "%s", cli_arg(a, 0));
    /* compare with whitespace removed, case-insensitively */
    char norm[1024];
    size_t k = 0;
    for (size_t i = 0; q[i] && k < sizeof norm - 1; i++)
        if (q[i] != ' ' && q[i] != '\t')
            norm[k++] = (char)tolower((unsigned char)q[i]);
    norm[k] = '\0';
    if (strcmp(norm, "selectparamname,paramvaluefromprocessconfigwhereparamname='clustersecuritymode'"))
        return cli_usage("run sql: only \"select paramname,paramvalue from processconfig where "
                         "paramname='ClusterSecurityMode'\" is answered here");
    pt_cluster *c;
    int ex = cli_open_cluster(&c, NULL);
    if (ex)
        return ex;
    printf("paramname           paramvalue\n=================== ==========\nClusterSecurityMode %d\n",
           pt_cluster_security_mode(c));
    pt_cluster_close(c);
    return EXIT_OK;
}

