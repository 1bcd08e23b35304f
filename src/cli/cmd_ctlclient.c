/*
 * cmd_ctlclient.c - the CTL client for hardware security tokens (M10,
 * seed 002): builds the CTL with every presented token's certificate as
 * SAST plus the cluster's CCM+TFTP and CAPF records, signs it with the
 * first token's key inside the token, and installs it on every TFTP node.
 *
 *   phonetrust ctl-client --module PKCS11_LIB --token LABEL [--token LABEL]...
 *                         [--pin-file FILE] [--ca MANUFACTURING_CA_PEM]
 */
#include "cli.h"

#include "phonetrust/cluster.h"
#include "phonetrust/fileio.h"
#include "phonetrust/token.h"
#include "phonetrust/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 8


/* Is cert a SAST of the CTL in force? */
static int in_ctl(const uint8_t *ctl, size_t len, X509 *cert)
{
    pt_trustlist tl;
    if (pt_tl_parse(ctl, len, &tl, NULL))
        return 0;
    pt_buf der;
    pt_buf_init(&der);
    pt_cert_der(cert, &der);
    int found = 0;
    for (size_t i = 0; i < tl.n_recs && !found; i++)
        found = tl.recs[i].role == 0 && pt_record_matches_cert(&tl.recs[i], der.data, der.len);
    pt_buf_free(&der);
    pt_tl_free(&tl);
    return found;
}

int cmd_ctl_client(const cli_args *a)
{
    const char *module = cli_str(a, "--module"), *pin_file = cli_str(a, "--pin-file"), *ca_path = cli_str(a, "--ca");
    const char *labels[MAX_TOKENS], *v;
    size_t nl = 0;
    int ex;
    while ((v = cli_each(a, "--token", (int)nl))) {
        if (nl == MAX_TOKENS)
            return cli_usage("ctl-client: at most %d tokens", MAX_TOKENS);
        labels[nl++] = v;
    }
    pt_cluster *c;
    pt_node self;
    if ((ex = cli_open_cluster(&c, &self)))
        return ex;
    if (!self.publisher) {
        fprintf(stderr, "This is not a publisher node\n");
        pt_cluster_close(c);
        return EXIT_REFUSED;
    }
    pt_diag d;
    pt_diag_clear(&d);
    int rc = PT_OK;
    uint8_t *pins = NULL;
    size_t pins_len = 0;
    X509 *ca = NULL;
    pt_p11 *mod = NULL;
    pt_token *tok[MAX_TOKENS] = {0};
    X509 *certs[MAX_TOKENS];
    uint8_t *cur = NULL;
    size_t cur_len = 0;
    pt_buf ctl;
    pt_buf_init(&ctl);
    if (pin_file && (rc = pt_file_read(pin_file, &pins, &pins_len, 4096, &d)))
        pt_diag_prefix(&d, rc, "%s", pin_file);
    if (!rc && ca_path)
        rc = pt_pem_load(ca_path, NULL, &ca, &d);
    if (!rc)
        rc = pt_p11_load(module, &mod, &d);
    /* PINs: one line per token, the last line serving the rest; or asked for */
    char *save = NULL, *line = pins ? strtok_r((char *)pins, "\r\n", &save) : NULL;
    for (size_t i = 0; !rc && i < nl; i++) {
        char *asked = NULL;
        const char *pin = line;
        if (!pin) {
            char prompt[128];
            snprintf(prompt, sizeof prompt, "Enter the password of security token %s: ", labels[i]);
            pin = asked = cli_read_secret(prompt);
        }
        if (!pin)
            rc = pt_diag_set(&d, PT_ERR_AUTH, PT_NO_OFFSET, "token %s: no password given", labels[i]);
        else
            rc = pt_token_open(mod, labels[i], pin, &tok[i], &d);
        if (asked) {
            pt_wipe(asked, strlen(asked));
            free(asked);
        }
        char *next = pins ? strtok_r(NULL, "\r\n", &save) : NULL;
        if (next)
            line = next;
        if (!rc) {
            certs[i] = pt_token_cert(tok[i]);
            if ((rc = pt_token_cert_is_manufacturing(certs[i], ca, &d)))
                pt_diag_prefix(&d, rc, "token %s", labels[i]);
        }
    }
    /* the token that signs must be in the CTL in force, if there is one (seed 002) */
    if (!rc) {
        int have = pt_cluster_current_ctl(c, NULL, &cur, &cur_len, NULL) == PT_OK;
        if (!have && pt_cluster_security_mode(c) == 1)
            printf("No CTL File exists on the server but the Call Manager Cluster Security Mode is in Secure Mode.\n"
                   "For the system to function, you must create the CTL File and set Call Manager Cluster the "
                   "Secure Mode.\n");
        if (have && !in_ctl(cur, cur_len, certs[0])) {
            printf("The Security Token you have inserted does not exist in the CTL File\n"
                   "Please remove any Security Tokens already inserted and insert another\n"
                   "Security Token. Click Ok when done.\n");
            rc = pt_diag_set(&d, PT_ERR_REFUSED, PT_NO_OFFSET, "token %s is not a SAST of the CTL in force",
                             labels[0]);
        }
    }
    pt_signer s = {0};
    if (!rc)
        rc = pt_token_signer(tok[0], &s, &d);
    if (!rc)
        rc = pt_cluster_set_security_mode(c, 1, &d);
    if (!rc)
        rc = pt_cluster_build_ctl(c, &s, certs, nl, &ctl, &d);
    if (!rc)
        rc = pt_cluster_install_ctl(c, ctl.data, ctl.len, &d);
    if (!rc)
        printf("CTL file signed by security token %s and installed on every TFTP node (%zu security token%s)\n"
               "Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these "
               "services\n", labels[0], nl, nl == 1 ? "" : "s");
    for (size_t i = 0; i < nl; i++)
        pt_token_close(tok[i]);
    pt_p11_unload(mod);
    X509_free(ca);
    if (pins) {
        pt_wipe(pins, pins_len);
        free(pins);
    }
    free(cur);
    pt_buf_free(&ctl);
    pt_cluster_close(c);
    return rc ? cli_fail(NULL, rc, &d) : EXIT_OK;
}
