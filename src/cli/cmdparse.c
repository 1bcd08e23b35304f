/*
 * cmdparse.c - a command line read against the command table (commands.c):
 * the command's words, then its options and positionals, each checked
 * against its declared type; the accessors a command reads them with.
 *
 * Written by hand rather than with getopt_long: phonetrust's commands are
 * CUCM's multi-word verbs ("utils itl reset localkey"), each with its own
 * options, and the same rows must also give --help, the admin: prompt's ?
 * and Tab, and the man page - getopt knows one flat option list.
 */
#include "cli.h"
#include "cmdtable.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const cli_option json_opt = {"--json", CLI_FLAG, NULL, "print JSON on standard output instead", NULL, 0, 0, 0, 0};

/* the word-th (0-based) space-separated word of s, into out; 0 when none */
static int nth_word(const char *s, int word, char *out, size_t n)
{
    for (int w = 0; *s; w++) {
        const char *e = strchr(s, ' ');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (w == word) {
            if (len >= n)
                len = n - 1;
            memcpy(out, s, len);
            out[len] = '\0';
            return 1;
        }
        if (!e)
            break;
        s = e + 1;
    }
    return 0;
}

static int count_words(const char *s)
{
    int n = 0;
    char w[128];
    while (nth_word(s, n, w, sizeof w))
        n++;
    return n;
}

/* 1 when the row's words are argv[0..n-1] exactly (the first n of them when prefix) */
static int words_match(const cli_command *c, int argc, char **argv, int n, int prefix)
{
    char w[128];
    int cw = count_words(c->words);
    if (prefix ? cw < n : cw != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (i >= argc || !nth_word(c->words, i, w, sizeof w) || strcmp(w, argv[i]))
            return 0;
    return 1;
}

const cli_command *cli_find(int argc, char **argv, int *nwords)
{
    const cli_command *best = NULL;
    int bn = 0;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_command *c = &cli_commands[i];
        int n = count_words(c->words);
        if (n > bn && n < argc && words_match(c, argc - 1, argv + 1, n, 0)) {
            best = c;
            bn = n;
        }
    }
    *nwords = bn;
    return best;
}

static const cli_option *find_opt(const cli_command *c, const char *name, size_t len)
{
    for (const cli_option *o = c->opts; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    if ((c->flags & CLI_JSON) && len == 6 && !strncmp(name, "--json", 6))
        return &json_opt;
    return NULL;
}

int cli_mac_norm(const char *s, char out[13])
{
    if (!strncasecmp(s, "SEP", 3))
        s += 3;
    int n = 0;
    char sep = 0;
    for (const char *p = s; *p; p++) {
        if (isxdigit((unsigned char)*p)) {
            if (n == 12)
                return -1;
            out[n++] = (char)toupper((unsigned char)*p);
        } else if ((*p == ':' || *p == '-' || *p == '.') && (!sep || sep == *p) && n && n % 2 == 0 && p[1]) {
            sep = *p; /* 00:11:.., 00-11-.., and Cisco's 0011.2233.4455 */
        } else {
            return -1;
        }
    }
    out[n] = '\0';
    return n == 12 ? 0 : -1;
}

long cli_duration_ms(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || !isdigit((unsigned char)s[0]))
        return -1;
    double ms;
    if (!strcmp(end, "ms"))
        ms = v;
    else if (!strcmp(end, "s"))
        ms = v * 1000;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        ms = v * 60000;
    else if (!strcmp(end, "h"))
        ms = v * 3600000;
    else if (!strcmp(end, "d"))
        ms = v * 86400000.0;
    else
        return -1;
    if (ms > 1e15)
        return -1;
    return (long)(ms + 0.5);
}

static void usage_line(const cli_command *c, FILE *out)
{
    fprintf(out, "usage: phonetrust %s", c->words);
    if (c->args && *c->args)
        fprintf(out, " %s", c->args);
    for (const cli_option *o = c->opts; o && o->name; o++)
        if (o->required)
            fprintf(out, " %s %s", o->name, o->meta ? o->meta : "VALUE");
    int optional = (c->flags & CLI_JSON) != 0;
    for (const cli_option *o = c->opts; o && o->name; o++)
        optional |= !o->required;
    fputs(optional ? " [options]\n" : "\n", out);
}

static int usage_err(const cli_command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_err(const cli_command *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "phonetrust: %s: ", c->words);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage_line(c, stderr);
    fprintf(stderr, "(see 'phonetrust %s --help')\n", c->words);
    return EXIT_USAGE;
}

/* positional token i of the synopsis: its name (brackets and dots gone),
 * whether optional, whether it takes the rest; 0 when there is none */
typedef struct {
    char name[48];
    int optional, rest;
} pos_spec;

static int pos_token(const cli_command *c, int i, pos_spec *p)
{
    char w[64];
    if (!c->args || !nth_word(c->args, i, w, sizeof w))
        return 0;
    char *s = w;
    p->optional = *s == '[';
    if (p->optional)
        s++;
    size_t n = strcspn(s, "].");
    p->rest = strstr(s, "...") != NULL;
    snprintf(p->name, sizeof p->name, "%.*s", (int)n, s);
    return 1;
}

