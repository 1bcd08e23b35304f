/*
 * commands.c - every phonetrust command, in one table: its words, its
 * arguments and options, its help, whether it changes the cluster, and the
 * function that runs it.  Nothing else in the command knows its options:
 * the functions read what cmdparse.c checked (cli_str, cli_on, ...).
 */
#include "cli.h"
#include "cmdtable.h"

/* option rows: name, type, meta, help, default, min, max, repeat, required */
#define OPT(n, t, m, h) {n, t, m, h, NULL, 0, 0, 0, 0}
#define OPTD(n, t, m, h, d) {n, t, m, h, d, 0, 0, 0, 0}
#define OPTN(n, m, h, d, lo, hi) {n, CLI_INT, m, h, d, lo, hi, 0, 0}
#define OPTR(n, t, m, h) {n, t, m, h, NULL, 0, 0, 0, 1}
#define OPTM(n, t, m, h) {n, t, m, h, NULL, 0, 0, 1, 0}
#define FLAG(n, h) {n, CLI_FLAG, NULL, h, NULL, 0, 0, 0, 0}
#define END {0}

#define SIGNING_OPTS                                                                                              \
    OPTR("--signer", CLI_FILE, "PEM", "the signer's key and certificate (a SAST, or the TFTP certificate)"),     \
        OPTD("--hash", CLI_CHOICE, "sha1|sha256|sha512", "the signature's digest", "sha1 (RSA), sha256 (EC)"), \
        OPTN("--timestamp", "SECONDS", "the signing time in Unix seconds", "now", 0, 4294967295L),             \
        OPT("--filename", CLI_STR, "NAME", "the file name the header carries (default: OUT's)"),                \
        OPTD("--layout", CLI_CHOICE, "current|legacy", "the header's field order (legacy: CUCM's older one)", "current")

static const cli_option o_none[] = {END};

const cli_option cli_global_opts[] = {
    OPT("--home", CLI_DIR, "DIR", "the cluster home (default PHONETRUST_HOME, else ~/.phonetrust)"),
    OPT("--node", CLI_STR, "HOST", "whose command line this is (default the publisher)"), END};

static const cli_option o_tlv_build[] = {
    SIGNING_OPTS,
    OPTD("--signer-version", CLI_STR, "X.Y|none", "the header's signer version field", "1.1"),
    OPTM("--record", CLI_STR, "ROLE=PEM", "a record: its role and certificate (e.g. tvs=tvs.pem)"),
    OPTM("--hash-only", CLI_STR, "ROLE=PEM", "a record that carries the certificate's hash, not the certificate"),
    END};
static const cli_option o_tlv_resign[] = {
    SIGNING_OPTS, OPTD("--signer-version", CLI_STR, "X.Y|none", "the header's signer version field", "as the file had"),
    FLAG("--force", "write it even when the signer is not a SAST of IN (a list phones refuse, to try on them)"),
    END};
static const cli_option o_sgn_build[] = {SIGNING_OPTS, END};
static const cli_option o_cert[] = {OPT("--cert", CLI_FILE, "PEM", "the signer's certificate"), END};
static const cli_option o_enc_encrypt[] = {
    SIGNING_OPTS,
    OPTR("--phone-cert", CLI_FILE, "PEM", "the phone's certificate (its LSC or MIC) the key is encrypted to"),
    OPT("--stub", CLI_FILE, "PATH", "where the signed stub goes (default: IN's name with .sgn)"),
    FLAG("--no-stub", "write no stub"),
    FLAG("--force", "overwrite an existing stub"),
    END};
static const cli_option o_enc_decrypt[] = {
    OPTR("--key", CLI_FILE, "PEM", "the phone's private key"),
    OPT("--cert", CLI_FILE, "PEM", "the TFTP certificate that signed it (checked when given)"), END};
