/*
 * cmd_interactive.c - `phonetrust cli`: an admin: prompt, as on a CUCM
 * node, that takes the same commands (line editing and history through
 * libedit).  Quote arguments with spaces: utils service restart "Cisco Tftp".
 */
#include "cli.h"

#include <editline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

/* Splits a line into words: whitespace separates, "..." and '...' group,
 * backslash escapes outside single quotes.  Returns the count, -1 on an
 * unclosed quote.  Words are written into buf. */
static int split(const char *line, char *buf, char **argv, int max)
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

int cmd_interactive(void)
{
    int last = EXIT_OK;
    for (;;) {
        char *line = readline("admin:");
        if (!line) {
            putchar('\n');
            break;
        }
        if (*line)
            add_history(line);
        char *buf = malloc(strlen(line) + 1);
        char *argv[MAX_ARGS + 2];
        argv[0] = "phonetrust";
        int n = buf ? split(line, buf, argv + 1, MAX_ARGS) : -1;
        if (n < 0) {
            fprintf(stderr, "phonetrust: unclosed quote or too many words\n");
            last = EXIT_USAGE;
        } else if (n > 0) {
            if (!strcmp(argv[1], "quit") || !strcmp(argv[1], "exit")) {
                free(buf);
                free(line);
                break;
            }
            if (!strcmp(argv[1], "cli")) {
                fprintf(stderr, "phonetrust: already at the admin: prompt\n");
            } else {
                argv[n + 1] = NULL;
                last = cli_dispatch(n + 1, argv);
            }
            fflush(stdout);
            fflush(stderr);
        }
        free(buf);
        free(line);
    }
    return last;
}
