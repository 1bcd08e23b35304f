/*
 * cmd_interactive.c - `phonetrust cli`: an admin: prompt, as on a CUCM
 * node, that takes the same commands (libedit).
 *
 * On a terminal: a banner; ? (typed, no Enter) lists what may come next
 * and Tab completes it - command words, options, choices, and file names
 * only where a file is expected - from the command table
 * (cmdcomplete.c); history kept across sessions in <home>/cli_history
 * (0600); Ctrl-C cancels the line being typed, or the command running,
 * never the prompt.  Each command runs in a child process, so a Ctrl-C
 * (or a crash) ends that command alone.  Service names need no quotes:
 * utils service restart Cisco Tftp.  From a pipe the lines are read a byte
 * at a time, so that a command's own questions read their answers from
 * the lines that follow it.
 */
#include "cli.h"

#include "../rehearse/plan.h"

#include <dirent.h>
#include <errno.h>
#include <histedit.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 64

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* one character from the terminal; -1 when Ctrl-C interrupted the read
 * (the line is then cancelled), 0 at the end of input */
static int getc_fn(EditLine *el, wchar_t *out)
{
    (void)el;
    unsigned char b[4];
    ssize_t r = read(STDIN_FILENO, b, 1);
    if (r < 0 && errno == EINTR && interrupted)
        return -1;
    if (r <= 0)
        return r < 0 ? -1 : 0;
    int n = b[0] < 0x80 ? 1 : b[0] >= 0xf0 ? 4 : b[0] >= 0xe0 ? 3 : b[0] >= 0xc0 ? 2 : 1;
    for (int i = 1; i < n; i++)
        if (read(STDIN_FILENO, b + i, 1) != 1)
            return -1;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    *out = mbrtowc(&wc, (const char *)b, (size_t)n, &st) == (size_t)n ? wc : (wchar_t)b[0];
    return 1;
}

static const char *prompt_fn(EditLine *el)
{
    (void)el;
    return "admin:";
}

/* ---- what may come next (? and Tab) ---- */

typedef struct {
    char *items[512];
    int n;
} cands;

static void add_cand(const char *c, void *ctx)
{
    cands *cs = ctx;
    for (int i = 0; i < cs->n; i++)
        if (!strcmp(cs->items[i], c))
            return;
    if (cs->n < 512)
        cs->items[cs->n++] = strdup(c);
}

/* file names that start with partial, directories with a / */
static void add_files(const char *partial, cands *cs)
{
    char dir[PATH_MAX], path[PATH_MAX];
    const char *slash = strrchr(partial, '/'), *base = slash ? slash + 1 : partial;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - partial + 1) : 0, partial);
    DIR *d = opendir(dir[0] ? dir : ".");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if ((e->d_name[0] == '.' && base[0] != '.') || strncmp(e->d_name, base, strlen(base)))
            continue;
        struct stat st;
        if (strlen(dir) + strlen(e->d_name) + 2 >= sizeof path)
            continue;
        strcpy(path, dir);
        strcat(path, e->d_name);
        int is_dir = stat(path[0] ? path : ".", &st) == 0 && S_ISDIR(st.st_mode);
        if (strlen(path) + 2 < sizeof path) {
            if (is_dir)
                strcat(path, "/");
            add_cand(path, cs);
        }
    }
    closedir(d);
}

/* the words before the cursor, the partial one last ("" after a space) */
static int line_words(EditLine *el, char *buf, size_t n, char **words, int max, const char **partial)
{
    const LineInfo *li = el_line(el);
    size_t len = (size_t)(li->cursor - li->buffer);
    if (len >= n)
        len = n - 1;
    char text[4096];
    if (len >= sizeof text)
        len = sizeof text - 1;
    memcpy(text, li->buffer, len);
    text[len] = '\0';
    int ended = len == 0 || text[len - 1] == ' ';
    int k = pt_words_split(text, buf, words, max);
    if (k < 0)
        return -1;
    *partial = "";
    if (!ended && k > 0)
        *partial = words[--k];
    return k;
}

static void collect(EditLine *el, cands *cs, const char **partial)
{
    char buf[4096], *words[MAX_ARGS];
    cs->n = 0;
    int k = line_words(el, buf, sizeof buf, words, MAX_ARGS, partial);
    if (k < 0)
        return;
    static char part[1024];
    snprintf(part, sizeof part, "%s", *partial);
    *partial = part;
    if (cli_complete(k, words, part, add_cand, cs))
        add_files(part, cs);
}

static void free_cands(cands *cs)
{
    for (int i = 0; i < cs->n; i++)
        free(cs->items[i]);
    cs->n = 0;
}

static void list(const cands *cs)
{
    putchar('\n');
    for (int i = 0; i < cs->n; i++)
        printf("  %s\n", cs->items[i]);
    if (!cs->n)
        printf("  (nothing more: press Enter)\n");
}

/* ?: what may come next, listed; the line stays as typed */
static unsigned char help_fn(EditLine *el, int ch)
{
    (void)ch;
    cands cs = {0};
    const char *partial;
    collect(el, &cs, &partial);
    list(&cs);
    free_cands(&cs);
    return CC_REDISPLAY;
}