static const cli_option o_cert_create[] = {
    OPTR("--cn", CLI_STR, "NAME", "the subject's common name"),
    OPTD("--role", CLI_STR, "ROLE", "what it is for: sets usages and validity (see ROLE below)", "server"),
    OPTN("--rsa", "BITS", "an RSA key of this size", "2048", 512, 8192),
    OPT("--ec", CLI_STR, "CURVE", "an EC key on this curve (prime256v1, secp384r1, ...)"),
    OPTN("--years", "N", "validity in years", "the role's", 1, 100),
    OPTN("--days", "N", "validity in days", NULL, 1, 36500),
    OPT("--org", CLI_STR, "O", "organisation"), OPT("--unit", CLI_STR, "OU", "organisational unit"),
    OPT("--locality", CLI_STR, "L", "locality"), OPT("--state", CLI_STR, "ST", "state"),
    OPT("--country", CLI_STR, "C", "country (two letters)"),
    OPT("--issuer", CLI_FILE, "PEM", "signed by this CA (key and certificate); default self-signed"),
    OPTD("--digest", CLI_CHOICE, "sha1|sha256|sha512", "the signature's digest", "sha256"),
    FLAG("--cucm-order", "the subject in CUCM's order (CN last)"), END};

static const cli_option o_install[] = {
    OPTR("--publisher", CLI_STR, "HOST", "the publisher's host name"),
    OPTR("--domain", CLI_STR, "DOMAIN", "the cluster's DNS domain"),
    OPTR("--ip", CLI_STR, "ADDR", "the publisher's IPv4 address, or a host name the phones resolve"),
    OPT("--org", CLI_STR, "O", "organisation in the certificates"), OPT("--unit", CLI_STR, "OU", "unit"),
    OPT("--locality", CLI_STR, "L", "locality"), OPT("--state", CLI_STR, "ST", "state"),
    OPT("--country", CLI_STR, "C", "country"),
    OPT("--admin-password", CLI_SECRET, "PW", "the administrator's password (asked when not given)"),
    OPT("--security-password", CLI_SECRET, "PW", "the cluster security password (asked when not given)"), END};
static const cli_option o_node_add[] = {
    OPTR("--ip", CLI_STR, "ADDR", "an IPv4 address, or a host name the phones resolve themselves"),
    OPTD("--services", CLI_STR, "LIST", "what the node runs: tftp, tvs, callmanager", "tftp,tvs,callmanager"), END};
static const cli_option o_regen[] = {FLAG("--yes", "do not ask for confirmation"),
                                     FLAG("--force", "even when it strands phones (they are counted and named)"), END};
static const cli_option o_name[] = {OPT("--name", CLI_STR, "NAME", "the name it goes by (default: the file's)"), END};
static const cli_option o_force[] = {FLAG("--force", "even when it strands phones (they are counted and named)"), END};
static const cli_option o_yes[] = {FLAG("--yes", "do not ask for confirmation"), END};
#define SFTP_OPTS                                                                                              \
    OPTN("--port", "N", "the SFTP server's port", "22", 1, 65535),                                           \
        OPT("--identity", CLI_FILE, "KEY", "the SSH private key to log in with"),                            \
        OPT("--known-hosts", CLI_FILE, "FILE", "the server's host key (default ~/.ssh/known_hosts)"),        \
        FLAG("--accept-host-key", "trust a server whose host key is not known yet (and remember it)")
static const cli_option o_remotekey[] = {SFTP_OPTS, END};
static const cli_option o_file_get[] = {
    OPT("--server", CLI_STR, "HOST", "copy it to this SFTP server (default: keep it here)"), SFTP_OPTS,
    OPT("--user", CLI_STR, "USER", "the SFTP user"), OPT("--dir", CLI_STR, "DIR", "the directory on the server"),
    FLAG("--yes", "do not ask for confirmation"), END};
static const cli_option o_ctl_client[] = {
    OPTR("--module", CLI_FILE, "PKCS11_LIB", "the token's PKCS#11 module"),
    {"--token", CLI_STR, "LABEL", "a token's label (give two: CUCM wants two eTokens)", NULL, 0, 0, 1, 1},
    OPT("--pin-file", CLI_FILE, "FILE", "the token's PIN, from a file (default: asked)"),
    OPT("--ca", CLI_FILE, "PEM", "the CA that issued the tokens' certificates"), END};
