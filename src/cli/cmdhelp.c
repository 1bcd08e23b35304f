/*
 * cmdhelp.c - help from the command table: one command's usage and
 * options (--help), the list of commands (help, a group's --help), and the
 * man page's command section (help --man).
 */
#include "cli.h"
#include "cmdtable.h"

#include <ctype.h>
#include <string.h>

static const char exit_text[] =
    "Exit status: 0 success; 1 does not verify, or not trusted;\n"
    "             2 usage error; 3 malformed input; 4 file cannot be read or written;\n"
    "             5 unusable key, unsupported or internal error;\n"
    "             6 refused (hold timer, not a publisher node, wrong password, declined);\n"
    "             7 no cluster home, or its database is unusable; 8 an address is in use;\n"
    "             9 a signed file whose signature was not checked (sgn verify without --cert)\n";

/* text from column col on, wrapped before column 100 (continuations at col) */
static void wrapped(const char *text, int col, FILE *out)
{
    int at = col;
    while (*text) {
        size_t w = strcspn(text, " ");
        if (at > col && at + 1 + (int)w > 100) {
            fprintf(out, "\n%*s", col, "");
            at = col;
        } else if (at > col) {
            fputc(' ', out);
            at++;
        }
        fwrite(text, 1, w, out);
        at += (int)w;
        text += w;
        while (*text == ' ')
            text++;
    }
    fputc('\n', out);
}

static void opt_words(const cli_option *o, char *out, size_t n)
{
    if (o->type == CLI_FLAG)
        snprintf(out, n, "%s", o->name);
    else
        snprintf(out, n, "%s %s", o->name, o->meta ? o->meta : "VALUE");
}

static void print_opt(const cli_option *o, FILE *out)
{
    char w[96];
    opt_words(o, w, sizeof w);
    fprintf(out, "  %-30s ", w);
    if (strlen(w) > 30)
        fprintf(out, "\n  %-30s ", "");
    char text[512];
    snprintf(text, sizeof text, "%s%s%s%s%s%s", o->help ? o->help : "", o->dflt ? " (default " : "",
             o->dflt ? o->dflt : "", o->dflt ? ")" : "", o->required ? " (required)" : "",
             o->repeat ? " (may be repeated)" : "");
    wrapped(text, 33, out);
}

void cli_help_command(const cli_command *c, FILE *out)
{
    fprintf(out, "usage: phonetrust %s", c->words);
    if (c->args && *c->args)
        fprintf(out, " %s", c->args);
    fputs(" [options]\n\n", out);
    fprintf(out, "%s\n", c->help);
    if (c->choices) {
        char w[64];
        const char *sp = c->args ? strrchr(c->args, ' ') : NULL;
        snprintf(w, sizeof w, "%s", sp ? sp + 1 : c->args ? c->args : "");
        w[strcspn(w, "[].")] = '\0';
        fprintf(out, "\n%s is one of:\n", w);
        for (const char *p = c->choices; p && *p;) {
            const char *e = strchr(p, '|');
            fprintf(out, "  %.*s\n", e ? (int)(e - p) : (int)strlen(p), p);
            p = e ? e + 1 : NULL;
        }
    }
    if (c->more)
        fprintf(out, "\n%s\n", c->more);
    fputs("\nOptions:\n", out);
    for (const cli_option *o = c->opts; o && o->name; o++)
        print_opt(o, out);
    if (c->flags & CLI_JSON)
        fprintf(out, "  %-30s %s\n", "--json", "print JSON on standard output instead (see phonetrust(1))");
    fprintf(out, "  %-30s %s\n", "-h, --help", "this help");
    if (c->flags & CLI_CHANGES)
        fputs("\nChanges the cluster (recorded in show audit).\n", out);
}

static int starts_with_words(const cli_command *c, int n, char **words)
{
    const char *s = c->words;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        if (strncmp(s, words[i], len) || (s[len] != ' ' && s[len] != '\0'))
            return 0;
        s += len;
        if (*s == ' ')
            s++;
        else if (i + 1 < n)
            return 0;
    }
    return 1;
}

static void list_line(const cli_command *c, FILE *out)
{
    char w[160];
    snprintf(w, sizeof w, "%s%s%s", c->words, c->args && *c->args ? " " : "", c->args ? c->args : "");
    fprintf(out, "  %-44s ", w);
    if (strlen(w) > 44)
        fprintf(out, "\n  %-44s ", "");
    wrapped(c->help, 47, out);
}

