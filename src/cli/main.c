/*
 * main.c - the phonetrust command: dispatch to the command families.
 */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: phonetrust COMMAND ...\n"
    "\n"
    "Trust lists and signed files\n"
    "  show itl FILE [--json]            print an ITL as CUCM's 'show itl' does, and verify it\n"
    "  show ctl FILE [--json]            the same for a CTL\n"
    "  tlv build OUT --signer PEM [--record ROLE=PEM]... [--hash-only ROLE=PEM]...\n"
    "        [--hash sha1|sha256|sha512] [--timestamp SECONDS] [--filename NAME]\n"
    "        [--layout current|legacy] [--signer-version X.Y|none]\n"
    "  tlv resign IN OUT --signer PEM [--hash ...] [--timestamp ...] [--filename NAME]\n"
    "        [--layout ...] [--signer-version X.Y|none]\n"
    "                                    the same records under a new signer (utils itl reset)\n"
    "  tlv dump FILE                     annotated walk of every TLV (offset, tag, length)\n"
    "  sgn build IN OUT --signer PEM [--hash ...] [--timestamp ...] [--filename NAME] [--layout ...]\n"
    "  sgn verify FILE [--cert PEM]      verify a signed file (trust lists carry their signer)\n"
    "  sgn strip IN OUT [--cert PEM]     the original file (verified first when --cert is given)\n"
    "  enccnf encrypt IN OUT --signer PEM --phone-cert PEM [--stub PATH | --no-stub]\n"
    "  enccnf decrypt IN OUT --key PEM [--cert PEM]\n"
    "  cert create OUT --cn NAME [--role ROLE] [--rsa BITS | --ec CURVE] [--years N] [--days N]\n"
    "        [--org O --unit OU --locality L --state ST --country C] [--issuer PEM]\n"
    "        [--digest sha1|sha256|sha512] [--cucm-order]\n"
    "\n"
    "\n"
    "The cluster (global options: --home DIR or PHONETRUST_HOME; --node HOST, default the publisher)\n"
    "  install --publisher HOST --domain DOMAIN --ip ADDR [--org O --unit OU --locality L --state ST\n"
    "        --country C] [--admin-password PW] [--security-password PW]\n"
    "  node add HOST --ip ADDR [--services tftp,tvs,callmanager] | node list | node remove HOST\n"
    "        (ADDR: an IPv4 address, or a host name the phones resolve themselves)\n"
    "  show param [NAME] | set param NAME VALUE\n"
    "  show cert list | show cert own NAME\n"
    "  set cert regen NAME [--yes] [--force]     CallManager, CallManager-ECDSA, TVS, CAPF, ITLRecovery;\n"
    "                                            refused while phones that need it have not reported the\n"
    "                                            current ITL (--force: strand them, named)\n"
    "  set cert import PURPOSE FILE [--name NAME] | set cert delete PURPOSE NAME\n"
    "  set itl record add ccm|ccm+tftp|tftp|app-server FILE [--name NAME] | set itl record delete ROLE NAME\n"
    "                                            your own certificates in every ITL (the PBX's SIP-TLS,\n"
    "                                            an HTTPS provisioning server, XML services) | show itl records\n"
    "  utils service restart \"Cisco Tftp\" [--force]   rebuild and serve this node's ITL (refused after\n"
    "                                            utils itl reset until the phones took the reset ITL)\n"
    "  utils service restart \"Cisco Trust Verification Service\" | \"Cisco Certificate Authority Proxy Function\"\n"
    "                                            a running serve reloads that certificate\n"
    "  utils service deactivate|activate \"Cisco Certificate Authority Proxy Function\"\n"
    "                                            CAPF out of (or back in) service; it leaves (joins) the ITL\n"
    "                                            at the next Cisco Tftp restart\n"
    "  utils service restart \"Cisco CallManager\" | \"Cisco CTL Provider\"\n"
    "                                            nothing runs them here: says what to do instead\n"
    "  utils itl reset localkey                  re-sign the ITL with the ITLRecovery key, on every TFTP node\n"
    "  utils itl reset remotekey HOST USER PATH  the same with an ITLRecovery.p12 fetched over SFTP\n"
    "        [--port N] [--identity KEY] [--known-hosts FILE] [--accept-host-key]\n"
    "  file get tftp ITLRecovery.p12 [--server HOST] [--port N] [--user USER] [--dir DIR]\n"
    "        [--identity KEY] [--known-hosts FILE] [--accept-host-key] [--yes]   back up the recovery key\n"
    "  show alerts                               e.g. the daily ITLRecovery backup alert\n"
    "  show audit [--json]                       every administrative change: time, user, command, exit\n"
    "  utils ctl set-cluster mixed-mode|non-secure-mode | utils ctl update CTLFile | utils ctl reset localkey\n"
    "  file delete tftp CTLFile.tlv              on this node (a stale CTL after leaving mixed mode)\n"
    "  ctl-client --module PKCS11_LIB --token LABEL [--token LABEL]... [--pin-file FILE] [--ca PEM]\n"
    "                                            a CTL signed inside a hardware security token (eToken)\n"
    "  serve [--addr ADDR] [--tftp-port 69] [--http-port 6970] [--tvs-port 2445] [--capf-port 3804]\n"
    "        [--workers N] [--max-clients N] [--max-per-peer N] [--timeout SECONDS] [--tls-min 1.0|1.2]\n"
    "        [--log FILE|syslog] [--root DIR]... [--user USER | --allow-root]\n"
    "                                            this node's TFTP, HTTP, TVS (and on the publisher CAPF);\n"
    "                                            --root: also your own tftpboot tree, its files signed\n"
    "                                            on request (NAME.sgn) and its SEP<MAC>.cnf.xml as the base\n"
    "                                            of a known phone's configuration\n"
    "  tvs lookup CERTIFICATE                    what this node's TVS answers for it, and from which cache\n"
    "  tvs add CERTIFICATE --roles ROLE[,ROLE...] [--ttl SECONDS] | tvs remove CERTIFICATE\n"
    "  run sql select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'\n"
    "  cli                                       an interactive admin: prompt for all of these\n"
    "  utils import usecallmanager --sast PEM [--tftp PEM] [--tvs-db FILE] [--capf-db FILE] [--capf PEM]\n"
    "        [--model MODEL]                     take over from tlvfile/sgnfile, tvsd and capfd: the phones\n"
    "                                            holding their ITL trust this cluster's at the next reset\n"
    "  utils bulk-cert export|consolidate|import DIR|sftp://USER@HOST[:PORT]/PATH   move phones between\n"
    "        clusters: export TFTP certificates, consolidate them, import the others'\n"
    "  utils disaster_recovery backup FILE       database, keys and served files, encrypted\n"
    "  utils disaster_recovery restore FILE [--force]\n"
    "                                            into an empty --home, or over its cluster: refused when the\n"
    "                                            restored signer would strand phones (the replaced one is kept)\n"
    "  show itl | show ctl                       (no FILE) the file this node serves\n"
    "  device add SEP<MAC> --model MODEL [--pool NAME] [--profile NAME] | device list | device show NAME\n"
    "  device add SEP<MAC> --count N --model MODEL[,MODEL...]   bulk: N devices from that MAC, models cycled\n"
    "  device set NAME KEY VALUE | device remove NAME | device cert NAME lsc|mic FILE|--delete\n"
    "  device pool NAME --group NODE[,NODE...]   a device pool and its CallManager group (= TVS list)\n"
    "  device profile NAME [--mode non-secure|authenticated|encrypted] [--encrypted-config on|off]\n"
    "        [--capf-auth null-string|auth-string|lsc|mic|lsc-or-mic]\n"
    "  device capf NAME|--model MODEL --op install|delete|fetch|none [--auth MODE] [--password DIGITS]\n"
    "        [--key rsa2048|ec256|...] [--deadline \"YYYY-MM-DD HH:MM\"|+Nd]   a CAPF operation\n"
    "  device report NAME --itl-sha1 SHA1 [--ctl-sha1 SHA1] [--tftp HOST]   a DeviceTLInfo report\n"
    "  show itl-status [--json] [--node NODE] [--status Match|MisMatch|\"Not Installed\"|Unknown]\n"
    "                                            each device's ITL against its TFTP server's, last report\n"
    "\n"
    "A simulated phone (state in --state DIR, PHONETRUST_PHONES or ~/.phonetrust-phones)\n"
    "  phone boot --mac MAC --model MODEL --tftp HOST[:PORT] [--http-port 6970|0] [--timeout MS]\n"
    "        [--auth-string DIGITS]              (the CAPF authentication string typed on the phone)\n"
    "                                            CTL, ITL (TVS when the signer is new), config, CAPF, DeviceTLInfo;\n"
    "                                            exit 1 when locked or its config was refused\n"
    "  phone show --mac MAC [--json]             its lists (SHA1, MD5, signer), locked, statuses, console\n"
    "  phone erase-trust-list --mac MAC          the settings-menu erase (prints the model's menu path)\n"
    "  phone factory-reset --mac MAC\n"
    "  phone https-check --mac MAC https://HOST[:PORT]/   an application server's certificate as the phone\n"
    "                                            judges it: its lists, then TVS (exit 1: not trusted)\n"
    "A fleet of simulated phones on one event loop (same state directory; boot again = a reset)\n"
    "  fleet boot [--count N] [--first-mac MAC] [--model 8845[,7965,7940...]] --tftp HOST[:PORT][,...]\n"
    "        [--http-port 6970|0] [--concurrency 200] [--timeout MS] [--auth-string DIGITS] [--json]\n"
    "        [--no-progress]                     boots them all: progress bar, table of states, locked\n"
    "                                            phones, time, memory per phone; exit 1 when some are\n"
    "                                            locked or failed, 130 when interrupted (Ctrl-C)\n"
    "  fleet status [--json]                     the states as they are: phones, trusted, locked, no_itl,\n"
    "                                            lsc_installed, pending, failed, locked_phones\n"
    "Rehearsal: a change tried on a copy of the cluster and the fleet; nothing real is touched\n"
    "  rehearse PLAN [--state FLEET_DIR] [--tftp HOST[:PORT][,...]] [--json] [--keep]\n"
    "                                            PLAN: commands as typed at admin:, one per line, and\n"
    "                                            'reset' (the fleet boots), 'wait 6m' (time passes);\n"
    "                                            a table per step: trusting, locked, no ITL, LSC, failed,\n"
    "                                            the first step that strands a phone; exit 1 when a phone\n"
    "                                            ends locked\n"
    "\n"
    "ROLE: sast, ccm, ccm+tftp, tftp, capf, app-server, tvs (cert create also: callmanager,\n"
    "      callmanager-ecdsa, itlrecovery, ca, mic, etoken, lsc)\n"
    "PEM:  a file holding a private key and/or a certificate (key first, as cert create writes it)\n"
    "\n"
    "Exit status: 0 success; 1 does not verify; 2 usage error; 3 malformed input;\n"
    "             4 file cannot be read or written; 5 unusable key, unsupported or internal error;\n"
    "             6 refused (hold timer, not a publisher node, wrong password, declined);\n"
    "             7 no cluster home, or its database is unusable\n";

