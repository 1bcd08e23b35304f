/*
 * cmdtable.h - the one declarative table of phonetrust's commands.
 *
 * Every command is a row of commands.c: its words (CUCM's multi-word verbs,
 * "utils service restart"), its positional arguments, its options (name,
 * type, unit, default, help), its help text and whether it changes the
 * cluster.  cmdparse.c reads a command line against the table - the words,
 * then options and positionals, each checked against its type - and the
 * command's function gets the result.  --help, usage errors, the admin:
 * prompt's ? and Tab, the shell completion, the audit's "is this a change"
 * and the man page's command section all come from the same rows.
 */
#ifndef PHONETRUST_CMDTABLE_H
#define PHONETRUST_CMDTABLE_H

#include <stddef.h>
#include <stdio.h>

enum cli_type {
    CLI_FLAG,     /* no value */
    CLI_STR,      /* any text */
    CLI_SECRET,   /* a password or PIN: text, never written to the audit log */
    CLI_FILE,     /* a path to a file (Tab completes file names) */
    CLI_DIR,      /* a path to a directory */
    CLI_INT,      /* a whole number in [min, max] */
    CLI_DUR,      /* a duration with its unit: 500ms, 10s, 5m, 2h, 1d */
    CLI_MAC,      /* a MAC address: 001122334455, 00:11:22:33:44:55, 00-11-..., SEP001122334455 */
    CLI_CHOICE,   /* one of meta's words, separated by | */
};

typedef struct cli_option {
    const char *name;  /* "--cert" */
    int type;          /* enum cli_type */
    const char *meta;  /* what the value is, in the usage line ("PEM"); CLI_CHOICE: "a|b|c" */
    const char *help;
    const char *dflt;  /* the default, as shown in --help (NULL: none) */
    long min, max;     /* CLI_INT */
    int repeat;        /* may be given more than once (all values kept) */
    int required;      /* the command refuses to run without it */
} cli_option;

struct cli_args;
typedef int (*cli_run)(const struct cli_args *a);

enum {
    CLI_CHANGES = 1, /* changes the cluster: audited */
    CLI_JSON = 2,    /* takes --json (valid JSON on standard output) */
    CLI_HIDDEN = 4,  /* not listed in help (an alias) */
};

typedef struct cli_command {
    const char *words;   /* "sgn verify" */
    const char *args;    /* positionals: "IN OUT", "[NAME]", "SERVICE..." (the rest, joined by
                          * spaces); named MAC or DEVICE: a MAC in any form, normalised */
    const char *choices; /* the last positional is one of these ("a|b|c"; any case, spelled as here) */
    const cli_option *opts;
    unsigned flags;
    const char *section; /* the heading it is listed under in help */
    const char *help;    /* one line */
    const char *more;    /* what --help adds below the usage (NULL: nothing) */
    cli_run run;
} cli_command;

/* commands.c */
extern const cli_command cli_commands[];
extern const size_t cli_n_commands;
/* --home DIR, --node HOST: taken anywhere on the line, before the command
 * is read (cli_take_globals); an exit code */
extern const cli_option cli_global_opts[];
int cli_take_globals(int *argc, char **argv);

#define CLI_MAX_POS 24
#define CLI_MAX_VALS 64

/* A command line read against its row. */
typedef struct cli_args {
    const cli_command *cmd;
    int argc;          /* the command line as typed (argv[0]: the program) */
    char **argv;
    int nwords;        /* argv[1 .. nwords] are the command's words */
    int npos;
    const char *pos[CLI_MAX_POS];
    int nvals;
    struct {
        const cli_option *opt;
        const char *text; /* as typed */
        long num;         /* CLI_INT; CLI_DUR in milliseconds */
        char norm[16];    /* CLI_MAC: twelve upper-case hex digits */
    } vals[CLI_MAX_VALS];
    char *joined;      /* a "X..." positional, joined */
    char posbuf[CLI_MAX_POS][64]; /* positionals normalised (a MAC, a choice as spelled in the table) */
} cli_args;

/* Reads argv (global options already taken out) against the table.
 * Returns EXIT_OK with *a filled, or an exit code: usage errors say what
 * and where on stderr; --help (help_shown set) prints the help, exit 0. */
int cli_parse(int argc, char **argv, cli_args *a, int *help_shown);
void cli_args_free(cli_args *a);

/* The option's value as typed (the last one given), or NULL. */
const char *cli_str(const cli_args *a, const char *opt);
/* 1 when the flag (or option) was given. */
int cli_on(const cli_args *a, const char *opt);
/* CLI_INT's value, or dflt. */
long cli_num(const cli_args *a, const char *opt, long dflt);
/* CLI_DUR's value in milliseconds, or dflt_ms. */
long cli_ms(const cli_args *a, const char *opt, long dflt_ms);
/* CLI_MAC's twelve upper-case hex digits, or NULL. */
const char *cli_mac(const cli_args *a, const char *opt);
/* The i-th value of a repeated option (0, 1, ...), or NULL after the last. */
const char *cli_each(const cli_args *a, const char *opt, int i);
/* Positional i (NULL when not given). */
const char *cli_arg(const cli_args *a, int i);

/* A MAC in any accepted form to twelve upper-case hex digits; -1 if not one. */
int cli_mac_norm(const char *s, char out[13]);
/* "500ms", "10s", "5m", "2h", "1d" to milliseconds; -1 if not one. */
long cli_duration_ms(const char *s);

/* The row whose words argv[1..] start with (the longest), or NULL; *nwords
 * how many words it took. */
const cli_command *cli_find(int argc, char **argv, int *nwords);
/* Help: one command's; the list of those whose words start with prefix
 * (NULL: all, grouped by section); the man page's command section. */
void cli_help_command(const cli_command *c, FILE *out);
int cli_help_list(int argc, char **argv, FILE *out); /* how many listed */
void cli_help_man(FILE *out);
/* What may come next after words[0..n-1] (the one being typed: partial),
 * one candidate per call of emit; returns 1 when a file name may come
 * (the caller completes those). */
int cli_complete(int n, char **words, const char *partial, void (*emit)(const char *cand, void *ctx), void *ctx);

#endif