int cli_help_list(int argc, char **argv, FILE *out)
{
    int n = argc > 1 ? argc - 1 : 0, listed = 0;
    if (!n)
        fputs("usage: phonetrust [--home DIR] [--node HOST] COMMAND ... ('phonetrust COMMAND --help' for each)\n", out);
    const char *section = NULL;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_command *c = &cli_commands[i];
        if ((c->flags & CLI_HIDDEN) || !starts_with_words(c, n, argv + 1))
            continue;
        if (!n && (!section || strcmp(section, c->section))) {
            section = c->section;
            fprintf(out, "\n%s\n", section);
        }
        list_line(c, out);
        listed++;
    }
    if (!n)
        fprintf(out, "\nMACs: 001122334455, 00:11:22:33:44:55, 00-11-22-33-44-55 or SEP001122334455.\n"
                     "Durations carry their unit: 500ms, 10s, 5m, 2h, 1d.\n\n%s",
                exit_text);
    return listed;
}

/* mdoc: a text line (a leading dot or quote made harmless, backslashes kept as text) */
static void mdoc_text(const char *s, FILE *out)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        bol = *s == '\n';
        if (*s == '\\')
            fputs("\\e", out);
        else
            fputc(*s, out);
    }
    fputc('\n', out);
}

/* mdoc: the words of a macro line, each escaped so that none is read as a macro */
static void mdoc_words(const char *s, FILE *out)
{
    while (*s) {
        size_t n = strcspn(s, " ");
        if (n) {
            fputs(" \\&", out);
            for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\')
                    fputs("\\e", out);
                else if (s[i] == '"')
                    fputs("\\(dq", out);
                else
                    fputc(s[i], out);
            }
        }
        s += n;
        while (*s == ' ')
            s++;
    }
}

void cli_help_man(FILE *out)
{
    const char *section = NULL;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_command *c = &cli_commands[i];
        if (c->flags & CLI_HIDDEN)
            continue;
        if (!section || strcmp(section, c->section)) {
            if (section)
                fputs(".El\n", out);
            section = c->section;
            fputs(".Ss", out);
            mdoc_words(section, out);
            fputs("\n.Bl -tag -width Ds\n", out);
        }
        fputs(".It Cm", out);
        mdoc_words(c->words, out);
        if (c->args && *c->args) {
            fputs(" Ar", out);
            mdoc_words(c->args, out);
        }
        fputc('\n', out);
        char first[2] = {(char)toupper((unsigned char)c->help[0]), 0};
        fputs(first, out); /* a sentence here */
        mdoc_text(c->help + 1, out);
        if (c->choices) {
            fputs("One of:\n", out);
            mdoc_text(c->choices, out);
        }
        if (c->more) {
            fputs(".Pp\n", out);
            mdoc_text(c->more, out);
        }
        if (c->flags & CLI_CHANGES)
            fputs("Changes the cluster (recorded in\n.Cm show audit ) .\n", out);
        int any = (c->flags & CLI_JSON) != 0;
        for (const cli_option *o = c->opts; o && o->name; o++)
            any = 1;
        if (!any)
            continue;
        fputs(".Bl -tag -width Ds -compact\n", out);
        for (const cli_option *o = c->opts; o && o->name; o++) {
            fputs(".It Fl", out);
            mdoc_words(o->name + 1, out);
            if (o->type != CLI_FLAG) {
                fputs(" Ar", out);
                mdoc_words(o->meta ? o->meta : "VALUE", out);
            }
            fputc('\n', out);
            char line[512];
            snprintf(line, sizeof line, "%s%s%s%s%s%s", o->help ? o->help : "", o->dflt ? " (default " : "",
                     o->dflt ? o->dflt : "", o->dflt ? ")" : "", o->required ? " (required)" : "",
                     o->repeat ? " (may be repeated)" : "");
            mdoc_text(line, out);
        }
        if (c->flags & CLI_JSON)
            fputs(".It Fl \\&-json\nJSON on standard output (see\n.Sx JSON OUTPUT ) .\n", out);
        fputs(".El\n", out);
    }
    if (section)
        fputs(".El\n", out);
}