static const cli_option o_serve[] = {
    OPTD("--addr", CLI_STR, "ADDR", "the address to listen on", "0.0.0.0"),
    OPTN("--tftp-port", "PORT", "TFTP (UDP)", "69", 0, 65535),
    OPTN("--http-port", "PORT", "the phones' HTTP file service", "6970", 0, 65535),
    OPTN("--tvs-port", "PORT", "TVS (TLS)", "2445", 0, 65535),
    OPTN("--capf-port", "PORT", "CAPF (TLS, on the publisher)", "3804", 0, 65535),
    OPTN("--workers", "N", "event loops (threads) sharing the ports", "1", 1, 64),
    OPTN("--max-clients", "N", "connections at once", "1000", 1, 100000),
    OPTN("--max-per-peer", "N", "connections at once from one address", "250", 1, 100000),
    {"--timeout", CLI_DUR, "DURATION", "a silent client is dropped after this", "10s", 1000, 3600000, 0, 0},
    OPTD("--tls-min", CLI_CHOICE, "1.0|1.2", "the oldest TLS version accepted (1.0 for old phones)", "1.2"),
    OPTD("--log", CLI_STR, "FILE|syslog", "where the service log goes", "HOME/log/phonetrust.log"),
    OPTM("--root", CLI_DIR, "DIR", "also serve your own tftpboot tree, its files signed on request"),
    OPT("--user", CLI_STR, "USER", "the user to run as once the ports are bound"),
    FLAG("--allow-root", "keep running as root (not recommended)"),
    FLAG("--trace-tvs", "write CUCM's TVS trace lines for each lookup"), END};
static const cli_option o_tvs_add[] = {
    OPTR("--roles", CLI_STR, "ROLE[,ROLE...]", "what the certificate is trusted for (e.g. ccm,tftp)"),
    {"--ttl", CLI_DUR, "DURATION", "how long phones may cache the answer", "1d", 1000, 2592000000L, 0, 0},
    END};
static const cli_option o_import[] = {
    OPTR("--sast", CLI_FILE, "PEM", "the key and certificate that signed the ITL your phones hold"),
    OPT("--tftp", CLI_FILE, "PEM", "the TFTP (SIP-TLS) certificate the tools used"),
    OPT("--tvs-db", CLI_FILE, "FILE", "tvsd's database"), OPT("--capf-db", CLI_FILE, "FILE", "capfd's database"),
    OPT("--capf", CLI_FILE, "PEM", "capfd's certificate and key"),
    OPT("--model", CLI_STR, "MODEL", "the model of the imported devices"), END};
static const cli_option o_device_add[] = {
    OPTR("--model", CLI_STR, "MODEL[,MODEL...]", "the phone model (with --count: cycled)"),
    OPT("--pool", CLI_STR, "NAME", "its device pool"), OPT("--profile", CLI_STR, "NAME", "its security profile"),
    OPTN("--count", "N", "N devices from this MAC on", NULL, 1, 1000000), END};
static const cli_option o_device_cert[] = {FLAG("--delete", "remove it instead"), END};
static const cli_option o_pool[] = {
    OPT("--group", CLI_STR, "NODE[,NODE...]", "its CallManager group, in order (its phones' TVS list); without: "
                                              "the pool's group is shown"), END};
static const cli_option o_profile[] = {
    OPT("--mode", CLI_CHOICE, "non-secure|authenticated|encrypted", "the device security mode"),
    OPT("--encrypted-config", CLI_CHOICE, "on|off", "encrypted configuration files"),
    OPT("--capf-auth", CLI_CHOICE, "null-string|auth-string|lsc|mic|lsc-or-mic", "how CAPF authenticates phones"),
    END};
