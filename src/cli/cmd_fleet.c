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

static const char usage[] =
    "fleet boot [--count N] [--first-mac MAC] [--model MODEL[,MODEL...]] --tftp HOST[:PORT] [--http-port N|0] "
    "[--concurrency C] [--timeout MS] [--auth-string DIGITS] [--state DIR] [--json] [--no-progress] | "
    "fleet status [--state DIR] [--json]";

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

int cmd_fleet(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("%s", usage);
    const char *sub = argv[1], *tftp = NULL, *state = NULL, *first_mac = NULL, *models = NULL, *auth = NULL, *v;
    long count = 0, http_port = 6970, timeout = 2000, concurrency = 200;
    int as_json = 0, no_progress = 0;
    for (int i = 2; i < argc; i++) {
        int m;
        if ((m = cli_opt(argc, argv, &i, "--tftp", &v)) > 0)
            tftp = v;
        else if ((m = cli_opt(argc, argv, &i, "--state", &v)) > 0)
            state = v;
        else if ((m = cli_opt(argc, argv, &i, "--first-mac", &v)) > 0)
            first_mac = v;
        else if ((m = cli_opt(argc, argv, &i, "--model", &v)) > 0)
            models = v;
        else if ((m = cli_opt(argc, argv, &i, "--auth-string", &v)) > 0)
            auth = v;
        else if ((m = cli_opt(argc, argv, &i, "--count", &v)) > 0) {
            if (cli_parse_int(v, 1, 1000000, &count))
                return cli_usage("--count: 1 to 1000000 phones");
        } else if ((m = cli_opt(argc, argv, &i, "--http-port", &v)) > 0) {
            if (cli_parse_int(v, 0, 65535, &http_port))
                return cli_usage("--http-port: 0 to 65535");
        } else if ((m = cli_opt(argc, argv, &i, "--timeout", &v)) > 0) {
            if (cli_parse_int(v, 10, 60000, &timeout))
                return cli_usage("--timeout: 10 to 60000 milliseconds");
        } else if ((m = cli_opt(argc, argv, &i, "--concurrency", &v)) > 0) {
            if (cli_parse_int(v, 1, 100000, &concurrency))
                return cli_usage("--concurrency: 1 to 100000 phones in flight");
        } else if (m < 0)
            return cli_usage("%s needs a value", argv[i]);
        else if (cli_flag(argv, i, "--json"))
            as_json = 1;
        else if (cli_flag(argv, i, "--no-progress"))
            no_progress = 1;
        else
            return cli_usage("fleet %s: unexpected argument %s", sub, argv[i]);
    }
    char buf[4096];
    if (!state)
        state = cli_phones_dir(buf, sizeof buf);
    pt_diag d;
    pt_diag_clear(&d);
    pt_fleet_report r;
    int rc;
    if (!strcmp(sub, "status")) {
        if (tftp || count || first_mac || models || auth)
            return cli_usage("fleet status takes --state and --json only");
        rc = pt_fleet_status(state, &r, &d);
    } else if (!strcmp(sub, "boot")) {
        if (!tftp)
            return cli_usage("fleet boot: --tftp HOST[:PORT] is required");
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
    } else {
        return cli_usage("%s", usage);
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
