/*
 * cli.h - shared pieces of the phonetrust command: exit codes, error
 * printing, option parsing and the command entry points.
 */
#ifndef PHONETRUST_CLI_H
#define PHONETRUST_CLI_H

#include <stdint.h>

#include "phonetrust/crypto.h"
#include "phonetrust/error.h"
#include "phonetrust/signedfile.h"

#include "cmdtable.h"

/* Exit codes (documented in README and `phonetrust help`). */
enum {
    EXIT_OK = 0,
    EXIT_VERIFY = 1,  /* parsed, but does not verify / not trusted */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_FORMAT = 3,  /* malformed input file */
    EXIT_IO = 4,      /* a file cannot be read or written */
    EXIT_OTHER = 5,   /* unusable key, unsupported, crypto failure */
    EXIT_REFUSED = 6, /* refused: hold timer, not a publisher, wrong password, declined */
    EXIT_STATE = 7,   /* no cluster home, or its database is unusable */
    EXIT_IN_USE = 8,  /* serve: an address and port is already held by another program */
    EXIT_UNCHECKED = 9 /* sgn verify without --cert: a signed file described, its signature not checked */
};

/* The system user the Debian package creates: run as it, the cluster home
 * is its home directory (/var/lib/phonetrust), not ~/.phonetrust. */
#define PT_SERVICE_USER "phonetrust"

int cli_exit_code(int rc);
struct pt_cluster;
struct pt_node;
/* A new TFTP node's ITL and configuration files, built at once (install, node add). */
int cli_first_files(struct pt_cluster *c, const char *node);
/* Prints "phonetrust: WHAT: offset 0x..: message" and returns the exit code. */
int cli_fail(const char *what, int rc, const pt_diag *d);
/* Prints "phonetrust: message" and a hint; returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The certificate of FILE, and the name it goes by: NAME, else the file's
 * name without its extension. */
int cli_load_named_cert(const char *file, const char *name, X509 **x, char *base, size_t n);

/* The options every signing command shares (commands.c's SIGNING_OPTS). */
typedef struct cli_signing {
    const char *signer_path;  /* --signer */
    const char *filename;     /* --filename */
    pt_sign_opts opts;        /* --hash, --timestamp, --layout, --signer-version */
    int hash_given, layout_given, signer_version_given;
} cli_signing;

/* Reads them (--signer-version only when with_sv); returns an exit code. */
int cli_signing_read(const cli_args *a, cli_signing *s, int with_sv);

/* Loads key + certificate and makes a signer.  Returns an exit code. */
int cli_load_signer(const char *path, EVP_PKEY **key, X509 **cert, pt_signer *s);
/* Writes a file atomically; returns an exit code. */
int cli_write(const char *path, const void *data, size_t len, unsigned mode);

/* cluster commands (cmd_cluster.c) and the global options they read */
extern const char *cli_home;
extern const char *cli_node;
const char *cli_home_dir(void);
/* prompt.c: questions to the administrator, answered on standard input
 * (read unbuffered: a line and no more).  A secret is not echoed on a
 * terminal; NULL at the end of input.  cli_ask_yes: 1 for y, yes or
 * yes_word; cli_ask_line: dflt (copied) for an empty line or none. */
char *cli_read_secret(const char *prompt);
int cli_ask_yes(const char *prompt, const char *yes_word);
/* cli_ask_yes, answered yes_word without asking when the command has --yes */
int cli_confirm(const cli_args *a, const char *prompt, const char *yes_word);
/* wipes and frees what cli_read_secret returned (NULL: nothing) */
void cli_free_secret(char *s);
char *cli_ask_line(const char *prompt, const char *dflt);
/* In a rehearsal: confirmations answered yes unread; the other questions
 * put on cli_prompt_fd (>= 0) too, after cli_prompt_label. */
extern int cli_answers_yes;
extern int cli_prompt_fd;
extern const char *cli_prompt_label;
/* audit.c: the audit line of an administrative change */
void cli_audit(const cli_args *a, int exit_code);
struct pt_cluster;
struct pt_node;
/* A guard rail's refusal (why, the counts, the next step, then_what: the
 * verb to do after it) on stderr: EXIT_REFUSED; and --force's warning of
 * whom it strands (who: which phones, "" or more) (cmd_cluster.c) */
struct pt_guard;
int cli_guard_refused(const struct pt_guard *g, const char *why, const char *then_what);
void cli_guard_forced(const struct pt_guard *g, const char *who);
/* After utils itl reset: refuses a TFTP restart that strands phones (cmd_cluster.c) */
int cli_tftp_restart_guard(struct pt_cluster *c, const struct pt_node *self, int force);
/* "The phones' files carry WHAT: rebuild them ..." and the exact commands,
 * one per TFTP node (cmd_service.c) */
