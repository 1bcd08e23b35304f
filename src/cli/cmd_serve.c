/*
 * cmd_serve.c - `phonetrust serve`: one node's services (TFTP, HTTP 6970,
 * TVS, CAPF) on an event loop, until SIGTERM; --root DIR adds the
 * administrator's own trees to what TFTP and HTTP serve.
 */
#include "cli.h"

#include "../services/server.h"

#include <stdio.h>
#include <string.h>

int cmd_serve(const cli_args *a)
{
    pt_serve_opts o = {.addr = "0.0.0.0", .tftp_port = 69, .http_port = 6970, .tvs_port = 2445,
                       .capf_port = 3804, .max_clients = 1000, .max_per_peer = 250, .io_timeout = 10,
                       .workers = 1};
    const char *roots[16], *v;
    int n_roots = 0;
    struct {
        const char *name;
        int *dst;
    } ints[] = {
        {"--tftp-port", &o.tftp_port},     {"--http-port", &o.http_port},       {"--tvs-port", &o.tvs_port},
        {"--capf-port", &o.capf_port},     {"--max-clients", &o.max_clients},   {"--max-per-peer", &o.max_per_peer},
        {"--workers", &o.workers},
    };
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        *ints[k].dst = (int)cli_num(a, ints[k].name, *ints[k].dst);
    o.io_timeout = (int)((cli_ms(a, "--timeout", o.io_timeout * 1000L) + 999) / 1000);
    if ((v = cli_str(a, "--addr")))
        o.addr = v;
    while (n_roots < (int)(sizeof roots / sizeof roots[0]) && (v = cli_each(a, "--root", n_roots)))
        roots[n_roots++] = v;
    if (cli_each(a, "--root", n_roots))
        return cli_usage("--root: at most %zu trees", sizeof roots / sizeof roots[0]);
    o.log_path = cli_str(a, "--log");
    o.user = cli_str(a, "--user");
    o.allow_root = cli_on(a, "--allow-root");
    o.trace_tvs = cli_on(a, "--trace-tvs");
    o.tls_min_10 = (v = cli_str(a, "--tls-min")) && !strcmp(v, "1.0");
    o.roots = roots;
    o.n_roots = n_roots;
    o.home = cli_home_dir();
    o.node = cli_node;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_serve(&o, &d);
    return rc ? cli_fail("serve", rc, &d) : EXIT_OK;
}
