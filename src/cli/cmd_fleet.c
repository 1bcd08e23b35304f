/*
 * cmd_fleet.c - `phonetrust fleet boot|status`: many simulated phones on one
 * event loop (src/phone/fleet.h), their states as a table or one JSON object.
 */
#include "cli.h"
#include "json.h"

#include "../phone/fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void counts_json(json *j, const pt_fleet_report *r)
{
    static const char *const keys[] = {"phones", "trusted", "locked", "no_itl", "lsc_installed", "pending", "failed",
                                       "files_refused"};
    const size_t vals[] = {r->phones, r->trusted, r->locked, r->no_itl, r->lsc_installed, r->pending, r->failed,
                           r->files_refused};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        json_key(j, keys[i]);
        json_int(j, (long long)vals[i]);
    }
    json_key(j, "locked_phones");
    json_arr(j);
    for (size_t i = 0; i < r->n_locked; i++)
        json_str(j, r->locked_names[i]);
    json_end_arr(j);
    if (r->first_failure[0]) {
        json_key(j, "first_failure");
        json_str(j, r->first_failure);
    }
}

static void counts_text(const char *state, const pt_fleet_report *r)
{
    printf("Fleet %s: %zu phones\n", state, r->phones);
    printf("  %-26s %7s\n", "state", "phones");
    printf("  %-26s %7zu\n", "trusting the current ITL", r->trusted);
    printf("  %-26s %7zu\n", "locked", r->locked);
    printf("  %-26s %7zu\n", "no ITL", r->no_itl);
    printf("  %-26s %7zu\n", "LSC installed", r->lsc_installed);
    printf("  %-26s %7zu\n", "pending (CAPF operation)", r->pending);
    printf("  %-26s %7zu\n", "failed", r->failed);
    if (r->files_refused)
        printf("  %-26s %7zu\n", "refused a file it names", r->files_refused);
    if (r->first_failure[0])
        printf("  first failure: %s\n", r->first_failure);
    printf("Locked phones:%s", r->n_locked ? "" : " none\n");
    size_t shown = r->n_locked > 24 ? 18 : r->n_locked;
    for (size_t i = 0; i < shown; i++)
        printf("%s%s", i % 6 ? " " : "\n  ", r->locked_names[i]);
    if (shown < r->n_locked)
        printf("\n  ... and %zu more (fleet status --json lists them all)", r->n_locked - shown);
    if (r->n_locked)
        printf("\n");
}

/* KB of memory per phone in flight: what the process grew by while booting. */
static double kb_per_phone(const pt_fleet_report *r)
{
    long grew = r->peak_rss_kb - r->base_rss_kb;
    return r->concurrency ? (double)(grew > 0 ? grew : 0) / (double)r->concurrency : 0;
}

static void boot_text(const pt_fleet_report *r)
{
    double per = kb_per_phone(r), at_once = (double)r->base_rss_kb + per * 10000.0;
    if (r->interrupted)
        printf("Interrupted: %zu of %zu phones booted in %.2f s; the others keep the state they had\n", r->booted,
               r->phones, r->seconds);
    else
        printf("Booted %zu phones in %.2f s (%.0f phones/s, %zu at a time)\n", r->phones, r->seconds,
               r->seconds > 0 ? (double)r->phones / r->seconds : 0, r->concurrency);
    printf("Memory: peak RSS %.1f MB (%.1f MB before the boots); %.1f KB per phone in flight "
           "(boots held %.1f KB each at most); 10,000 phones at once ~ %.0f MB = %.2f%% of 24 GB\n",
           (double)r->peak_rss_kb / 1024, (double)r->base_rss_kb / 1024, per,
           r->concurrency ? (double)r->peak_boot_bytes / 1024.0 / (double)r->concurrency : 0, at_once / 1024,
           at_once / (24.0 * 1024 * 1024) * 100);
}

static void boot_json(json *j, const pt_fleet_report *r)
{
    json_key(j, "seconds");
    char s[32];
    snprintf(s, sizeof s, "%.3f", r->seconds);
    json_str(j, s);
    json_key(j, "concurrency");
    json_int(j, (long long)r->concurrency);
    json_key(j, "booted");
    json_int(j, (long long)r->booted);
    json_key(j, "interrupted");
    json_bool(j, r->interrupted);
    json_key(j, "peak_rss_kb");
    json_int(j, r->peak_rss_kb);
    json_key(j, "kb_per_phone_in_flight");
    json_int(j, (long long)(kb_per_phone(r) + 0.5));
}

static int fleet(const cli_args *a, const char *sub)
{
    int boot = !strcmp(sub, "boot");
    const char *state = cli_str(a, "--state"), *tftp = boot ? cli_str(a, "--tftp") : NULL;
    const char *first_mac = boot ? cli_mac(a, "--first-mac") : NULL, *models = boot ? cli_str(a, "--model") : NULL;
    const char *auth = boot ? cli_str(a, "--auth-string") : NULL;
    long count = boot ? cli_num(a, "--count", 0) : 0, http_port = boot ? cli_num(a, "--http-port", 6970) : 6970;
    long timeout = boot ? cli_ms(a, "--timeout", 2000) : 2000;
    long concurrency = boot ? cli_num(a, "--concurrency", 200) : 200;
    int as_json = cli_on(a, "--json"), no_progress = boot && cli_on(a, "--no-progress");
    char buf[4096];
    if (!state)
        state = cli_phones_dir(buf, sizeof buf);
    pt_diag d;
    pt_diag_clear(&d);
    pt_fleet_report r;
    int rc;
    if (!boot) {
        rc = pt_fleet_status(state, &r, &d);
    } else {
        pt_fleet_opts o = {.state = state,
                           .count = (size_t)count,
                           .first_mac = first_mac,
                           .models = models,
                           .tftp = tftp,
                           .http_port = (int)http_port,
                           .timeout_ms = (int)timeout,
                           .concurrency = (size_t)concurrency,
                           .auth_string = auth,
                           .progress = !no_progress && isatty(STDERR_FILENO) ? stderr : NULL};
        rc = pt_fleet_boot(&o, &r, &d);
    }
    if (rc)
        return cli_fail(NULL, rc, &d);
    if (as_json) {
        json j;
        json_init(&j, stdout);
        json_obj(&j);
        counts_json(&j, &r);
        if (!strcmp(sub, "boot"))
            boot_json(&j, &r);
        json_end_obj(&j);
        json_done(&j);
    } else {
        counts_text(state, &r);
        if (!strcmp(sub, "boot"))
            boot_text(&r);
    }
    int ex = !strcmp(sub, "boot") && r.interrupted ? 130 /* 128 + SIGINT, as a shell reports it */
             : !strcmp(sub, "boot") && (r.locked || r.failed || r.files_refused) ? EXIT_VERIFY
                                                              : EXIT_OK;
    pt_fleet_report_free(&r);
    return ex;
}

int cmd_fleet_boot(const cli_args *a)
{
    return fleet(a, "boot");
}

int cmd_fleet_status(const cli_args *a)
{
    return fleet(a, "status");
}