/* the choice s is (any case), as the table spells it, into out; -1 if none */
static int choose(const char *choices, const char *s, char *out, size_t n)
{
    const char *p = choices;
    size_t len = strlen(s);
    while (p && *p) {
        const char *e = strchr(p, '|');
        size_t cl = e ? (size_t)(e - p) : strlen(p);
        if (cl == len && !strncasecmp(p, s, len)) {
            snprintf(out, n, "%.*s", (int)cl, p);
            return 0;
        }
        p = e ? e + 1 : NULL;
    }
    return -1;
}

static int check_value(const cli_command *c, const cli_option *o, const char *v, long *num, char *norm)
{
    switch (o->type) {
    case CLI_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || (o->min < o->max && (x < o->min || x > o->max)))
            return usage_err(c, "%s %s: give a whole number from %ld to %ld", o->name, v, o->min, o->max);
        *num = x;
        break;
    }
    case CLI_DUR: {
        long ms = cli_duration_ms(v);
        if (ms < 0)
            return usage_err(c, "%s %s: give a duration with its unit: 500ms, 10s, 5m, 2h or 1d", o->name, v);
        if (o->min < o->max && (ms < o->min || ms > o->max))
            return usage_err(c, "%s %s: from %ldms to %lds", o->name, v, o->min, o->max / 1000);
        *num = ms;
        break;
    }
    case CLI_MAC:
        if (cli_mac_norm(v, norm))
            return usage_err(c, "%s %s: not a MAC address (001122334455, 00:11:22:33:44:55, 00-11-22-33-44-55 "
                                "or SEP001122334455)", o->name, v);
        break;
    case CLI_CHOICE: {
        char canon[64];
        if (choose(o->meta, v, canon, sizeof canon))
            return usage_err(c, "%s %s: use one of %s", o->name, v, o->meta);
        break;
    }
    default:
        break;
    }
    return EXIT_OK;
}

static int wants_help(int from, int argc, char **argv)
{
    for (int i = from; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    }
    return 0;
}

/* the commands that start with argv[1..n]: help for a group ("utils service --help") */
static int group_words(int argc, char **argv)
{
    int best = 0;
    for (size_t i = 0; i < cli_n_commands; i++)
        for (int n = best + 1; n < argc; n++) {
            if (!words_match(&cli_commands[i], argc - 1, argv + 1, n, 1))
                break;
            best = n;
        }
    return best;
}

static int unknown(int argc, char **argv, int help)
{
    int g = group_words(argc, argv);
    if (help || (g && g == argc - 1)) {
        cli_help_list(g + 1, argv, help ? stdout : stderr);
        return help ? EXIT_OK : EXIT_USAGE;
    }
    if (!g) {
        fprintf(stderr, "phonetrust: unknown command '%s'\n(see 'phonetrust help')\n", argv[1]);
        return EXIT_USAGE;
    }
    fprintf(stderr, "phonetrust: ");
    for (int i = 1; i <= g; i++)
        fprintf(stderr, "%s ", argv[i]);
    fprintf(stderr, "%s: not a command; these are:\n", argv[g + 1]);
    cli_help_list(g + 1, argv, stderr);
    return EXIT_USAGE;
}

