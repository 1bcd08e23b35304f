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
    EXIT_IN_USE = 8   /* serve: an address and port is already held by another program */
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

/*
 * Option scanning.  cli_opt matches "--name VALUE" and "--name=VALUE" at
 * argv[*i], storing the value and advancing *i past what it used; it
 * returns 1 on a match, 0 otherwise, -1 when the value is missing.
 */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **value);
/* "KIND FILE [--name NAME]" from argv[first] on (set cert import, set itl
 * record add); cmd and usage name the command in errors. */
int cli_kind_file_name(int argc, char **argv, int first, const char *cmd, const char *usage, const char **kind,
                       const char **file, const char **name);
/* The certificate of FILE, and the name it goes by: NAME, else the file's
 * name without its extension. */
int cli_load_named_cert(const char *file, const char *name, X509 **x, char *base, size_t n);
int cli_flag(char **argv, int i, const char *name);

int cli_parse_hash(const char *s, int *hash);
int cli_parse_layout(const char *s, int *layout);
int cli_parse_signer_version(const char *s, int *sv);
int cli_parse_timestamp(const char *s, uint32_t *ts);
int cli_parse_int(const char *s, long min, long max, long *out);

/* The options every signing command shares. */
typedef struct cli_signing {
    const char *signer_path;  /* --signer */
    const char *filename;     /* --filename */
    pt_sign_opts opts;        /* --hash, --timestamp, --layout, --signer-version */
    int hash_given, layout_given, signer_version_given;
} cli_signing;

void cli_signing_init(cli_signing *s);
/*
 * Consumes one signing option at argv[*i] (advancing *i past its value).
 * Returns 1 when it was one (with *ex set to EXIT_USAGE on a bad or missing
 * value), 0 when it was not.  --signer-version only when with_sv.
 */
int cli_signing_opt(int argc, char **argv, int *i, cli_signing *s, int with_sv, int *ex);

/* Parses "IN OUT" plus signing options (what `sgn build` and `tlv resign`
 * take); --signer is required.  Returns an exit code. */
int cli_parse_in_out_signing(int argc, char **argv, const char *cmd, int with_sv,
                             const char **in, const char **out, cli_signing *sg);

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
/* wipes and frees what cli_read_secret returned (NULL: nothing) */
void cli_free_secret(char *s);
char *cli_ask_line(const char *prompt, const char *dflt);
/* In a rehearsal: confirmations answered yes unread; the other questions
 * put on cli_prompt_fd (>= 0) too, after cli_prompt_label. */
extern int cli_answers_yes;
extern int cli_prompt_fd;
extern const char *cli_prompt_label;
int cmd_install(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cluster_itl_status(int argc, char **argv);
int cluster_set(int argc, char **argv);
/* audit.c: the audit line of an administrative change; show audit */
void cli_audit(int argc, char **argv, int exit_code);
int cli_show_audit(int argc, char **argv);
struct pt_cluster;
/* cmd_itl.c: set itl record add|delete ..., show itl records (argv from "itl") */
int cluster_itl_records(struct pt_cluster *c, int argc, char **argv);
int cluster_show_itl_records(void);
int cluster_show_cert(int argc, char **argv);
int cluster_show_param(int argc, char **argv);
int cluster_utils(int argc, char **argv);
/* utils service restart|activate|deactivate NAME [--force] (cmd_service.c);
 * a library error in *rc */
int cli_utils_service(struct pt_cluster *c, const struct pt_node *self, int argc, char **argv, pt_diag *d, int *rc);
/* "The phones' files carry WHAT: rebuild them ..." and the exact commands,
 * one per TFTP node (cmd_service.c) */
void cli_tftp_restart_hint(struct pt_cluster *c, const char *what);
/* After utils itl reset: refuses a TFTP restart that strands phones (cmd_cluster.c) */
int cli_tftp_restart_guard(struct pt_cluster *c, const struct pt_node *self, int force);
/* A guard rail's refusal (why, the counts, the next step, then_what: the
 * verb to do after it) on stderr: EXIT_REFUSED; and --force's warning of
 * whom it strands (who: which phones, "" or more) (cmd_cluster.c) */
struct pt_guard;
int cli_guard_refused(const struct pt_guard *g, const char *why, const char *then_what);
void cli_guard_forced(const struct pt_guard *g, const char *who);
/* utils disaster_recovery backup FILE | restore FILE [--force] (cmd_backup.c) */
int cli_disaster_recovery(int argc, char **argv);
/* cmd_import.c: utils import usecallmanager ... (argv from "utils") */
int cluster_import(int argc, char **argv);
int cluster_file(int argc, char **argv);
int cluster_show_alerts(void);
int cluster_ctl_stale(void);
int cmd_run(int argc, char **argv);
int cmd_ctl_client(int argc, char **argv);
int cmd_tvs(int argc, char **argv);
int cmd_phone(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
/* cmd_rehearse.c: rehearse PLAN (src/rehearse/) */
int cmd_rehearse(int argc, char **argv);
/* every command, the interactive prompt's and a rehearsal's included */
/* The simulated phones' state directory when --state is not given:
 * PHONETRUST_PHONES, else ~/.phonetrust-phones (a fleet's phones too). */
const char *cli_phones_dir(char *buf, size_t n);
int cmd_serve(int argc, char **argv);
/* The path of the current node's served FILE; returns an exit code. */
int cluster_tftp_file(const char *file, char *out, size_t n);

int cmd_show(int argc, char **argv);
/* Runs one command line (argv[0] is the program name). */
int cli_dispatch(int argc, char **argv);
int cmd_interactive(void);
int cmd_tlv(int argc, char **argv);
int cmd_sgn(int argc, char **argv);
int cmd_enccnf(int argc, char **argv);
int cmd_cert(int argc, char **argv);

#endif
