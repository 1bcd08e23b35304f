/*
 * cmd_rehearse.c - `phonetrust rehearse PLAN`: a change tried on a copy of
 * the cluster and the fleet (src/rehearse/), step by step, as a table or
 * one JSON object.
 */
#include "cli.h"
#include "json.h"

#include "../rehearse/rehearse.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* one step of the plan, in the child process the rehearsal made for it */
static int run_on_copy(const char *home, const char *node, int argc, char **argv, int ask_fd, const char *label)
{
    cli_home = home;
    cli_node = node;
    cli_answers_yes = 1;
    cli_prompt_fd = ask_fd;
    cli_prompt_label = label;
    return cli_dispatch(argc, argv);
}

static const char *result(const pt_rehearse_step *s)
{
    static char buf[16];
    if (s->kind == PT_STEP_RESET)
        return "booted";
    if (s->kind == PT_STEP_WAIT)
        return "waited";
    if (s->exit_code == EXIT_OK)
        return "ok";
    if (s->exit_code == EXIT_REFUSED)
        return "refused";
    snprintf(buf, sizeof buf, "exit %d", s->exit_code);
    return buf;
}

static void text(const char *plan, const char *fleet, const pt_rehearse_report *r)
{
    printf("Rehearsal of %s on a copy of %s and of the fleet %s\n", plan, cli_home_dir(), fleet);
    printf("%4s %4s  %-44s %-8s %8s %6s %6s %5s %6s\n", "STEP", "LINE", "COMMAND", "RESULT", "TRUSTING", "LOCKED",
           "NO ITL", "LSC", "FAILED");
    for (size_t i = 0; i < r->n; i++) {
        const pt_rehearse_step *s = &r->steps[i];
        printf("%4zu %4u  %-44.44s %-8s %8zu %6zu %6zu %5zu %6zu\n", i + 1, s->line, s->text, result(s), s->trusted,
               s->locked, s->no_itl, s->lsc_installed, s->failed);
        if (s->message[0] && (s->kind == PT_STEP_COMMAND || s->kind == PT_STEP_RESET))
            for (const char *p = s->message; *p;) {
                size_t len = strcspn(p, "\n");
                printf("%11s| %.*s\n", "", (int)len, p);
                p += len + (p[len] == '\n');
            }
    }
    if (r->stranded_at) {
        const pt_rehearse_step *at = &r->steps[r->stranded_at - 1];
        printf("First stranded: step %zu (%s, line %u) locked %zu phone%s", r->stranded_at, at->text, at->line,
               r->stranded_count, r->stranded_count == 1 ? "" : "s");
        if (r->stranded_after)
            printf(", after step %zu (line %u: %s)", r->stranded_after, r->steps[r->stranded_after - 1].line,
                   r->steps[r->stranded_after - 1].text);
        printf("\n  %s: %s\n", r->stranded_phone, r->stranded_reason);
    } else {
        printf("No step stranded a phone.\n");
    }
    size_t end = r->n ? r->steps[r->n - 1].locked : 0;
    printf("At the end: %zu phone%s locked. Nothing was changed on the cluster or the phones.\n", end,
           end == 1 ? "" : "s");
}

static void as_json(const char *plan, const pt_rehearse_report *r)
{
    json j;
    json_init(&j, stdout);
    json_obj(&j);
    json_key(&j, "plan");
    json_str(&j, plan);
    json_key(&j, "steps");
    json_arr(&j);
    static const char *const kinds[] = {"command", "reset", "wait"};
    for (size_t i = 0; i < r->n; i++) {
        const pt_rehearse_step *s = &r->steps[i];
        json_obj(&j);
        json_key(&j, "step");
        json_int(&j, (long long)i + 1);
        json_key(&j, "line");
        json_int(&j, s->line);
        json_key(&j, "kind");
        json_str(&j, kinds[s->kind]);
        json_key(&j, "command");
        json_str(&j, s->text);
        json_key(&j, "result");
        json_str(&j, result(s));
        json_key(&j, "exit");
        json_int(&j, s->exit_code);
        json_key(&j, "message");
        json_str(&j, s->message);
        static const char *const keys[] = {"phones", "trusted", "locked", "no_itl", "lsc_installed", "pending",
                                           "failed"};
        const size_t vals[] = {s->phones, s->trusted, s->locked, s->no_itl, s->lsc_installed, s->pending, s->failed};
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
            json_key(&j, keys[k]);
            json_int(&j, (long long)vals[k]);
        }
        json_end_obj(&j);
    }
    json_end_arr(&j);
    json_key(&j, "stranded");
    if (r->stranded_at) {
        json_obj(&j);
        json_key(&j, "step");
        json_int(&j, (long long)r->stranded_at);
        json_key(&j, "after_step");
        json_int(&j, (long long)r->stranded_after);
        json_key(&j, "phones");
        json_int(&j, (long long)r->stranded_count);
        json_key(&j, "first_phone");
        json_str(&j, r->stranded_phone);
        json_key(&j, "reason");
        json_str(&j, r->stranded_reason);
        json_end_obj(&j);
    } else {
        json_null(&j);
    }
    json_key(&j, "locked_at_end");
    json_int(&j, r->n ? (long long)r->steps[r->n - 1].locked : 0);
    json_end_obj(&j);
    json_done(&j);
}

int cmd_rehearse(const cli_args *a)
{
    const char *plan_path = cli_arg(a, 0), *state = cli_str(a, "--state"), *tftp = cli_str(a, "--tftp");
    int json_out = cli_on(a, "--json"), keep = cli_on(a, "--keep");
    char buf[4096], exe[PATH_MAX];
    if (!state)
        state = cli_phones_dir(buf, sizeof buf);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return cli_usage("rehearse: cannot find this program to serve the copy");
    exe[n] = '\0';
    pt_diag d;
    pt_diag_clear(&d);
    pt_plan plan;
    int rc = pt_plan_read(plan_path, &plan, &d);
    if (rc)
        return cli_fail(plan_path, rc, &d);
    pt_rehearse_opts o = {.home = cli_home_dir(),
                          .fleet = state,
                          .tftp = tftp,
                          .exe = exe,
                          .keep = keep,
                          .run = run_on_copy,
                          .progress = isatty(STDERR_FILENO) ? stderr : NULL};
    pt_rehearse_report r;
    rc = pt_rehearse(&o, &plan, &r, &d);
    pt_plan_free(&plan);
    if (r.interrupted) {
        /* its copy is gone (or kept, with --keep); end as the signal would have */
        int sig = r.interrupted;
        fprintf(stderr, "phonetrust: rehearse: interrupted after step %zu; %s\n", r.n,
                keep ? "the copy is kept" : "its copy is removed");
        pt_rehearse_report_free(&r);
        fflush(NULL);
        signal(sig, SIG_DFL);
        raise(sig);
        return EXIT_OTHER;
    }
    if (rc) {
        pt_rehearse_report_free(&r);
        return cli_fail(NULL, rc, &d);
    }
    if (json_out)
        as_json(plan_path, &r);
    else
        text(plan_path, state, &r);
    if (keep)
        fprintf(stderr, "The copy is kept in %s\n", r.sandbox);
    int ex = r.n && r.steps[r.n - 1].locked ? EXIT_VERIFY : EXIT_OK;
    pt_rehearse_report_free(&r);
    return ex;
}
