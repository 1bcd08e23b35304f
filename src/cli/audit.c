/*
 * audit.c - which commands are administrative changes, and their audit
 * line (time, OS user, the command as typed with its secrets replaced by
 * ***, exit status) in <home>/audit.log; `show audit [--json]`.
 */
#include "cli.h"
#include "cmdtable.h"
#include "json.h"

#include "phonetrust/audit.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* an option the command's row declares a secret (a password, a PIN) */
static int secret_option(const cli_command *c, const char *word)
{
    size_t len = strcspn(word, "=");
    for (const cli_option *o = c->opts; word[0] == '-' && o && o->name; o++)
        if (o->type == CLI_SECRET && strlen(o->name) == len && !strncmp(o->name, word, len))
            return 1;
    return 0;
}

static void append_word(char *out, size_t n, const char *w)
{
    size_t len = strlen(out);
    int quote = !*w || strpbrk(w, " \t\"'\\$") != NULL;
    snprintf(out + len, n - len, "%s%s%s%s", len ? " " : "", quote ? "\"" : "", w, quote ? "\"" : "");
}

/* The command line with every secret option's value replaced by *** */
static void redacted(const cli_command *c, int argc, char **argv, char *out, size_t n)
{
    out[0] = '\0';
    if (cli_node) {
        append_word(out, n, "--node");
        append_word(out, n, cli_node);
    }
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (secret_option(c, argv[i]) && eq) {
            char w[128];
            snprintf(w, sizeof w, "%.*s=***", (int)(eq - argv[i]), argv[i]);
            append_word(out, n, w);
        } else if (secret_option(c, argv[i]) && i + 1 < argc) {
            append_word(out, n, argv[i]);
            append_word(out, n, "***");
            i++;
        } else {
            append_word(out, n, argv[i]);
        }
    }
}

void cli_audit(const cli_args *a, int exit_code)
{
    const char *home = cli_home_dir();
    struct stat st;
    if (stat(home, &st) != 0 || !S_ISDIR(st.st_mode))
        return; /* no cluster (yet, or any more): nothing to audit into */
    pt_audit_entry e;
    memset(&e, 0, sizeof e);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(e.time, sizeof e.time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct passwd *pw = getpwuid(getuid());
    const char *sudo = getenv("SUDO_USER");
    if (sudo && *sudo && getuid() == 0)
        snprintf(e.user, sizeof e.user, "%s (sudo %s)", pw ? pw->pw_name : "root", sudo);
    else if (pw)
        snprintf(e.user, sizeof e.user, "%s", pw->pw_name);
    else
        snprintf(e.user, sizeof e.user, "uid %u", (unsigned)getuid());
    e.exit_code = exit_code;
    redacted(a->cmd, a->argc, a->argv, e.command, sizeof e.command);
    pt_diag d;
    if (pt_audit_append(home, &e, &d))
        fprintf(stderr, "phonetrust: warning: the audit log was not written: %s\n", d.msg);
}

int cmd_show_audit(const cli_args *a)
{
    int as_json = cli_on(a, "--json");
    pt_audit_entry *e;
    size_t n;
    pt_diag d;
    int rc = pt_audit_read(cli_home_dir(), &e, &n, &d);
    if (rc)
        return cli_fail("show audit", rc, &d);
    if (as_json) {
        json j;
        json_init(&j, stdout);
        json_arr(&j);
        for (size_t i = 0; i < n; i++) {
            json_obj(&j);
            json_key(&j, "time");
            json_str(&j, e[i].time);
            json_key(&j, "user");
            json_str(&j, e[i].user);
            json_key(&j, "command");
            json_str(&j, e[i].command);
            json_key(&j, "exit");
            json_int(&j, e[i].exit_code);
            json_end_obj(&j);
        }
        json_end_arr(&j);
        json_done(&j);
    } else {
        printf("%-20s  %-20s  %4s  %s\n", "Time (UTC)", "User", "Exit", "Command");
        for (size_t i = 0; i < n; i++)
            printf("%-20s  %-20s  %4d  %s\n", e[i].time, e[i].user, e[i].exit_code, e[i].command);
    }
    free(e);
    return EXIT_OK;
}
