/*
 * plan.c - reading a rehearsal plan (plan.h): its lines, their words, and
 * which commands may run on a copy of the cluster.
 */
#include "plan.h"

#include "phonetrust/fileio.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 64

int pt_words_split(const char *line, char *buf, char **argv, int max)
{
    int n = 0;
    const char *p = line;
    char *o = buf;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (n == max)
            return -1;
        argv[n++] = o;
        char quote = 0;
        while (*p && (quote || (*p != ' ' && *p != '\t'))) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
                else if (*p == '\\' && quote == '"' && p[1])
                    *o++ = *++p;
                else
                    *o++ = *p;
            } else if (*p == '"' || *p == '\'') {
                quote = *p;
            } else if (*p == '\\' && p[1]) {
                *o++ = *++p;
            } else {
                *o++ = *p;
            }
            p++;
        }
        if (quote)
            return -1;
        *o++ = '\0';
    }
    return n;
}

/* What may run on the copy: first word, second, third (NULL: any).
 * Everything here reads or changes the cluster home (or the copy's phones)
 * only; a restore reads its backup and replaces the copy's home. */
static const struct {
    const char *w1, *w2, *w3;
} allowed[] = {
    {"set", NULL, NULL},          {"show", NULL, NULL},
    {"device", NULL, NULL},       {"node", NULL, NULL},
    {"tvs", NULL, NULL},          {"run", NULL, NULL},
    {"utils", "service", NULL},   {"utils", "itl", NULL},
    {"utils", "ctl", NULL},       {"utils", "import", NULL},
    {"utils", "disaster_recovery", "restore"},
    {"file", "delete", NULL},     {"ctl-client", NULL, NULL},
    {"phone", "erase-trust-list", NULL}, {"phone", "factory-reset", NULL},
    {"phone", "show", NULL},
};

static int word_is(int argc, char **argv, int i, const char *w)
{
    return !w || (argc > i && !strcmp(argv[i], w));
}

static int is_allowed(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (!strcmp(argv[1], allowed[i].w1) && word_is(argc, argv, 2, allowed[i].w2) &&
            word_is(argc, argv, 3, allowed[i].w3))
            return 1;
    return 0;
}

/* "90s", "6m", "2h", "1d", or a number of seconds: 1 s to 30 days */
static int duration(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    long unit = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
                : !strcmp(end, "d") ? 86400 : 0;
    if (end == s || !unit || v < 1 || v > 30L * 86400 / unit)
        return -1;
    *out = v * unit;
    return 0;
}

/* One line's step; 0, or PT_ERR_FORMAT with the reason in d. */
static int parse_line(char *text, unsigned line, pt_plan_step *st, pt_diag *d)
{
    st->line = line;
    st->text = strdup(text);
    char *buf = malloc(strlen(text) + 1);
    char **argv = calloc(MAX_WORDS + 2, sizeof *argv);
    if (!st->text || !buf || !argv) {
        free(buf);
        free(argv);
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    }
    argv[0] = buf; /* freed through argv[0]'s block: see pt_plan_free */
    int n = pt_words_split(text, buf, argv + 1, MAX_WORDS);
    st->argv = argv;
    if (n < 0)
        return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "line %u: an unclosed quote, or more than %d words", line,
                           MAX_WORDS);
    if (n == 1 && !strcmp(argv[1], "reset")) {
        st->kind = PT_STEP_RESET;
        return PT_OK;
    }
    if (!strcmp(argv[1], "wait")) {
        st->kind = PT_STEP_WAIT;
        if (n != 2 || duration(argv[2], &st->seconds))
            return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "line %u: wait DURATION: 90s, 6m, 2h or 1d (at most 30 days)",
                               line);
        return PT_OK;
    }
    st->kind = PT_STEP_COMMAND;
    /* the global options: --node names whose command line it is; --home
     * and --state would leave the copy */
    int out = 1;
    for (int i = 1; i <= n; i++) {
        const char *w = argv[i];
        if (!strcmp(w, "--home") || !strncmp(w, "--home=", 7) || !strcmp(w, "--state") || !strncmp(w, "--state=", 8))
            return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "line %u: %s: a rehearsal runs on its own copy only", line,
                               w);
        if (!strcmp(w, "--node") && i < n) {
            st->node = argv[++i];
            continue;
        }
        if (!strncmp(w, "--node=", 7)) {
            st->node = w + 7;
            continue;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    st->argc = out;
    if (out < 2 || !is_allowed(out, argv))
        return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET,
                           "line %u: '%s' cannot be rehearsed: a plan holds reset, wait DURATION and the commands "
                           "that change or show the cluster (set, utils service|itl|ctl|import, "
                           "utils disaster_recovery restore, device, node, "
                           "show, tvs, file delete, phone erase-trust-list|factory-reset|show)",
                           line, text);
    return PT_OK;
}

int pt_plan_read(const char *path, pt_plan *p, pt_diag *d)
{
    memset(p, 0, sizeof *p);
    uint8_t *data;
    size_t len;
    int rc = pt_file_read(path, &data, &len, 1u << 20, d);
    if (rc)
        return rc;
    char *text = (char *)realloc(data, len + 1);
    if (!text) {
        free(data);
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    }
    text[len] = '\0';
    if (memchr(text, '\0', len)) {
        free(text);
        return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "a plan is text: a NUL byte");
    }
    size_t cap = 0;
    unsigned line = 0;
    /* line by line (strsep keeps empty lines, so numbers stay right) */
    char *rest = text;
    for (char *l; !rc && (l = strsep(&rest, "\n"));) {
        line++;
        size_t ln = strlen(l);
        while (ln && isspace((unsigned char)l[ln - 1]))
            l[--ln] = '\0';
        while (isspace((unsigned char)*l))
            l++;
        if (!*l || *l == '#')
            continue;
        if (p->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            pt_plan_step *ns = realloc(p->steps, nc * sizeof *ns);
            if (!ns) {
                rc = pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
                break;
            }
            p->steps = ns;
            cap = nc;
        }
        pt_plan_step *st = &p->steps[p->n++];
        memset(st, 0, sizeof *st);
        rc = parse_line(l, line, st, d);
    }
    free(text);
    if (!rc && !p->n)
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "the plan holds no step");
    if (rc)
        pt_plan_free(p);
    return rc;
}

void pt_plan_free(pt_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->steps[i].text);
        if (p->steps[i].argv)
            free(p->steps[i].argv[0]);
        free(p->steps[i].argv);
    }
    free(p->steps);
    memset(p, 0, sizeof *p);
}