/* Tab: the one candidate completed, or the part all of them share; else they are listed */
static unsigned char complete_fn(EditLine *el, int ch)
{
    (void)ch;
    cands cs = {0};
    const char *partial;
    collect(el, &cs, &partial);
    size_t pl = strlen(partial);
    unsigned char r = CC_REFRESH_BEEP;
    if (cs.n == 1) {
        const char *c = cs.items[0];
        char add[1100];
        int dir = c[strlen(c) - 1] == '/';
        snprintf(add, sizeof add, "%s%s", c + (strncmp(c, partial, pl) ? 0 : pl), dir ? "" : " ");
        el_insertstr(el, add);
        r = CC_REFRESH;
    } else if (cs.n > 1) {
        size_t common = strlen(cs.items[0]);
        for (int i = 1; i < cs.n; i++)
            for (size_t k = 0; k < common; k++)
                if (cs.items[i][k] != cs.items[0][k]) {
                    common = k;
                    break;
                }
        if (common > pl && !strncmp(cs.items[0], partial, pl)) {
            char add[1100];
            snprintf(add, sizeof add, "%.*s", (int)(common - pl), cs.items[0] + pl);
            el_insertstr(el, add);
            r = CC_REFRESH;
        } else {
            list(&cs);
            r = CC_REDISPLAY;
        }
    }
    free_cands(&cs);
    return r;
}

/* ---- a line read and run ---- */

/* a line from a pipe, a byte at a time (a command's questions read the lines after it) */
static char *read_plain_line(void)
{
    size_t n = 0, cap = 256;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    for (;;) {
        char c;
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 && !n) {
            free(s); /* the end of the input */
            return NULL;
        }
        if (r <= 0 || c == '\n')
            break;
        if (n + 2 > cap) {
            char *t = realloc(s, cap *= 2);
            if (!t)
                break;
            s = t;
        }
        s[n++] = c;
    }
    s[n] = '\0';
    return s;
}

/* the command in a child: Ctrl-C (or a crash) ends it, not the prompt */
static int run_line(int argc, char **argv)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return cli_dispatch(argc, argv);
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        int ex = cli_dispatch(argc, argv);
        fflush(NULL);
        _exit(ex);
    }
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGINT, &ign, &old);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old, NULL);
    if (WIFSIGNALED(st)) {
        if (WTERMSIG(st) == SIGINT)
            printf("\n(cancelled)\n");
        return 128 + WTERMSIG(st);
    }
    return WEXITSTATUS(st);
}

int cmd_interactive(const cli_args *a)
{
    (void)a;
    int tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO), last = EXIT_OK;
    EditLine *el = NULL;
    History *hist = NULL;
    HistEvent ev;
    char hist_path[PATH_MAX] = "";
    struct sigaction sa = {.sa_handler = on_interrupt}, old_int; /* no SA_RESTART: a read is interrupted */
    if (tty) {
        el = el_init("phonetrust", stdin, stdout, stderr);
        hist = history_init();
        history(hist, &ev, H_SETSIZE, 1000);
        history(hist, &ev, H_SETUNIQUE, 1);
        struct stat st;
        if (stat(cli_home_dir(), &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(hist_path, sizeof hist_path, "%s/cli_history", cli_home_dir());
            history(hist, &ev, H_LOAD, hist_path);
        }
        el_set(el, EL_EDITOR, "emacs");
        el_set(el, EL_HIST, history, hist);
        el_set(el, EL_PROMPT, prompt_fn);
        el_set(el, EL_GETCFN, getc_fn);
        el_set(el, EL_ADDFN, "pt-complete", "complete a command word, option or file name", complete_fn);
        el_set(el, EL_ADDFN, "pt-help", "what may come next", help_fn);
        el_set(el, EL_BIND, "^I", "pt-complete", NULL);
        el_set(el, EL_BIND, "?", "pt-help", NULL);
        sigaction(SIGINT, &sa, &old_int);
        printf("phonetrust admin: prompt, cluster %s%s%s\n"
               "? lists what may come next, Tab completes it, help WORDS explains a command, quit leaves.\n",
               cli_home_dir(), cli_node ? ", node " : "", cli_node ? cli_node : "");
    }
    for (;;) {
        char *line = NULL;
        if (tty) {
            int count;
            interrupted = 0;
            const char *l = el_gets(el, &count);
            if (!l && interrupted) {
                printf("^C\n");
                el_reset(el);
                continue;
            }
            if (!l || count <= 0) {
                putchar('\n');
                break;
            }
            line = strdup(l);
            line[strcspn(line, "\n")] = '\0';
            if (*line && strcmp(line, "quit") && strcmp(line, "exit")) {
                history(hist, &ev, H_ENTER, line);
                if (hist_path[0]) {
                    mode_t old = umask(077);
                    history(hist, &ev, H_SAVE, hist_path);
                    umask(old);
                    chmod(hist_path, 0600);
                }
            }
        } else {
            line = read_plain_line();
            if (!line)
                break;
        }
        char *buf = malloc(strlen(line) + 1);
        char *argv[MAX_ARGS + 2];
        argv[0] = "phonetrust";
        int n = buf ? pt_words_split(line, buf, argv + 1, MAX_ARGS) : -1;
        if (n < 0) {
            fprintf(stderr, "phonetrust: unclosed quote or too many words\n");
            last = EXIT_USAGE;
        } else if (n > 0 && (!strcmp(argv[1], "quit") || !strcmp(argv[1], "exit"))) {
            free(buf);
            free(line);
            break;
        } else if (n > 0 && !strcmp(argv[1], "cli")) {
            fprintf(stderr, "phonetrust: already at the admin: prompt\n");
        } else if (n > 0) {
            argv[n + 1] = NULL;
            last = tty ? run_line(n + 1, argv) : cli_dispatch(n + 1, argv);
            fflush(stdout);
            fflush(stderr);
        }
        free(buf);
        free(line);
    }
    if (tty) {
        sigaction(SIGINT, &old_int, NULL);
        history_end(hist);
        el_end(el);
    }
    return last;
}