/* Takes the global options (--home DIR, --node HOST) out of argv. */
static int take_globals(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt(*argc, argv, &i, "--home", &v))) {
            if (m < 0)
                return cli_usage("--home needs a directory");
            cli_home = v;
        } else if ((m = cli_opt(*argc, argv, &i, "--node", &v))) {
            if (m < 0)
                return cli_usage("--node needs a host name");
            cli_node = v;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return EXIT_OK;
}

static int dispatch(int argc, char **argv);

/* Every command, the interactive prompt's included; administrative
 * changes leave their audit line (audit.c). */
int cli_dispatch(int argc, char **argv)
{
    int ex = dispatch(argc, argv);
    cli_audit(argc, argv, ex);
    return ex;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        puts("phonetrust 0.1.0");
        return EXIT_OK;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "show"))
        return cmd_show(argc - 1, argv + 1);
    if (!strcmp(cmd, "tlv"))
        return cmd_tlv(argc - 1, argv + 1);
    if (!strcmp(cmd, "sgn"))
        return cmd_sgn(argc - 1, argv + 1);
    if (!strcmp(cmd, "enccnf"))
        return cmd_enccnf(argc - 1, argv + 1);
    if (!strcmp(cmd, "cert"))
        return cmd_cert(argc - 1, argv + 1);
    if (!strcmp(cmd, "install"))
        return cmd_install(argc - 1, argv + 1);
    if (!strcmp(cmd, "node"))
        return cmd_node(argc - 1, argv + 1);
    if (!strcmp(cmd, "device"))
        return cmd_device(argc - 1, argv + 1);
    if (!strcmp(cmd, "set"))
        return cluster_set(argc - 1, argv + 1);
    if (!strcmp(cmd, "utils"))
        return cluster_utils(argc - 1, argv + 1);
    if (!strcmp(cmd, "file"))
        return cluster_file(argc - 1, argv + 1);
    if (!strcmp(cmd, "ctl-client"))
        return cmd_ctl_client(argc - 1, argv + 1);
    if (!strcmp(cmd, "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "tvs"))
        return cmd_tvs(argc - 1, argv + 1);
    if (!strcmp(cmd, "phone"))
        return cmd_phone(argc - 1, argv + 1);
    if (!strcmp(cmd, "fleet"))
        return cmd_fleet(argc - 1, argv + 1);
    if (!strcmp(cmd, "rehearse"))
        return cmd_rehearse(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "cli"))
        return cmd_interactive();
    return cli_usage("unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    /* A peer that goes away (a server killed under a fleet, a client that
     * resets) must be an error on that connection, never the death of the
     * whole process: writes then fail with EPIPE, which every caller handles. */
    signal(SIGPIPE, SIG_IGN);
    int gx = take_globals(&argc, argv);
    if (gx)
        return gx;
    return cli_dispatch(argc, argv);
}
