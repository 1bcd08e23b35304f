/*
 * prompt.c - what a command asks the administrator: a yes/no confirmation,
 * a line, a secret (not echoed on a terminal).
 *
 * Answers are read from standard input one byte at a time, never through
 * stdio's buffer: a command must take its own line and no more, so that
 * the admin: prompt (libedit reads unbuffered) and a rehearsal (each step a
 * child process reading the rehearsal's input in turn) find the next line
 * where it was.  Piped answers are echoed, so a transcript reads as typed.
 *
 * In a rehearsal (cli_answers_yes) confirmations are answered yes without
 * reading, and the questions that remain (secrets, lines) are put to the
 * administrator on cli_prompt_fd, named by cli_prompt_label.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

int cli_answers_yes;
int cli_prompt_fd = -1;
const char *cli_prompt_label = "";

/* One line of standard input without its end; NULL at end of input or
 * when out of memory. */
static char *read_line(void)
{
    size_t n = 0, cap = 64;
    char *line = malloc(cap);
    if (!line)
        return NULL;
    int ended = 0; /* a newline was read */
    for (;;) {
        char ch;
        ssize_t r = read(STDIN_FILENO, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (ch == '\n') {
            ended = 1;
            break;
        }
        if (n + 2 > cap) {
            char *more = realloc(line, cap *= 2);
            if (!more) {
                pt_wipe(line, n);
                free(line);
                return NULL;
            }
            line = more;
        }
        line[n++] = ch;
    }
    if (!ended && n == 0) {
        free(line);
        return NULL;
    }
    line[n] = '\0';
    while (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    return line;
}

/* Where a question goes: stdout, or in a rehearsal the administrator's
 * terminal (the step's output is being kept). */
static void ask(const char *prompt)
{
    if (cli_prompt_fd >= 0) {
        dprintf(cli_prompt_fd, "%s%s", cli_prompt_label, prompt);
        printf("%s", prompt);
    } else {
        fputs(prompt, stdout);
    }
    fflush(stdout);
}

int cli_ask_yes(const char *prompt, const char *yes_word)
{
    if (cli_answers_yes) {
        printf("%sy\n", prompt);
        return 1;
    }
    ask(prompt);
    char *a = read_line();
    if (!a)
        return 0;
    if (!isatty(STDIN_FILENO))
        printf("%s\n", a);
    int yes = !strcasecmp(a, yes_word) || !strcasecmp(a, "y") || !strcasecmp(a, "yes");
    free(a);
    return yes;
}

int cli_confirm(const cli_args *a, const char *prompt, const char *yes_word)
{
    if (cli_on(a, "--yes")) {
        printf("%s%s\n", prompt, yes_word);
        return 1;
    }
    return cli_ask_yes(prompt, yes_word);
}

char *cli_ask_line(const char *prompt, const char *dflt)
{
    ask(prompt);
    char *line = read_line();
    if (!line)
        return dflt ? strdup(dflt) : NULL;
    if (!isatty(STDIN_FILENO))
        printf("%s\n", line);
    if (!*line && dflt) {
        free(line);
        return strdup(dflt);
    }
    return line;
}

char *cli_read_secret(const char *prompt)
{
    ask(prompt);
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = read_line();
    if (tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    putchar('\n'); /* the Enter the user typed, echoed or not */
    if (cli_prompt_fd >= 0)
        dprintf(cli_prompt_fd, "\n");
    return line;
}

void cli_free_secret(char *s)
{
    if (s) {
        pt_wipe(s, strlen(s));
        free(s);
    }
}
