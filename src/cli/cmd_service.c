/*
 * cmd_service.c - utils service restart|activate|deactivate NAME, as typed
 * at CUCM's admin: prompt.
 *
 * restart "Cisco Tftp" rebuilds the node's served files (refused while
 * phones have not taken the reset ITL: cmd_cluster.c's guard); TVS and
 * CAPF restarts are recorded and a running serve reloads them.  CAPF can be
 * deactivated and activated on the publisher: it leaves or joins the ITL at
 * the next Cisco Tftp restart, and serve turns phones away meanwhile.
 * Services the seeds name that phonetrust does not run say what their
 * restart means here.
 */
#include "cli.h"

#include "phonetrust/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* services the seeds tell the administrator to restart that have no
 * counterpart here: what restarting them means for phonetrust */
static const struct {
    const char *name, *means;
} elsewhere[] = {
    {"Cisco CallManager", "phonetrust runs no call control: restart your PBX (Asterisk, FreeSWITCH) so that its\n"
                          "SIP-TLS listener presents its new certificate; the phones' files are Cisco Tftp's"},
    {"Cisco CTL Provider", "phonetrust has no CTL Provider: the CTL is built by 'utils ctl update CTLFile' and\n"
                           "served by Cisco Tftp"},
};

static const char *service_name(const char *typed)
{
    return !strcasecmp(typed, PT_SERVICE_TFTP)   ? PT_SERVICE_TFTP
           : !strcasecmp(typed, PT_SERVICE_TVS)  ? PT_SERVICE_TVS
           : !strcasecmp(typed, PT_SERVICE_CAPF) ? PT_SERVICE_CAPF
                                                 : NULL;
}

static int restart(pt_cluster *c, const pt_node *self, const char *svc, int force, pt_diag *d, int *rc)
{
    if (pt_service_bit(svc) == PT_SVC_CAPF && !(self->services & PT_SVC_CAPF)) {
        fprintf(stderr, "%s is deactivated on %s: utils service activate \"%s\" first\n", svc, self->name, svc);
        return EXIT_REFUSED;
    }
    int ex;
    if (!strcmp(svc, PT_SERVICE_TFTP) && (ex = cli_tftp_restart_guard(c, self, force)))
        return ex;
    printf("Service Manager is running\n%s[STOPPING]\n%s[STARTING]\n", svc, svc);
    /* TFTP: the files are rebuilt now; TVS and CAPF: a running
     * 'phonetrust serve' on this node reloads within a second */
    *rc = !strcmp(svc, PT_SERVICE_TFTP) ? pt_cluster_tftp_restart(c, self->name, d)
                                        : pt_cluster_service_restart(c, self->name, svc, d);
    if (!*rc)
        printf("%s[STARTED]\n", svc);
    return EXIT_OK;
}

/* CAPF deactivated while devices wait for it: they will show "No valid
 * CAPF server" once their ITL has no CAPF record */
static void pending_warning(pt_cluster *c)
{
    pt_guard g;
    pt_diag d;
    pt_diag_clear(&d);
    if (pt_cluster_capf_pending(c, &g, &d) || !g.at_risk)
        return;
    char phones[256];
    pt_guard_phones(&g, phones, sizeof phones);
    printf("\nWARNING: %zu device%s ha%s a CAPF operation pending (%s): with no CAPF record in %s ITL\n"
           "%s No valid CAPF server and the operation stays pending until CAPF is activated again.\n",
           g.at_risk, g.at_risk == 1 ? "" : "s", g.at_risk == 1 ? "s" : "ve", phones,
           g.at_risk == 1 ? "its" : "their", g.at_risk == 1 ? "it shows" : "they show");
}

static int activate(pt_cluster *c, const pt_node *self, const char *svc, int on, pt_diag *d, int *rc)
{
    int changed = pt_cluster_service_activate(c, self->name, svc, on, d);
    if (changed < 0) {
        *rc = changed;
        return EXIT_OK;
    }
    if (!changed) {
        printf("%s is already %s on %s\n", svc, on ? "activated" : "deactivated", self->name);
        return EXIT_OK;
    }
    if (on)
        printf("Service Manager is running\n%s[STARTING]\n%s[STARTED]\n", svc, svc);
    else
        printf("Service Manager is running\nCommanded Out of Service\n%s[NOTRUNNING]\n", svc);
    printf("\nThe CAPF certificate %s the ITL when \"Cisco Tftp\" is restarted on every node that runs it;\n"
           "phones take it at their next reset.\n",
           on ? "joins" : "leaves");
    if (!on)
        pending_warning(c);
    return EXIT_OK;
}

enum { RESTART, ACTIVATE, DEACTIVATE };

/* utils service VERB SERVICE (the row's choices, spelled as CUCM does) */
static int service(pt_cluster *c, const pt_node *self, const cli_args *a, int verb)
{
    const char *typed = cli_arg(a, 0), *svc = service_name(typed);
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK, ex;
    if (!svc && verb == RESTART)
        for (size_t k = 0; k < sizeof elsewhere / sizeof elsewhere[0]; k++)
            if (!strcasecmp(typed, elsewhere[k].name)) {
                printf("%s: nothing to restart here. %s\n", elsewhere[k].name, elsewhere[k].means);
                return EXIT_OK;
            }
    if (verb == RESTART) {
        ex = restart(c, self, svc, cli_on(a, "--force"), &d, &rc);
    } else if (!svc || pt_service_bit(svc) != PT_SVC_CAPF) {
        return cli_usage("utils service %s: only \"%s\" is activated and deactivated here; a node's other\n"
                         "services are given when it is added (node add HOST --services ...)",
                         verb == ACTIVATE ? "activate" : "deactivate", PT_SERVICE_CAPF);
    } else if (!(ex = cli_require_publisher(self))) {
        ex = activate(c, self, svc, verb == ACTIVATE, &d, &rc);
    }
    return ex ? ex : rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}

static int service_restart(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    return service(c, self, a, RESTART);
}

static int service_activate(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    return service(c, self, a, ACTIVATE);
}

static int service_deactivate(pt_cluster *c, const pt_node *self, const cli_args *a)
{
    return service(c, self, a, DEACTIVATE);
}

int cmd_service_restart(const cli_args *a)
{
    return cli_with_cluster(a, 0, service_restart);
}

int cmd_service_activate(const cli_args *a)
{
    return cli_with_cluster(a, 0, service_activate);
}

int cmd_service_deactivate(const cli_args *a)
{
    return cli_with_cluster(a, 0, service_deactivate);
}

void cli_tftp_restart_hint(pt_cluster *c, const char *what)
{
    pt_node *nodes;
    size_t n;
    if (pt_cluster_nodes(c, &nodes, &n, NULL))
        return;
    printf("The phones' files carry %s: rebuild them on every node that runs Cisco Tftp -\n", what);
    for (size_t i = 0; i < n; i++)
        if (nodes[i].services & PT_SVC_TFTP)
            printf("  %s%s%sutils service restart \"%s\"\n", nodes[i].publisher ? "" : "--node ",
                   nodes[i].publisher ? "" : nodes[i].name, nodes[i].publisher ? "" : " ", PT_SERVICE_TFTP);
    printf("- then reset the phones.\n");
    free(nodes);
}
