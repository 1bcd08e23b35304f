/*
 * cmd_cluster.c - the administrator's commands on a cluster, spelled as on
 * CUCM (seeds 001, 003): install, node, show/set param, show/set cert,
 * utils itl reset, utils ctl (utils service: cmd_service.c).
 *
 * The global options --home DIR (or PHONETRUST_HOME) and --node HOST say
 * which cluster and whose command line this is (default: the publisher).
 */
#include "cli.h"

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

int cli_open_cluster(pt_cluster **c, pt_node *self);
int cli_open_cluster_node(pt_cluster **c, pt_node *self) { return cli_open_cluster(c, self); }

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

/* Reads a line from the terminal without echo, or from standard input. */
static int require_publisher(const pt_node *self)
{
    if (!self->publisher) {
        fprintf(stderr, "This is not a publisher node\n");
        return EXIT_REFUSED;
    }
    return EXIT_OK;
}

/* ---- install ---- */

int cmd_install(int argc, char **argv)
{
    pt_install in = {0};
    const char *v;
    int ex = EXIT_OK;
    for (int i = 1; i < argc && !ex; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--publisher", &v))) in.publisher = v;
        else if ((m = cli_opt(argc, argv, &i, "--domain", &v))) in.domain = v;
        else if ((m = cli_opt(argc, argv, &i, "--ip", &v))) in.ip = v;
        else if ((m = cli_opt(argc, argv, &i, "--org", &v))) in.org = v;
        else if ((m = cli_opt(argc, argv, &i, "--unit", &v))) in.unit = v;
        else if ((m = cli_opt(argc, argv, &i, "--locality", &v))) in.locality = v;
        else if ((m = cli_opt(argc, argv, &i, "--state", &v))) in.state = v;
        else if ((m = cli_opt(argc, argv, &i, "--country", &v))) in.country = v;
        else if ((m = cli_opt(argc, argv, &i, "--admin-password", &v))) in.admin_password = v;
        else if ((m = cli_opt(argc, argv, &i, "--security-password", &v))) in.security_password = v;
        else ex = cli_usage("install: unexpected argument %s", argv[i]);
        if (m < 0)
            ex = cli_usage("install: %s needs a value", argv[i]);
    }
    if (ex)
        return ex;
    if (!in.publisher || !in.domain || !in.ip)
        return cli_usage("install: usage: install --publisher HOST --domain DOMAIN --ip ADDR [--org O ...]");
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

int cmd_node(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("node: expected add, list or remove");
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    if (!strcmp(argv[1], "list")) {
        pt_node *nodes;
        size_t n;
        rc = pt_cluster_nodes(c, &nodes, &n, &d);
        if (!rc) {
            printf("%-24s %-16s %-10s %s\n", "NODE", "IP", "ROLE", "SERVICES");
            for (size_t i = 0; i < n; i++) {
                char svc[64];
                pt_services_format(nodes[i].services, svc, sizeof svc);
                printf("%-24s %-16s %-10s %s\n", nodes[i].name, nodes[i].ip,
                       nodes[i].publisher ? "publisher" : "subscriber", svc);
            }
            free(nodes);
        }
    } else if (!strcmp(argv[1], "add") || !strcmp(argv[1], "remove")) {
        const char *host = NULL, *ip = NULL, *services = "tftp,tvs,callmanager", *v;
        for (int i = 2; i < argc && !ex; i++) {
            int m;
            if ((m = cli_opt(argc, argv, &i, "--ip", &v))) ip = v;
            else if ((m = cli_opt(argc, argv, &i, "--services", &v))) services = v;
            else if (argv[i][0] == '-') ex = cli_usage("node %s: unknown option %s", argv[1], argv[i]);
            else if (!host) host = argv[i];
            else ex = cli_usage("node %s: unexpected argument %s", argv[1], argv[i]);
            if (m < 0)
                ex = cli_usage("node %s: %s needs a value", argv[1], argv[i]);
        }
        if (!ex && !host)
            ex = cli_usage("node %s: which host?", argv[1]);
        if (!ex)
            ex = require_publisher(&self);
        if (!ex && !strcmp(argv[1], "add")) {
            int svc = pt_services_parse(services);
            if (svc < 0)
                ex = cli_usage("node add: --services %s: use tftp, tvs, callmanager", services);
            else if (!(rc = pt_cluster_node_add(c, host, ip, svc, &d))) {
                printf("Node %s added (%s); certificates CallManager, CallManager-ECDSA, TVS, ITLRecovery\n", host, services);
                if (svc & PT_SVC_TFTP)
                    ex = cli_first_files(c, host);
            }
        } else if (!ex) {
            if (!(rc = pt_cluster_node_remove(c, host, &d)))
                printf("Node %s removed\n", host);
        }
    } else {
        ex = cli_usage("node %s: expected add, list or remove", argv[1]);
    }
    pt_cluster_close(c);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
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

static int show_param(pt_cluster *c, const char *name)
{
    size_t n;
    const pt_param_def *defs = pt_cluster_param_defs(&n);
    pt_diag d;
    pt_diag_clear(&d);
    char value[128];
    if (name) {
        int rc = pt_cluster_param_get(c, name, value, sizeof value, &d);
        if (rc)
            return cli_fail(NULL, rc, &d);
        printf("%s\n", value);
        return EXIT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        pt_cluster_param_get(c, defs[i].name, value, sizeof value, NULL);
        printf("%-42s %s%s\n", defs[i].name, value, defs[i].read_only ? "   (read-only)" : "");
    }
    return EXIT_OK;
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

static int cert_regen(pt_cluster *c, const pt_node *self, int argc, char **argv)
{
    const char *name = NULL;
    int yes = 0, force = 0;
    for (int i = 3; i < argc; i++) {
        if (cli_flag(argv, i, "--yes"))
            yes = 1;
        else if (cli_flag(argv, i, "--force"))
            force = 1;
        else if (argv[i][0] == '-')
            return cli_usage("set cert regen: unknown option %s", argv[i]);
        else if (!name)
            name = argv[i];
        else
            return cli_usage("set cert regen: one certificate at a time");
    }
    if (!name)
        return cli_usage("set cert regen NAME: CallManager, CallManager-ECDSA, TVS, CAPF or ITLRecovery");
    if (!pt_cluster_cert_name_valid(name, 1))
        return cli_usage("set cert regen %s: unknown certificate (CallManager, CallManager-ECDSA, TVS, CAPF, "
                         "ITLRecovery)", name);
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

int cluster_show_cert(int argc, char **argv)
{
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    if (argc >= 3 && !strcmp(argv[2], "own")) {
        if (argc != 4)
            ex = cli_usage("show cert own NAME");
        else if (!pt_cluster_cert_name_valid(argv[3], self.publisher))
            ex = cli_usage("show cert own %s: unknown certificate on node %s", argv[3], self.name);
        else {
            X509 *x;
            if (!(rc = pt_cluster_cert(c, self.name, argv[3], &x, &d))) {
                PEM_write_X509(stdout, x);
                X509_free(x);
            }
        }
    } else if (argc == 3 && !strcmp(argv[2], "list")) {
        pt_node *nodes;
        size_t n;
        if (!(rc = pt_cluster_nodes(c, &nodes, &n, &d))) {
            static const char *const names[] = {"CallManager", "CallManager-ECDSA", "TVS", "CAPF", "ITLRecovery"};
            for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < 5; k++) {
                    X509 *x;
                    if (!pt_cluster_cert_name_valid(names[k], nodes[i].publisher) ||
                        pt_cluster_cert(c, nodes[i].name, names[k], &x, NULL))
                        continue;
                    print_cert_line(nodes[i].name, names[k], x, pt_cluster_cert_modified(c, nodes[i].name, names[k]));
                    X509_free(x);
                }
            free(nodes);
            pt_trust_entry *t;
            size_t nt;
            if (!(rc = pt_cluster_trust_list(c, &t, &nt, &d))) {
                for (size_t i = 0; i < nt; i++)
                    print_cert_line(t[i].purpose, t[i].name, t[i].cert, 0);
                pt_trust_entries_free(t, nt);
            }
        }
    } else {
        ex = cli_usage("show cert: expected 'show cert list' or 'show cert own NAME'");
    }
    pt_cluster_close(c);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

static int cert_import(pt_cluster *c, int argc, char **argv)
{
    const char *purpose, *file, *name;
    int ex = cli_kind_file_name(argc, argv, 3, "set cert import", "set cert import PURPOSE FILE [--name NAME]",
                                &purpose, &file, &name);
    if (ex)
        return ex;
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

int cluster_set(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("set: expected 'set param' or 'set cert'");
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    if (!strcmp(argv[1], "param")) {
        if (argc != 4)
            ex = cli_usage("set param NAME VALUE (quote names with spaces)");
        else if (!(ex = require_publisher(&self)) && !(rc = pt_cluster_param_set(c, argv[2], argv[3], &d)))
            param_set_said(c, argv[2]);
    } else if (!strcmp(argv[1], "cert") && argc >= 3 && !strcmp(argv[2], "regen")) {
        ex = cert_regen(c, &self, argc, argv);
    } else if (!strcmp(argv[1], "cert") && argc >= 3 && !strcmp(argv[2], "import")) {
        ex = require_publisher(&self);
        if (!ex)
            ex = cert_import(c, argc, argv);
    } else if (!strcmp(argv[1], "itl")) {
        if (!(ex = require_publisher(&self)))
            ex = cluster_itl_records(c, argc - 1, argv + 1);
    } else if (!strcmp(argv[1], "cert") && argc >= 3 && !strcmp(argv[2], "delete")) {
        if (argc != 5)
            ex = cli_usage("set cert delete PURPOSE NAME");
        else if (!(ex = require_publisher(&self)) && !(rc = pt_cluster_trust_delete(c, argv[3], argv[4], &d)))
            printf("Successfully deleted certificate %s from %s\n", argv[4], argv[3]);
    } else {
        ex = cli_usage("set %s: expected 'set param NAME VALUE', 'set cert regen|import|delete ...', "
                       "'set itl record add|delete ...'", argv[1]);
    }
    pt_cluster_close(c);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cluster_show_param(int argc, char **argv)
{
    pt_cluster *c;
    int ex = cli_open_cluster(&c, NULL);
    if (ex)
        return ex;
    ex = argc > 3 ? cli_usage("show param [NAME] (quote names with spaces)") : show_param(c, argc == 3 ? argv[2] : NULL);
    pt_cluster_close(c);
    return ex;
}

int cluster_show_itl_records(void)
{
    pt_cluster *c;
    int ex = cli_open_cluster(&c, NULL);
    if (ex)
        return ex;
    char *args[] = {"itl", "records"};
    ex = cluster_itl_records(c, 2, args);
    pt_cluster_close(c);
    return ex;
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

/* ---- SFTP (file get, remotekey) ---- */

/* Consumes an SFTP option at argv[*i]; 1 when it was one. */
static int sftp_opt(int argc, char **argv, int *i, pt_sftp *s, int *ex)
{
    const char *v;
    int m;
    long port;
    if ((m = cli_opt(argc, argv, i, "--port", &v)) > 0) {
        if (cli_parse_int(v, 1, 65535, &port))
            *ex = cli_usage("--port %s: use 1-65535", v);
        s->port = (int)port;
    } else if (!m && (m = cli_opt(argc, argv, i, "--identity", &v)) > 0) {
        s->identity = v;
    } else if (!m && (m = cli_opt(argc, argv, i, "--known-hosts", &v)) > 0) {
        s->known_hosts = v;
    } else if (!m && cli_flag(argv, *i, "--accept-host-key")) {
        s->accept_new = 1;
        m = 1;
    }
    if (m < 0)
        *ex = cli_usage("%s needs a value", argv[*i]);
    return m != 0;
}

/* file get tftp ITLRecovery.p12 (M19, seed 001) */
/* file delete tftp CTLFile.tlv (seed 002), on the current node */
static int file_delete(int argc, char **argv)
{
    int ctl = argc == 4 && ((!strcmp(argv[2], "tftp") && !strcmp(argv[3], "CTLFile.tlv")) ||
                            (!strcmp(argv[2], "activelog") && !strcmp(argv[3], "cm/tftpdata/CTLFile.tlv")));
    if (!ctl)
        return cli_usage("file delete tftp CTLFile.tlv (the only file deleted here)");
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK, found = 0;
    if (!cli_ask_yes("Delete the File CTLFile.tlv?\nEnter \"y\" followed by return to continue: ", "y")) {
        pt_cluster_close(c);
        return EXIT_REFUSED;
    }
    rc = pt_cluster_delete_ctl(c, self.name, &found, &d);
    if (!rc)
        printf("files: found = %d, deleted = %d\n", found, found);
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cluster_file(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "delete"))
        return file_delete(argc, argv);
    if (argc < 4 || strcmp(argv[1], "get") || strcmp(argv[2], "tftp"))
        return cli_usage("file get tftp ITLRecovery.p12 [--server HOST] [--port N] [--user USER] [--dir DIR] "
                         "[--identity KEY] [--known-hosts FILE] [--accept-host-key] [--yes]");
    pt_sftp s = {0};
    const char *server = NULL, *user = NULL, *dir = NULL, *v;
    int yes = 0, ex = EXIT_OK;
    for (int i = 4; i < argc && !ex; i++) {
        int m = 0;
        if (sftp_opt(argc, argv, &i, &s, &ex)) continue;
        else if ((m = cli_opt(argc, argv, &i, "--server", &v))) server = v;
        else if ((m = cli_opt(argc, argv, &i, "--user", &v))) user = v;
        else if ((m = cli_opt(argc, argv, &i, "--dir", &v))) dir = v;
        else if (cli_flag(argv, i, "--yes")) yes = 1;
        else ex = cli_usage("file get: unexpected argument %s", argv[i]);
        if (m < 0)
            ex = cli_usage("file get: %s needs a value", argv[i]);
    }
    if (ex)
        return ex;
    pt_cluster *c;
    pt_node self;
    if ((ex = cli_open_cluster(&c, &self)))
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    /* the .p12 password derives from it: cluster.db alone does not open the file */
    int found = !strcmp(argv[3], "ITLRecovery.p12") && self.publisher;
    char *secpw = found ? cli_read_secret("Enter the cluster security password:") : NULL;
    printf("Please wait while the system is gathering files info ...");
    if (!found) {
        /* the recovery key lives on the publisher only (001) */
        printf("done.\nFile not found\n");
        pt_cluster_close(c);
        return EXIT_IO;
    }
    pt_buf p12;
    pt_buf_init(&p12);
    int rc = pt_cluster_itlrecovery_p12(c, secpw, &p12, &d);
    cli_free_secret(secpw);
    char *srv = NULL, *port = NULL, *uid = NULL, *pw = NULL, *ddir = NULL;
    if (!rc) {
        printf("done.\nSub-directories were not traversed.\nNumber of files affected: 1\n"
               "Total size in Bytes: %zu\nTotal size in Kbytes: %.8g\n", p12.len, p12.len / 1024.0);
        if (!yes) {
            char *a = cli_ask_line("Would you like to proceed [y/n]? ", NULL);
            int go = a && (!strcasecmp(a, "y") || !strcasecmp(a, "yes"));
            free(a);
            if (!go) {
                printf("Cancelled\n");
                pt_buf_free(&p12);
                pt_cluster_close(c);
                return EXIT_REFUSED;
            }
        } else {
            printf("Would you like to proceed [y/n]? y\n");
        }
        s.host = server ? server : (srv = cli_ask_line("SFTP server IP: ", NULL));
        if (!s.port) {
            port = cli_ask_line("SFTP server port [22]: ", "22");
            long pn;
            s.port = port && !cli_parse_int(port, 1, 65535, &pn) ? (int)pn : 22;
        }
        s.user = user ? user : (uid = cli_ask_line("User ID: ", NULL));
        if (!s.identity)
            s.password = pw = cli_read_secret("Password: ");
        const char *target = dir ? dir : (ddir = cli_ask_line("Download directory: ", NULL));
        char remote[1024];
        snprintf(remote, sizeof remote, "%s%sITLRecovery.p12", target ? target : "",
                 target && *target && target[strlen(target) - 1] != '/' ? "/" : "");
        rc = pt_sftp_put(&s, remote, p12.data, p12.len, &d);
        if (!rc) {
            printf(".\nTransfer completed.\nDownloading file: ITLRecovery.p12\n");
            rc = pt_cluster_itlrecovery_backed_up(c, &d);
        }
    }
    free(srv);
    free(port);
    free(uid);
    free(ddir);
    if (pw) {
        pt_wipe(pw, strlen(pw));
        free(pw);
    }
    pt_buf_free(&p12);
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cluster_show_alerts(void)
{
    pt_cluster *c;
    int ex = cli_open_cluster(&c, NULL);
    if (ex)
        return ex;
    char text[2048];
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_alerts(c, text, sizeof text, &d);
    if (!rc)
        fputs(text[0] ? text : "No alerts\n", stdout);
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

/* ---- bulk certificates (M20): a local directory or sftp://user@host[:port]/path ---- */

typedef struct location {
    char dir[1024];
    int remote;
    pt_sftp s;
    char host[256], user[128];
} location;

static int parse_location(const char *arg, location *l)
{
    memset(l, 0, sizeof *l);
    if (strncmp(arg, "sftp://", 7)) {
        snprintf(l->dir, sizeof l->dir, "%s", arg);
        return EXIT_OK;
    }
    const char *p = arg + 7, *at = strchr(p, '@'), *slash;
    if (!at || !(slash = strchr(at, '/')))
        return cli_usage("%s: use sftp://USER@HOST[:PORT]/PATH", arg);
    snprintf(l->user, sizeof l->user, "%.*s", (int)(at - p), p);
    snprintf(l->host, sizeof l->host, "%.*s", (int)(slash - at - 1), at + 1);
    char *colon = strrchr(l->host, ':');
    if (colon) {
        long port;
        if (cli_parse_int(colon + 1, 1, 65535, &port))
            return cli_usage("%s: bad port", arg);
        *colon = '\0';
        l->s.port = (int)port;
    }
    snprintf(l->dir, sizeof l->dir, "%s", slash);
    l->remote = 1;
    l->s.host = l->host;
    l->s.user = l->user;
    return EXIT_OK;
}

static int loc_put(location *l, const char *name, const pt_buf *b, pt_diag *d)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", l->dir, name);
    return l->remote ? pt_sftp_put(&l->s, path, b->data, b->len, d) : pt_file_write_atomic(path, b->data, b->len, 0644, d);
}

static int loc_get(location *l, const char *name, pt_buf *b, pt_diag *d)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", l->dir, name);
    if (l->remote)
        return pt_sftp_get(&l->s, path, b, 1 << 20, d);
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(path, &data, &len, 1 << 20, d);
    if (!rc) {
        pt_buf_put(b, data, len);
        free(data);
    }
    return rc ? pt_diag_prefix(d, rc, "%s", path) : PT_OK;
}

static int loc_list(location *l, pt_buf *names, pt_diag *d)
{
    if (l->remote)
        return pt_sftp_list(&l->s, l->dir, names, d);
    DIR *dir = opendir(l->dir);
    if (!dir)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "%s: cannot open the directory", l->dir);
    struct dirent *e;
    while ((e = readdir(dir))) {
        pt_buf_put(names, e->d_name, strlen(e->d_name));
        pt_buf_put_u8(names, '\n');
    }
    closedir(dir);
    return PT_OK;
}

static int bulk_cert(int argc, char **argv)
{
    if (argc < 4)
        return cli_usage("utils bulk-cert export|consolidate|import DIR|sftp://USER@HOST[:PORT]/PATH "
                         "[--identity KEY] [--known-hosts FILE] [--accept-host-key]");
    location l;
    int ex = parse_location(argv[3], &l);
    for (int i = 4; !ex && i < argc; i++)
        if (!sftp_opt(argc, argv, &i, &l.s, &ex))
            ex = cli_usage("utils bulk-cert: unexpected argument %s", argv[i]);
    if (ex)
        return ex;
    char *pw = NULL;
    if (l.remote && !l.s.identity)
        l.s.password = pw = cli_read_secret("Enter Sftp password :");
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    pt_buf b;
    pt_buf_init(&b);
    if (!strcmp(argv[2], "consolidate")) {
        pt_buf names;
        pt_buf_init(&names);
        rc = loc_list(&l, &names, &d);
        pt_buf bundles[64];
        size_t nb = 0;
        char *save = NULL;
        pt_buf_put_u8(&names, 0);
        for (char *n = rc ? NULL : strtok_r((char *)names.data, "\r\n", &save); !rc && n && nb < 64;
             n = strtok_r(NULL, "\r\n", &save)) {
            size_t k = strlen(n);
            if (k < 5 || strcmp(n + k - 4, ".pem") || !strcmp(n, "consolidated.pem"))
                continue;
            pt_buf_init(&bundles[nb]);
            rc = loc_get(&l, n, &bundles[nb], &d);
            nb++;
        }
        if (!rc && nb == 0)
            rc = pt_diag_set(&d, PT_ERR_NOT_FOUND, PT_NO_OFFSET, "%s holds no exported certificates (*.pem)", argv[3]);
        if (!rc)
            rc = pt_bulk_consolidate(bundles, nb, &b, &d);
        if (!rc)
            rc = loc_put(&l, "consolidated.pem", &b, &d);
        if (!rc)
            printf("Consolidated %zu cluster export%s into consolidated.pem\n", nb, nb == 1 ? "" : "s");
        for (size_t i = 0; i < nb; i++)
            pt_buf_free(&bundles[i]);
        pt_buf_free(&names);
    } else if (!strcmp(argv[2], "export") || !strcmp(argv[2], "import")) {
        pt_cluster *c = NULL;
        pt_node self;
        if ((ex = cli_open_cluster(&c, &self)) == EXIT_OK && (ex = require_publisher(&self)) == EXIT_OK) {
            if (!strcmp(argv[2], "export")) {
                char name[512];
                rc = pt_cluster_bulk_export(c, &b, name, sizeof name, &d);
                if (!rc)
                    rc = loc_put(&l, name, &b, &d);
                if (!rc)
                    printf("Exported the TFTP certificates of this cluster as %s\n", name);
            } else {
                int n = 0;
                rc = loc_get(&l, "consolidated.pem", &b, &d);
                if (!rc)
                    rc = pt_cluster_bulk_import(c, b.data, b.len, &n, &d);
                if (!rc)
                    printf("Imported %d certificate%s of other clusters into Phone-SAST-trust and "
                           "CallManager-trust\n", n, n == 1 ? "" : "s");
            }
        }
        if (c)
            pt_cluster_close(c);
    } else {
        ex = cli_usage("utils bulk-cert export|consolidate|import LOCATION");
    }
    pt_buf_free(&b);
    cli_free_secret(pw);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

/* ---- the CTL (M9, seed 002) ---- */

static const char restart_reminder[] =
    "Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services\n";

static int build_and_install_ctl(pt_cluster *c, pt_diag *d)
{
    pt_buf ctl;
    pt_buf_init(&ctl);
    int rc = pt_cluster_build_ctl(c, NULL, NULL, 0, &ctl, d);
    if (!rc)
        rc = pt_cluster_install_ctl(c, ctl.data, ctl.len, d);
    pt_buf_free(&ctl);
    return rc;
}

static int utils_ctl(pt_cluster *c, const pt_node *self, int argc, char **argv)
{
    int ex = require_publisher(self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK, mode = pt_cluster_security_mode(c);
    if (argc == 4 && !strcmp(argv[2], "set-cluster") && !strcmp(argv[3], "mixed-mode")) {
        if (mode == 1) {
            printf("The cluster is already in Mixed Mode\n");
            return EXIT_OK;
        }
        if (!cli_ask_yes("This operation sets the cluster to Mixed mode. Do you want to continue? (y/n):", "y"))
            return EXIT_REFUSED;
        printf("\nMoving Cluster to Mixed Mode\n");
        rc = pt_cluster_set_security_mode(c, 1, &d);
        if (!rc)
            rc = build_and_install_ctl(c, &d);
        if (!rc)
            printf("\nCluster set to Mixed Mode\n\n%s", restart_reminder);
    } else if (argc == 4 && !strcmp(argv[2], "set-cluster") && !strcmp(argv[3], "non-secure-mode")) {
        if (mode == 0) {
            printf("The cluster is already in Non Secure Mode\n");
            return EXIT_OK;
        }
        if (!cli_ask_yes("This operation sets the cluster to non-secure mode. Do you want to continue? (y/n):", "y"))
            return EXIT_REFUSED;
        printf("\nMoving Cluster to Non Secure Mode\n");
        /* the CTL stays on servers and phones; its CCM+TFTP records lose their certificates */
        rc = pt_cluster_set_security_mode(c, 0, &d);
        if (!rc)
            rc = build_and_install_ctl(c, &d);
        if (!rc)
            printf("\nCluster set to Non Secure Mode\n\n%s", restart_reminder);
    } else if (argc == 4 && !strcmp(argv[2], "update") && !strcmp(argv[3], "CTLFile")) {
        if (mode != 1) {
            fprintf(stderr, "The cluster is not in Mixed Mode: there is no CTL file to update "
                            "(utils ctl set-cluster mixed-mode)\n");
            return EXIT_REFUSED;
        }
        if (!cli_ask_yes("This operation updates the CTLFile. Do you want to continue? (y/n):", "y"))
            return EXIT_REFUSED;
        printf("\nUpdating CTL file\n");
        rc = build_and_install_ctl(c, &d); /* tokenless: every eToken record is dropped */
        if (!rc)
            printf("\nCTL file Updated\n\nPlease Restart the TFTP and Cisco CallManager services on all nodes in\n"
                   "the cluster that run these services\n");
    } else if (argc == 4 && !strcmp(argv[2], "reset") && !strcmp(argv[3], "localkey")) {
        /* re-sign the current CTL with the second SAST: the ITLRecovery key */
        uint8_t *cur;
        size_t len;
        if ((rc = pt_cluster_current_ctl(c, NULL, &cur, &len, &d)))
            return cli_fail(NULL, rc, &d);
        if (!cli_ask_yes("This operation re-signs the CTLFile with the recovery key. Do you want to continue? (y/n):", "y")) {
            free(cur);
            return EXIT_REFUSED;
        }
        printf("\nResetting CTL file\n");
        pt_trustlist tl;
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        pt_signer sg = {0};
        pt_buf out;
        pt_buf_init(&out);
        rc = pt_tl_parse(cur, len, &tl, &d);
        if (!rc) {
            rc = pt_cluster_cert_key(c, NULL, PT_CERT_ITLRECOVERY, &key, &cert, &d);
            if (!rc)
                rc = pt_signer_init_key(&sg, key, cert, &d);
            pt_sign_opts o;
            pt_sign_opts_init(&o);
            o.layout = PT_LAYOUT_LEGACY;
            o.signer_version = PT_SIGNER_VERSION_NONE;
            o.hash = tl.hdr.hash;
            o.filename = "CTLFile.tlv";
            if (!rc)
                rc = pt_tl_resign(&out, &sg, &o, &tl, &d);
            pt_tl_free(&tl);
        }
        if (!rc)
            rc = pt_cluster_install_ctl(c, out.data, out.len, &d);
        if (!rc)
            printf("\nCTL file reset, signed by the ITLRecovery key\n\n%s", restart_reminder);
        pt_signer_free(&sg);
        EVP_PKEY_free(key);
        X509_free(cert);
        pt_buf_free(&out);
        free(cur);
    } else {
        return cli_usage("utils ctl set-cluster mixed-mode|non-secure-mode | utils ctl update CTLFile | "
                         "utils ctl reset localkey");
    }
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
int cmd_run(int argc, char **argv)
{
    char q[1024] = "";
    size_t n = 0;
    for (int i = 2; i < argc && n < sizeof q - 2; i++)
        n += (size_t)snprintf(q + n, sizeof q - n, "%s%s", n ? " " : "", argv[i]);
    /* compare with whitespace removed, case-insensitively */
    char norm[1024];
    size_t k = 0;
    for (size_t i = 0; q[i] && k < sizeof norm - 1; i++)
        if (q[i] != ' ' && q[i] != '\t')
            norm[k++] = (char)tolower((unsigned char)q[i]);
    norm[k] = '\0';
    if (argc < 3 || strcmp(argv[1], "sql") ||
        strcmp(norm, "selectparamname,paramvaluefromprocessconfigwhereparamname='clustersecuritymode'"))
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

/* ---- utils ---- */

static void print_progress(const char *line, void *arg)
{
    (void)arg;
    fputs(line, stdout);
    fflush(stdout);
}

static int itl_reset(pt_cluster *c, const pt_node *self, int argc, char **argv)
{
    int remote = argc >= 4 && !strcmp(argv[3], "remotekey");
    if (argc < 4 || (!remote && strcmp(argv[3], "localkey")) || (!remote && argc != 4))
        return cli_usage("utils itl reset localkey | utils itl reset remotekey HOST USER PATH [--port N] "
                         "[--identity KEY] [--known-hosts FILE] [--accept-host-key]");
    pt_sftp s = {0};
    const char *pos[3] = {0};
    int np = 0, ex = EXIT_OK;
    for (int i = 4; remote && i < argc && !ex; i++) {
        if (sftp_opt(argc, argv, &i, &s, &ex))
            continue;
        if (argv[i][0] == '-' || np == 3)
            ex = cli_usage("utils itl reset remotekey: unexpected argument %s", argv[i]);
        else
            pos[np++] = argv[i];
    }
    if (!ex && remote && np != 3)
        ex = cli_usage("utils itl reset remotekey HOST USER PATH (PATH of ITLRecovery.p12 on the SFTP server)");
    if (!ex)
        ex = require_publisher(self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    char *sftp_pw = NULL;
    if (remote) {
        s.host = pos[0];
        s.user = pos[1];
        if (!s.identity)
            s.password = sftp_pw = cli_read_secret("Enter Sftp password :");
    }
    char *pw = cli_read_secret("Enter CCM Administrator password :");
    rc = pw ? pt_cluster_check_admin_password(c, pw, &d) : PT_ERR_AUTH;
    cli_free_secret(pw);
    if (rc && !d.msg[0])
        pt_diag_set(&d, PT_ERR_AUTH, PT_NO_OFFSET, "no CCM Administrator password given");
    if (!rc && remote) {
        /* fetch the saved key; it replaces the local one (001), then the ITL carries it again */
        pt_buf p12;
        pt_buf_init(&p12);
        p12.secret = 1;
        rc = pt_sftp_get(&s, pos[2], &p12, 1 << 20, &d);
        char *secpw = rc ? NULL : cli_read_secret("Enter the cluster security password:");
        if (!rc)
            rc = pt_cluster_itlrecovery_import_p12(c, secpw, p12.data, p12.len, &d);
        cli_free_secret(secpw);
        pt_buf_free(&p12);
        pt_node pub;
        if (!rc && !(rc = pt_cluster_publisher(c, &pub, &d)))
            rc = pt_cluster_tftp_restart(c, pub.name, &d);
    }
    cli_free_secret(sftp_pw);
    if (rc)
        return cli_fail(NULL, rc, &d);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    pt_signer sg = {0};
    rc = pt_cluster_cert_key(c, NULL, "ITLRecovery", &key, &cert, &d);
    if (!rc)
        rc = pt_signer_init_key(&sg, key, cert, &d);
    if (!rc)
        rc = pt_cluster_itl_reset(c, &sg, print_progress, NULL, &d);
    pt_signer_free(&sg);
    EVP_PKEY_free(key);
    X509_free(cert);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

int cluster_utils(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "disaster_recovery"))
        return cli_disaster_recovery(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "bulk-cert"))
        return bulk_cert(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "import"))
        return cluster_import(argc, argv);
    pt_cluster *c;
    pt_node self;
    int ex = cli_open_cluster(&c, &self);
    if (ex)
        return ex;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    if (argc >= 3 && !strcmp(argv[1], "service")) {
        ex = cli_utils_service(c, &self, argc, argv, &d, &rc);
    } else if (argc >= 3 && !strcmp(argv[1], "itl") && !strcmp(argv[2], "reset")) {
        ex = itl_reset(c, &self, argc, argv);
    } else if (argc >= 2 && !strcmp(argv[1], "ctl")) {
        ex = utils_ctl(c, &self, argc, argv);
    } else {
        ex = cli_usage("utils: expected 'utils service restart \"Cisco Tftp\"' (or TVS, CAPF), 'utils itl reset "
                           "localkey|remotekey' or 'utils ctl ...'");
    }
    pt_cluster_close(c);
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}
