/*
 * cmdcomplete.c - what may come next on a command line, from the command
 * table: the admin: prompt's ? and Tab, and `phonetrust help --complete`
 * (the shell completion in dist/phonetrust.bash-completion).
 */
#include "cli.h"
#include "cmdtable.h"

#include <string.h>
#include <strings.h>

static int word_at(const char *words, int i, char *out, size_t n)
{
    const char *s = words;
    for (int w = 0; w < i; w++) {
        s = strchr(s, ' ');
        if (!s)
            return 0;
        s++;
    }
    size_t len = strcspn(s, " ");
    if (!len || len >= n)
        return 0;
    memcpy(out, s, len);
    out[len] = '\0';
    return 1;
}

/* positionals that name a file: Tab completes file names there */
static int file_like(const char *name)
{
    static const char *const names[] = {"FILE", "IN", "OUT", "PEM", "PLAN", "DIR", "CERTIFICATE", "LOCATION", "PATH"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i]))
            return 1;
    return 0;
}

static void each_choice(const char *choices, const char *partial, void (*emit)(const char *, void *), void *ctx)
{
    size_t pl = strlen(partial);
    for (const char *p = choices; p && *p;) {
        const char *e = strchr(p, '|');
        char w[96];
        snprintf(w, sizeof w, "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
        if (!strncasecmp(w, partial, pl))
            emit(w, ctx);
        p = e ? e + 1 : NULL;
    }
}

int cli_complete(int n, char **words, const char *partial, void (*emit)(const char *cand, void *ctx), void *ctx)
{
    size_t pl = strlen(partial);
    /* a further word of the commands that start with words[0..n-1] */
    char seen[128][64];
    int nseen = 0;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_command *c = &cli_commands[i];
        if (c->flags & CLI_HIDDEN)
            continue;
        char w[64];
        int k;
        for (k = 0; k < n && word_at(c->words, k, w, sizeof w) && !strcmp(w, words[k]); k++)
            ;
        if (k < n)
            continue; /* another command, or one whose arguments are being typed (below) */
        if (word_at(c->words, n, w, sizeof w) && !strncmp(w, partial, pl)) {
            int dup = 0;
            for (int k2 = 0; k2 < nseen && !dup; k2++)
                dup = !strcmp(seen[k2], w);
            if (!dup && nseen < 128) {
                snprintf(seen[nseen++], sizeof seen[0], "%s", w);
                emit(w, ctx);
            }
        }
    }
    /* the command typed so far: its options, its next positional */
    char *argv[80];
    int argc = n + 1 < 79 ? n + 1 : 79;
    argv[0] = "phonetrust";
    for (int i = 1; i < argc; i++)
        argv[i] = words[i - 1];
    argv[argc] = NULL;
    int nw;
    const cli_command *c = cli_find(argc, argv, &nw);
    if (!c)
        return 0;
    /* the value of an option */
    if (n > nw && words[n - 1][0] == '-') {
        for (const cli_option *o = c->opts; o && o->name; o++)
            if (!strcmp(o->name, words[n - 1]) && o->type != CLI_FLAG) {
                if (o->type == CLI_CHOICE)
                    each_choice(o->meta, partial, emit, ctx);
                return o->type == CLI_FILE || o->type == CLI_DIR;
            }
    }
    if (partial[0] == '-' || !pl) {
        for (const cli_option *o = c->opts; o && o->name; o++)
            if (!strncmp(o->name, partial, pl))
                emit(o->name, ctx);
        if ((c->flags & CLI_JSON) && !strncmp("--json", partial, pl))
            emit("--json", ctx);
        if (!strncmp("--help", partial, pl) && pl)
            emit("--help", ctx);
        if (pl)
            return 0;
    }
    /* which positional comes next: the words typed after the command's, less options and their values */
    int npos = 0;
    for (int i = nw; i < n; i++) {
        if (words[i][0] == '-') {
            for (const cli_option *o = c->opts; o && o->name; o++)
                if (!strcmp(o->name, words[i]) && o->type != CLI_FLAG)
                    i++;
            continue;
        }
        npos++;
    }
    char tok[64], name[64];
    int ntok = 0;
    while (c->args && word_at(c->args, ntok, tok, sizeof tok))
        ntok++;
    if (!ntok)
        return 0;
    int which = npos < ntok ? npos : ntok - 1;
    word_at(c->args, which, tok, sizeof tok);
    if (npos >= ntok && !strstr(tok, "..."))
        return 0;
    snprintf(name, sizeof name, "%s", tok + (tok[0] == '['));
    name[strcspn(name, "].")] = '\0';
    if (which == ntok - 1 && c->choices) {
        if (!strstr(tok, "...")) {
            each_choice(c->choices, partial, emit, ctx);
            return 0;
        }
        /* a choice of several words, typed unquoted (utils service restart Cisco Tftp): the
         * words of it typed so far, then the next word of each choice they begin */
        char typed[256] = "";
        int k = 0;
        for (int i = nw; i < n; i++) {
            if (words[i][0] == '-')
                continue;
            if (k++ >= which) {
                strncat(typed, words[i], sizeof typed - strlen(typed) - 2);
                strcat(typed, " ");
            }
        }
        size_t tl = strlen(typed);
        for (const char *p = c->choices; p && *p;) {
            const char *e = strchr(p, '|');
            size_t cl = e ? (size_t)(e - p) : strlen(p);
            if (cl > tl && !strncasecmp(p, typed, tl)) {
                const char *w = p + tl;
                size_t wl = strcspn(w, " |");
                char cand[96];
                snprintf(cand, sizeof cand, "%.*s", (int)wl, w);
                if (!strncasecmp(cand, partial, pl))
                    emit(cand, ctx);
            }
            p = e ? e + 1 : NULL;
        }
        return 0;
    }
    return file_like(name);
}
