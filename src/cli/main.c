/*
 * main.c - the phonetrust command: dispatch to the command families.
 */
#include "cli.h"
#include "cmdtable.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_candidate(const char *cand, void *ctx)
{
    fprintf(ctx, "%s\n", cand);
}

/* phonetrust __complete WORD... PARTIAL (the shell completion's helper):
 * "files" or "words", then what may come next, one per line */
static int complete(int argc, char **argv)
{
    if (argc < 3)
        return EXIT_USAGE;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return EXIT_OTHER;
    int files = cli_complete(argc - 3, argv + 2, argv[argc - 1], print_candidate, m);
    fclose(m);
    printf("%s\n%s", files ? "files" : "words", text ? text : "");
    free(text);
    return EXIT_OK;
}

/* Every command, the interactive prompt's and a rehearsal's included:
 * read against the command table, run, and - when it changes the cluster -
 * audited (audit.c). */
int cli_dispatch(int argc, char **argv)
{
    if (argc < 2) {
        cli_help_list(1, argv, stderr);
        return EXIT_USAGE;
    }
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        cli_help_list(1, argv, stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "__complete"))
        return complete(argc, argv);
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        puts("phonetrust 0.1.0");
        return EXIT_OK;
    }
    cli_args a;
    int help;
    int ex = cli_parse(argc, argv, &a, &help);
    if (!ex && !help) {
        cli_progress_begin();
        ex = a.cmd->run(&a);
        cli_progress_end();
    }
    if (a.cmd && !help && (a.cmd->flags & CLI_CHANGES))
        cli_audit(&a, ex);
    cli_args_free(&a);
    return ex;
}

/* help [WORDS...] [--man] */
int cmd_help(const cli_args *a)
{
    if (cli_on(a, "--commands")) {
        for (size_t i = 0; i < cli_n_commands; i++)
            puts(cli_commands[i].words);
        return EXIT_OK;
    }
    if (cli_on(a, "--man")) {
        cli_help_man(stdout);
        return EXIT_OK;
    }
    int n = a->argc - a->nwords;
    char **words = a->argv + a->nwords; /* words[0]: "help" itself, then WORDS */
    int k = 1;
    for (int i = 1; i < n; i++)
        if (words[i][0] != '-')
            words[k++] = words[i];
    int nw;
    const cli_command *c = k > 1 ? cli_find(k, words, &nw) : NULL;
    if (c && nw == k - 1) {
        cli_help_command(c, stdout);
        return EXIT_OK;
    }
    if (!cli_help_list(k, words, stdout)) {
        fprintf(stderr, "phonetrust: help: no command starts with '%s'\n", words[1]);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    /* A peer that goes away (a server killed under a fleet, a client that
     * resets) must be an error on that connection, never the death of the
     * whole process: writes then fail with EPIPE, which every caller handles. */
    signal(SIGPIPE, SIG_IGN);
    int gx = cli_take_globals(&argc, argv);
    if (gx)
        return gx;
    return cli_dispatch(argc, argv);
}