static const cli_option o_capf[] = {
    OPT("--model", CLI_STR, "MODEL", "every device of this model (instead of DEVICE)"),
    OPTD("--op", CLI_CHOICE, "install|delete|fetch|none", "the operation", "install"),
    OPT("--auth", CLI_CHOICE, "null-string|auth-string|lsc|mic|lsc-or-mic", "how the phone proves itself"),
    OPT("--password", CLI_SECRET, "DIGITS", "the authentication string (4-10 digits)"),
    OPT("--key", CLI_STR, "KEY", "the key the phone makes: rsa1024, rsa2048, rsa4096, ec256, ec384, ec521"),
    OPT("--deadline", CLI_STR, "\"YYYY-MM-DD HH:MM\"|+Nd", "the operation is refused after this"), END};
static const cli_option o_report[] = {
    OPT("--itl-sha1", CLI_STR, "SHA1", "the ITL the phone holds (none: it holds no ITL)"),
    OPT("--ctl-sha1", CLI_STR, "SHA1", "the CTL the phone holds"),
    OPT("--tftp", CLI_STR, "HOST", "the TFTP server it reports to"), END};
static const cli_option o_itl_status[] = {
    OPT("--status", CLI_CHOICE, "Match|MisMatch|Not Installed|Unknown", "only these devices"), END};

#define PHONE_STATE OPT("--state", CLI_DIR, "DIR", "the simulated phones' state (default PHONETRUST_PHONES or ~/.phonetrust-phones)")
static const cli_option o_phone_boot[] = {
    {"--mac", CLI_MAC, "MAC", "the phone's MAC", NULL, 0, 0, 0, 1},
    OPT("--model", CLI_STR, "MODEL", "its model (8845, 7965, 7940, ...; required at its first boot)"),
    OPTR("--tftp", CLI_STR, "HOST[:PORT]", "its TFTP server"),
    OPTN("--http-port", "PORT", "the HTTP file service's port (0: TFTP only)", "6970", 0, 65535),
    {"--timeout", CLI_DUR, "DURATION", "how long it waits for each answer", "1s", 10, 60000, 0, 0},
    OPT("--auth-string", CLI_SECRET, "DIGITS", "the CAPF authentication string typed on the phone"),
    PHONE_STATE, END};
static const cli_option o_phone_mac[] = {{"--mac", CLI_MAC, "MAC", "the phone's MAC", NULL, 0, 0, 0, 1}, PHONE_STATE, END};
static const cli_option o_phone_https[] = {
    {"--mac", CLI_MAC, "MAC", "the phone's MAC", NULL, 0, 0, 0, 1},
    {"--timeout", CLI_DUR, "DURATION", "how long it waits for TVS", "1s", 10, 60000, 0, 0}, PHONE_STATE, END};
static const cli_option o_fleet_boot[] = {
    OPTN("--count", "N", "how many phones (the first boot needs it; more grows the fleet)", NULL, 1, 1000000),
    {"--first-mac", CLI_MAC, "MAC", "the first new phone's MAC (the others count up)", NULL, 0, 0, 0, 0},
    OPTD("--model", CLI_STR, "MODEL[,MODEL...]", "their models, cycled", "8845"),
    OPTR("--tftp", CLI_STR, "HOST[:PORT][,...]", "their TFTP servers"),
    OPTN("--http-port", "PORT", "the HTTP file service's port (0: TFTP only)", "6970", 0, 65535),
    OPTN("--concurrency", "N", "phones booting at once", "200", 1, 100000),
    {"--timeout", CLI_DUR, "DURATION", "how long a phone waits for each answer", "2s", 10, 60000, 0, 0},
    OPT("--auth-string", CLI_SECRET, "DIGITS", "the CAPF authentication string"),
    FLAG("--no-progress", "no progress bar"), PHONE_STATE, END};
static const cli_option o_fleet_status[] = {PHONE_STATE, END};
static const cli_option o_rehearse[] = {
    OPT("--state", CLI_DIR, "FLEET_DIR", "the fleet to copy (default: the phones' state directory)"),
    OPT("--tftp", CLI_STR, "HOST[:PORT][,...]", "the fleet's TFTP servers (default: each node's own)"),
    FLAG("--keep", "keep the copy afterwards"), END};
static const cli_option o_help[] = {FLAG("--man", "the man page's command reference (mdoc)"),
                                    FLAG("--commands", "every command's words, one per line (for scripts)"), END};