void cli_tftp_restart_hint(struct pt_cluster *c, const char *what);
/* The cluster (and this node, when self) opened for a command; an exit code. */
int cli_open_cluster(struct pt_cluster **c, struct pt_node *self);
/* "This is not a publisher node" (CUCM's words): EXIT_REFUSED, or EXIT_OK */
int cli_require_publisher(const struct pt_node *self);
/* Opens the cluster and this node (--node, default the publisher), refuses
 * on a subscriber when publisher_only, runs fn, closes: fn's exit code. */
typedef int (*cli_cluster_fn)(struct pt_cluster *c, const struct pt_node *self, const cli_args *a);
int cli_with_cluster(const cli_args *a, int publisher_only, cli_cluster_fn fn);
/* --port, --identity, --known-hosts, --accept-host-key (cmd_file.c) */
struct pt_sftp;
void cli_sftp_read(const cli_args *a, struct pt_sftp *s);
int cluster_ctl_stale(void);
/* The simulated phones' state directory when --state is not given:
 * PHONETRUST_PHONES, else ~/.phonetrust-phones (a fleet's phones too). */
const char *cli_phones_dir(char *buf, size_t n);
/* The path of the current node's served FILE; returns an exit code. */
int cluster_tftp_file(const char *file, char *out, size_t n);
/* progress.c: long work's progress bar, on a terminal only */
void cli_progress_begin(void);
void cli_progress_end(void);
/* Runs one command line (argv[0] is the program name). */
int cli_dispatch(int argc, char **argv);

/* The commands, each a row of commands.c's table: what they read was
 * checked against the row (cmdparse.c). */
int cmd_backup(const cli_args *a);
int cmd_bulk_consolidate(const cli_args *a);
int cmd_bulk_export(const cli_args *a);
int cmd_bulk_import(const cli_args *a);
int cmd_cert_create(const cli_args *a);
int cmd_cert_delete(const cli_args *a);
int cmd_cert_import(const cli_args *a);
int cmd_cert_regen(const cli_args *a);
int cmd_ctl_client(const cli_args *a);
int cmd_ctl_mixed(const cli_args *a);
int cmd_ctl_nonsecure(const cli_args *a);
int cmd_ctl_reset(const cli_args *a);
int cmd_ctl_update(const cli_args *a);
int cmd_device_add(const cli_args *a);
int cmd_device_capf(const cli_args *a);
int cmd_device_cert(const cli_args *a);
int cmd_device_list(const cli_args *a);
int cmd_device_pool(const cli_args *a);
int cmd_device_profile(const cli_args *a);
int cmd_device_remove(const cli_args *a);
int cmd_device_report(const cli_args *a);
int cmd_device_set(const cli_args *a);
int cmd_device_show(const cli_args *a);
int cmd_enccnf_decrypt(const cli_args *a);
int cmd_enccnf_encrypt(const cli_args *a);
int cmd_file_delete(const cli_args *a);
int cmd_file_get(const cli_args *a);
int cmd_fleet_boot(const cli_args *a);
int cmd_fleet_status(const cli_args *a);
int cmd_help(const cli_args *a);
int cmd_import(const cli_args *a);
int cmd_install(const cli_args *a);
int cmd_interactive(const cli_args *a);
int cmd_itl_record_add(const cli_args *a);
int cmd_itl_record_delete(const cli_args *a);
int cmd_itl_reset_localkey(const cli_args *a);
int cmd_itl_reset_remotekey(const cli_args *a);
int cmd_itl_status(const cli_args *a);
int cmd_node_add(const cli_args *a);
int cmd_node_list(const cli_args *a);
int cmd_node_remove(const cli_args *a);
int cmd_phone_boot(const cli_args *a);
int cmd_phone_erase(const cli_args *a);
int cmd_phone_factory_reset(const cli_args *a);
int cmd_phone_https_check(const cli_args *a);
int cmd_phone_show(const cli_args *a);
int cmd_rehearse(const cli_args *a);
int cmd_restore(const cli_args *a);
int cmd_run(const cli_args *a);
int cmd_serve(const cli_args *a);
int cmd_service_activate(const cli_args *a);
int cmd_service_deactivate(const cli_args *a);
int cmd_service_restart(const cli_args *a);
int cmd_set_param(const cli_args *a);
int cmd_sgn_build(const cli_args *a);
int cmd_sgn_strip(const cli_args *a);
int cmd_sgn_verify(const cli_args *a);
int cmd_show_alerts(const cli_args *a);
int cmd_show_audit(const cli_args *a);
int cmd_show_cert_list(const cli_args *a);
int cmd_show_cert_own(const cli_args *a);
int cmd_show_ctl(const cli_args *a);
int cmd_show_itl(const cli_args *a);
int cmd_show_itl_records(const cli_args *a);
int cmd_show_param(const cli_args *a);
int cmd_tlv_build(const cli_args *a);
int cmd_tlv_dump(const cli_args *a);
int cmd_tlv_resign(const cli_args *a);
int cmd_tvs_add(const cli_args *a);
int cmd_tvs_lookup(const cli_args *a);
int cmd_tvs_remove(const cli_args *a);

#endif