int cli_parse(int argc, char **argv, cli_args *a, int *help_shown)
{
    memset(a, 0, sizeof *a);
    *help_shown = 0;
    a->argc = argc;
    a->argv = argv;
    int nw;
    const cli_command *c = cli_find(argc, argv, &nw);
    if (!c) {
        *help_shown = wants_help(1, argc, argv);
        return unknown(argc, argv, *help_shown);
    }
    a->cmd = c;
    a->nwords = nw;
    if (wants_help(nw + 1, argc, argv)) {
        cli_help_command(c, stdout);
        *help_shown = 1;
        return EXIT_OK;
    }
    int ended = 0, rest = -1;
    for (int i = nw + 1; i < argc; i++) {
        const char *t = argv[i];
        if (!ended && !strcmp(t, "--")) {
            ended = 1;
            continue;
        }
        if (!ended && t[0] == '-' && t[1]) {
            const char *eq = t[1] == '-' ? strchr(t, '=') : NULL;
            size_t len = eq ? (size_t)(eq - t) : strlen(t);
            const cli_option *o = find_opt(c, t, len);
            if (!o)
                return usage_err(c, "unknown option %.*s", (int)len, t);
            if (a->nvals == CLI_MAX_VALS)
                return usage_err(c, "too many options");
            const char *v = "";
            if (o->type == CLI_FLAG) {
                if (eq)
                    return usage_err(c, "%s takes no value", o->name);
            } else if (eq) {
                v = eq + 1;
            } else if (i + 1 < argc) {
                v = argv[++i];
            } else {
                return usage_err(c, "%s needs a value (%s)", o->name, o->meta ? o->meta : "VALUE");
            }
            /* given twice: the last one counts (a wrapper's default, overridden) */
            int ex = check_value(c, o, v, &a->vals[a->nvals].num, a->vals[a->nvals].norm);
            if (ex)
                return ex;
            a->vals[a->nvals].opt = o;
            a->vals[a->nvals].text = v;
            a->nvals++;
            continue;
        }
        pos_spec p;
        if (rest < 0 && !pos_token(c, a->npos, &p))
            return usage_err(c, "unexpected argument '%s'", t);
        if (rest < 0 && p.rest)
            rest = a->npos;
        if (a->npos == CLI_MAX_POS)
            return usage_err(c, "too many arguments");
        a->pos[a->npos++] = t;
    }
    /* the rest, joined: utils service restart Cisco Tftp */
    if (rest >= 0) {
        size_t len = 1;
        for (int i = rest; i < a->npos; i++)
            len += strlen(a->pos[i]) + 1;
        if (!(a->joined = calloc(1, len)))
            return EXIT_OTHER;
        for (int i = rest; i < a->npos; i++) {
            if (i > rest)
                strcat(a->joined, " ");
            strcat(a->joined, a->pos[i]);
        }
        a->pos[rest] = a->joined;
        a->npos = rest + 1;
    }
    for (int i = 0;; i++) {
        pos_spec p;
        if (!pos_token(c, i, &p))
            break;
        if (i >= a->npos) {
            if (!p.optional)
                return usage_err(c, "missing %s", p.name);
            continue;
        }
        int last = !pos_token(c, i + 1, &(pos_spec){0});
        if (last && c->choices) {
            if (choose(c->choices, a->pos[i], a->posbuf[i], sizeof a->posbuf[i]))
                return usage_err(c, "%s: use one of: %s", a->pos[i], c->choices);
            a->pos[i] = a->posbuf[i];
        } else if (!strcmp(p.name, "MAC") || !strcmp(p.name, "DEVICE")) {
            char hex[13];
            if (!cli_mac_norm(a->pos[i], hex)) {
                snprintf(a->posbuf[i], sizeof a->posbuf[i], "%s%s", p.name[0] == 'D' ? "SEP" : "", hex);
                a->pos[i] = a->posbuf[i];
            } else if (p.name[0] == 'M') {
                return usage_err(c, "%s: not a MAC address", a->pos[i]);
            }
        }
    }
    for (const cli_option *o = c->opts; o && o->name; o++)
        if (o->required && !cli_on(a, o->name))
            return usage_err(c, "%s %s is required", o->name, o->meta ? o->meta : "VALUE");
    return EXIT_OK;
}

void cli_args_free(cli_args *a)
{
    free(a->joined);
    a->joined = NULL;
}

static const cli_option *declared(const cli_args *a, const char *opt)
{
    const cli_option *o = find_opt(a->cmd, opt, strlen(opt));
    if (!o) {
        /* a command reading an option its row does not declare: a bug in phonetrust */
        fprintf(stderr, "phonetrust: internal error: %s does not declare %s\n", a->cmd->words, opt);
        abort();
    }
    return o;
}

static int last_of(const cli_args *a, const char *opt)
{
    const cli_option *o = declared(a, opt);
    for (int k = a->nvals - 1; k >= 0; k--)
        if (a->vals[k].opt == o || (o == &json_opt && !strcmp(a->vals[k].opt->name, "--json")))
            return k;
    return -1;
}

const char *cli_str(const cli_args *a, const char *opt)
{
    int k = last_of(a, opt);
    return k < 0 ? NULL : a->vals[k].text;
}

int cli_on(const cli_args *a, const char *opt)
{
    return last_of(a, opt) >= 0;
}

long cli_num(const cli_args *a, const char *opt, long dflt)
{
    int k = last_of(a, opt);
    return k < 0 ? dflt : a->vals[k].num;
}

long cli_ms(const cli_args *a, const char *opt, long dflt_ms)
{
    return cli_num(a, opt, dflt_ms);
}

const char *cli_mac(const cli_args *a, const char *opt)
{
    int k = last_of(a, opt);
    return k < 0 ? NULL : a->vals[k].norm;
}

const char *cli_each(const cli_args *a, const char *opt, int i)
{
    const cli_option *o = declared(a, opt);
    for (int k = 0; k < a->nvals; k++)
        if (a->vals[k].opt == o && i-- == 0)
            return a->vals[k].text;
    return NULL;
}

const char *cli_arg(const cli_args *a, int i)
{
    return i >= 0 && i < a->npos ? a->pos[i] : NULL;
}

int cli_take_globals(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--")) { /* the rest is the command's */
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        const cli_option *o = NULL;
        size_t len = strcspn(argv[i], "=");
        for (const cli_option *g = cli_global_opts; g->name; g++)
            if (strlen(g->name) == len && !strncmp(g->name, argv[i], len))
                o = g;
        if (!o) {
            argv[out++] = argv[i];
            continue;
        }
        const char *v = argv[i][len] == '=' ? argv[i] + len + 1 : i + 1 < *argc ? argv[++i] : NULL;
        if (!v)
            return cli_usage("%s needs a value (%s)", o->name, o->meta);
        if (!strcmp(o->name, "--home"))
            cli_home = v;
        else
            cli_node = v;
    }
    *argc = out;
    argv[out] = NULL;
    return EXIT_OK;
}