#define S_FILES "Trust lists and signed files"
#define S_CLUSTER "The cluster (--home DIR or PHONETRUST_HOME; --node HOST, default the publisher)"
#define S_DEVICES "Devices"
#define S_SERVE "Services"
#define S_PHONE "A simulated phone, a fleet of them, and rehearsal"
#define S_HELP "Help"

#define SERVICES                                                                                              \
    "Cisco Tftp|Cisco Trust Verification Service|Cisco Certificate Authority Proxy Function|Cisco CallManager|" \
    "Cisco CTL Provider"
#define CERTS "CallManager|CallManager-ECDSA|TVS|CAPF|ITLRecovery"

const cli_command cli_commands[] = {
    /* trust lists and signed files */
    {"show itl", "[FILE]", NULL, o_none, CLI_JSON, S_FILES,
     "print an ITL as CUCM's 'show itl' does, and verify it (no FILE: the one this node serves)", NULL, cmd_show_itl},
    {"show ctl", "[FILE]", NULL, o_none, CLI_JSON, S_FILES, "the same for a CTL", NULL, cmd_show_ctl},
    {"tlv build", "OUT", NULL, o_tlv_build, 0, S_FILES, "make a trust list: the signer's SAST record, then --record's",
     "ROLE: sast, ccm, ccm+tftp, tftp, capf, app-server, tvs", cmd_tlv_build},
    {"tlv resign", "IN OUT", NULL, o_tlv_resign, 0, S_FILES,
     "the same records under a new signer (what utils itl reset does); the signer must be a SAST of IN", NULL,
     cmd_tlv_resign},
    {"tlv dump", "FILE", NULL, o_none, CLI_JSON, S_FILES, "an annotated walk of every TLV: offset, tag, length", NULL,
     cmd_tlv_dump},
    {"sgn build", "IN OUT", NULL, o_sgn_build, 0, S_FILES, "sign a file (a phone's configuration, firmware, ...)",
     NULL, cmd_sgn_build},
    {"sgn verify", "FILE", NULL, o_cert, CLI_JSON, S_FILES,
     "verify a signed file (a trust list carries its signer; anything else needs --cert)",
     "Without --cert a signed file that is not a trust list is described, not checked: exit 9.", cmd_sgn_verify},
    {"sgn strip", "IN OUT", NULL, o_cert, 0, S_FILES, "the original file (verified first when --cert is given)",
     NULL, cmd_sgn_strip},
    {"enccnf encrypt", "IN OUT", NULL, o_enc_encrypt, 0, S_FILES,
     "an encrypted configuration file for one phone, and its signed stub", NULL, cmd_enccnf_encrypt},
    {"enccnf decrypt", "IN OUT", NULL, o_enc_decrypt, 0, S_FILES, "what the phone reads from it", NULL,
     cmd_enccnf_decrypt},
    {"cert create", "OUT", NULL, o_cert_create, 0, S_FILES, "a key and certificate in one PEM file (key first)",
     "ROLE: server, callmanager, callmanager-ecdsa, tvs, capf, itlrecovery, ca, mic, etoken, lsc, sast, ...",
     cmd_cert_create},

    /* the cluster */
    {"install", "", NULL, o_install, CLI_CHANGES, S_CLUSTER,
     "a new cluster: the publisher's certificates, its ITL and files served at once", NULL, cmd_install},
    {"node add", "HOST", NULL, o_node_add, CLI_CHANGES, S_CLUSTER, "a subscriber node, its certificates and files",
     NULL, cmd_node_add},
    {"node list", "", NULL, o_none, CLI_JSON, S_CLUSTER, "the nodes, their addresses, roles and services", NULL,
     cmd_node_list},
    {"node remove", "HOST", NULL, o_none, CLI_CHANGES, S_CLUSTER, "a subscriber node", NULL, cmd_node_remove},
    {"show param", "[NAME...]", NULL, o_none, CLI_JSON, S_CLUSTER, "the enterprise parameters, or one", NULL,
     cmd_show_param},
    {"set param", "NAME VALUE", NULL, o_none, CLI_CHANGES, S_CLUSTER,
     "set one (quote names with spaces); says what to restart when the phones' files carry it", NULL,
     cmd_set_param},
    {"show cert list", "", NULL, o_none, CLI_JSON, S_CLUSTER, "this node's certificates and the trusted ones", NULL,
     cmd_show_cert_list},
    {"show cert own", "NAME", CERTS, o_none, CLI_JSON, S_CLUSTER, "one of this node's own certificates", NULL,
     cmd_show_cert_own},
    {"set cert regen", "NAME", CERTS, o_regen, CLI_CHANGES, S_CLUSTER,
     "a new key and certificate; refused while phones that need the old one have not reported the current ITL",
     NULL, cmd_cert_regen},
    {"set cert import", "PURPOSE FILE", NULL, o_name, CLI_CHANGES, S_CLUSTER,
     "a trusted certificate: CallManager-trust, Phone-SAST-trust, CAPF-trust, ...", NULL, cmd_cert_import},
    {"set cert delete", "PURPOSE NAME", NULL, o_none, CLI_CHANGES, S_CLUSTER, "a trusted certificate", NULL,
     cmd_cert_delete},
    {"set itl record add", "ROLE FILE", NULL, o_name, CLI_CHANGES, S_CLUSTER,
     "your own certificate in every ITL (ROLE: ccm, ccm+tftp, tftp, app-server): the PBX's SIP-TLS, an HTTPS "
     "provisioning server, XML services",
     NULL, cmd_itl_record_add},
    {"set itl record delete", "ROLE NAME", NULL, o_none, CLI_CHANGES, S_CLUSTER, "one of those", NULL,
     cmd_itl_record_delete},
    {"show itl records", "", NULL, o_none, CLI_JSON, S_CLUSTER, "your own records in the ITL", NULL,
     cmd_show_itl_records},
    {"utils service restart", "SERVICE...", SERVICES, o_force, CLI_CHANGES, S_CLUSTER,
     "Cisco Tftp rebuilds and serves this node's ITL and files (refused after utils itl reset until the phones "
     "took the reset ITL); TVS and CAPF: a running serve reloads the certificate",
     "The name need not be quoted: utils service restart Cisco Tftp", cmd_service_restart},
    {"utils service activate", "SERVICE...", SERVICES, o_none, CLI_CHANGES, S_CLUSTER,
     "a service back in service (CAPF joins the ITL at the next Cisco Tftp restart)", NULL, cmd_service_activate},
    {"utils service deactivate", "SERVICE...", SERVICES, o_none, CLI_CHANGES, S_CLUSTER,
     "a service out of service (CAPF leaves the ITL at the next Cisco Tftp restart)", NULL, cmd_service_deactivate},
    {"utils itl reset localkey", "", NULL, o_none, CLI_CHANGES, S_CLUSTER,
     "re-sign the ITL with the ITLRecovery key, on every TFTP node", NULL, cmd_itl_reset_localkey},
    {"utils itl reset remotekey", "HOST USER PATH", NULL, o_remotekey, CLI_CHANGES, S_CLUSTER,
     "the same with an ITLRecovery.p12 fetched over SFTP", NULL, cmd_itl_reset_remotekey},
    {"file get tftp", "NAME", NULL, o_file_get, CLI_CHANGES, S_CLUSTER,
     "back up the ITL recovery key (here, or to an SFTP server)", NULL, cmd_file_get},
    {"file delete tftp", "NAME", "CTLFile.tlv", o_yes, CLI_CHANGES, S_CLUSTER,
     "remove a stale CTL from this node (after leaving mixed mode)", NULL, cmd_file_delete},
    {"file delete activelog", "PATH", "cm/tftpdata/CTLFile.tlv", o_yes, CLI_CHANGES | CLI_HIDDEN, S_CLUSTER,
     "the same, by its path on CUCM", NULL, cmd_file_delete},
    {"show alerts", "", NULL, o_none, CLI_JSON, S_CLUSTER, "e.g. the daily ITLRecovery backup alert", NULL,
     cmd_show_alerts},
    {"show audit", "", NULL, o_none, CLI_JSON, S_CLUSTER,
     "every administrative change: time, user, command, exit status", NULL, cmd_show_audit},
    {"utils ctl set-cluster mixed-mode", "", NULL, o_yes, CLI_CHANGES, S_CLUSTER,
     "mixed mode: a CTL signed by the ITLRecovery key", NULL, cmd_ctl_mixed},
    {"utils ctl set-cluster non-secure-mode", "", NULL, o_yes, CLI_CHANGES, S_CLUSTER, "back to non-secure mode",
     NULL, cmd_ctl_nonsecure},
    {"utils ctl update", "CTLFile", "CTLFile", o_yes, CLI_CHANGES, S_CLUSTER, "rebuild the CTL", NULL,
     cmd_ctl_update},
    {"utils ctl reset localkey", "", NULL, o_yes, CLI_CHANGES, S_CLUSTER,
     "re-sign the CTL with the ITLRecovery key", NULL, cmd_ctl_reset},
    {"ctl-client", "", NULL, o_ctl_client, CLI_CHANGES, S_CLUSTER,
     "a CTL signed inside hardware security tokens (eTokens)", NULL, cmd_ctl_client},
    {"run sql", "QUERY...", NULL, o_none, 0, S_CLUSTER,
     "only: select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'", NULL, cmd_run},
    {"utils import usecallmanager", "", NULL, o_import, CLI_CHANGES, S_CLUSTER,
     "take over from tlvfile/sgnfile, tvsd and capfd: the phones holding their ITL trust this cluster's at the "
     "next reset",
     NULL, cmd_import},
    {"utils bulk-cert export", "LOCATION", NULL, o_remotekey, CLI_CHANGES, S_CLUSTER,
     "this cluster's TFTP certificates to DIR or sftp://USER@HOST[:PORT]/PATH (moving phones between clusters)",
     NULL, cmd_bulk_export},
    {"utils bulk-cert consolidate", "LOCATION", NULL, o_remotekey, CLI_CHANGES, S_CLUSTER,
     "all the clusters' exported certificates into one file", NULL, cmd_bulk_consolidate},
    {"utils bulk-cert import", "LOCATION", NULL, o_remotekey, CLI_CHANGES, S_CLUSTER,
     "the other clusters' certificates, for TVS", NULL, cmd_bulk_import},
    {"utils disaster_recovery backup", "FILE", NULL, o_none, 0, S_CLUSTER,
     "database, keys and served files, encrypted with the security password", NULL, cmd_backup},
    {"utils disaster_recovery restore", "FILE", NULL, o_force, CLI_CHANGES, S_CLUSTER,
     "into an empty --home, or over its cluster: refused when the restored signer would strand phones (the "
     "replaced cluster is kept)",
     NULL, cmd_restore},
    {"cli", "", NULL, o_none, 0, S_CLUSTER, "the interactive admin: prompt for all of these", NULL, cmd_interactive},

    /* devices */
    {"device add", "DEVICE", NULL, o_device_add, CLI_CHANGES, S_DEVICES,
     "a phone, by its MAC (SEP001122334455, 00:11:22:33:44:55, ...); --count N: N of them", NULL, cmd_device_add},
    {"device list", "", NULL, o_none, CLI_JSON, S_DEVICES, "every device", NULL, cmd_device_list},
    {"device show", "DEVICE", NULL, o_none, CLI_JSON, S_DEVICES, "one device: model, pool, profile, LSC, CAPF", NULL,
     cmd_device_show},
    {"device set", "DEVICE KEY VALUE", NULL, o_none, CLI_CHANGES, S_DEVICES, "one of its settings (pool, profile, ...)",
     NULL, cmd_device_set},
    {"device remove", "DEVICE", NULL, o_none, CLI_CHANGES, S_DEVICES, "a device", NULL, cmd_device_remove},
    {"device cert", "DEVICE KIND [FILE]", NULL, o_device_cert, CLI_CHANGES, S_DEVICES,
     "its LSC or MIC (KIND: lsc or mic), from FILE, or --delete", NULL, cmd_device_cert},
    {"device pool", "NAME", NULL, o_pool, CLI_CHANGES, S_DEVICES, "a device pool and its CallManager group (= TVS list)",
     NULL, cmd_device_pool},
    {"device profile", "NAME", NULL, o_profile, CLI_CHANGES, S_DEVICES, "a phone security profile", NULL,
     cmd_device_profile},
    {"device capf", "[DEVICE]", NULL, o_capf, CLI_CHANGES, S_DEVICES, "a CAPF operation for a device or a model",
     NULL, cmd_device_capf},
    {"device report", "DEVICE", NULL, o_report, CLI_CHANGES, S_DEVICES, "a DeviceTLInfo report, as a phone sends it",
     NULL, cmd_device_report},
    {"show itl-status", "", NULL, o_itl_status, CLI_JSON, S_DEVICES,
     "each device's ITL against its TFTP server's, from its last report", NULL, cmd_itl_status},

    /* services */
    {"serve", "", NULL, o_serve, 0, S_SERVE,
     "this node's TFTP, HTTP, TVS (and on the publisher CAPF), until stopped",
     "--root also serves your own tftpboot tree: its files signed on request (NAME.sgn), its SEP<MAC>.cnf.xml "
     "the base of a known phone's configuration.",
     cmd_serve},
    {"tvs lookup", "CERTIFICATE", NULL, o_none, CLI_JSON, S_SERVE,
     "what this node's TVS answers for a certificate, and from which cache", NULL, cmd_tvs_lookup},
    {"tvs add", "CERTIFICATE", NULL, o_tvs_add, CLI_CHANGES, S_SERVE, "a certificate TVS vouches for", NULL,
     cmd_tvs_add},
    {"tvs remove", "CERTIFICATE", NULL, o_none, CLI_CHANGES, S_SERVE, "one of those", NULL, cmd_tvs_remove},

    /* phones, fleets, rehearsal */
    {"phone boot", "", NULL, o_phone_boot, 0, S_PHONE,
     "a simulated phone boots: CTL, ITL (TVS when the signer is new), config, CAPF, DeviceTLInfo",
     "Exit 1 when it ends locked or its configuration was refused.", cmd_phone_boot},
    {"phone show", "", NULL, o_phone_mac, CLI_JSON, S_PHONE, "its lists (SHA1, MD5, signer), statuses, console",
     NULL, cmd_phone_show},
    {"phone erase-trust-list", "", NULL, o_phone_mac, 0, S_PHONE, "the settings-menu erase (prints the model's menu path)",
     NULL, cmd_phone_erase},
    {"phone factory-reset", "", NULL, o_phone_mac, 0, S_PHONE, "everything the phone learnt, gone", NULL,
     cmd_phone_factory_reset},
    {"phone https-check", "URL", NULL, o_phone_https, 0, S_PHONE,
     "an application server's certificate as the phone judges it: its lists, then TVS (exit 1: not trusted)", NULL,
     cmd_phone_https_check},
    {"fleet boot", "", NULL, o_fleet_boot, CLI_JSON, S_PHONE,
     "boot many simulated phones on one event loop (again: a reset)",
     "Exit 1 when some are locked or failed, 130 when interrupted (Ctrl-C).", cmd_fleet_boot},
    {"fleet status", "", NULL, o_fleet_status, CLI_JSON, S_PHONE, "the fleet's states as they are", NULL,
     cmd_fleet_status},
    {"rehearse", "PLAN", NULL, o_rehearse, CLI_JSON, S_PHONE,
     "try a change on a copy of the cluster and the fleet; nothing real is touched",
     "PLAN: commands as typed at admin:, one per line, and 'reset' (the fleet boots), 'wait 6m' (time passes).\n"
     "A table per step; exit 1 when a phone ends locked.",
     cmd_rehearse},
    {"help", "[WORDS...]", NULL, o_help, 0, S_HELP, "this list, or one command's help", NULL, cmd_help},
};
const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];
