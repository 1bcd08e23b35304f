/*
 * cmd_interactive.c - `phonetrust cli`: an admin: prompt, as on a CUCM
 * node, that takes the same commands (line editing and history through
 * libedit).  Quote arguments with spaces: utils service restart "Cisco Tftp".
 */
#include "cli.h"

#include "../rehearse/plan.h"

#include <editline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

int cmd_interactive(const cli_args *a)
{
    (void)a;
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
        int n = buf ? pt_words_split(line, buf, argv + 1, MAX_ARGS) : -1;
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
