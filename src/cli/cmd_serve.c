/*
 * cmd_serve.c - `phonetrust serve`: one node's services (TFTP, HTTP 6970,
 * TVS, CAPF) on an event loop, until SIGTERM; --root DIR adds the
 * administrator's own trees to what TFTP and HTTP serve.
 */
#include "cli.h"

#include "../services/server.h"

#include <stdio.h>
#include <string.h>

int cmd_serve(int argc, char **argv)
{
    pt_serve_opts o = {.addr = "0.0.0.0", .tftp_port = 69, .http_port = 6970, .tvs_port = 2445,
                       .capf_port = 3804, .max_clients = 1000, .max_per_peer = 250, .io_timeout = 10,
                       .workers = 1};
    const char *v;
    long n;
    const char *roots[16];
    int n_roots = 0;
    int ex = EXIT_OK;
    for (int i = 1; i < argc && !ex; i++) {
        int m;
        struct { const char *name; int *dst; long min, max; } ints[] = {
            {"--tftp-port", &o.tftp_port, 0, 65535}, {"--http-port", &o.http_port, 0, 65535},
            {"--tvs-port", &o.tvs_port, 0, 65535},   {"--capf-port", &o.capf_port, 0, 65535},
            {"--max-clients", &o.max_clients, 1, 100000}, {"--timeout", &o.io_timeout, 1, 3600},
            {"--max-per-peer", &o.max_per_peer, 1, 100000},
            {"--workers", &o.workers, 1, 64},
        };
        int matched = 0;
        for (size_t k = 0; !matched && k < sizeof ints / sizeof ints[0]; k++) {
            if ((m = cli_opt(argc, argv, &i, ints[k].name, &v))) {
                matched = 1;
                if (m < 0 || cli_parse_int(v, ints[k].min, ints[k].max, &n))
                    ex = cli_usage("%s: use %ld-%ld", ints[k].name, ints[k].min, ints[k].max);
                else if (ints[k].dst)
                    *ints[k].dst = (int)n;
            }
        }
        if (matched)
            continue;
        if ((m = cli_opt(argc, argv, &i, "--addr", &v)) > 0)
            o.addr = v;
        else if (!m && (m = cli_opt(argc, argv, &i, "--root", &v)) > 0) {
            if (n_roots == (int)(sizeof roots / sizeof roots[0]))
                ex = cli_usage("--root: at most %zu trees", sizeof roots / sizeof roots[0]);
            else
                roots[n_roots++] = v;
        }
        else if (!m && (m = cli_opt(argc, argv, &i, "--log", &v)) > 0)
            o.log_path = v;
        else if (!m && (m = cli_opt(argc, argv, &i, "--user", &v)) > 0)
            o.user = v;
        else if (!m && cli_flag(argv, i, "--allow-root"))
            o.allow_root = 1;
        else if (!m && cli_flag(argv, i, "--trace-tvs"))
            o.trace_tvs = 1;
        else if (!m && (m = cli_opt(argc, argv, &i, "--tls-min", &v)) > 0) {
            if (!strcmp(v, "1.0"))
                o.tls_min_10 = 1;
            else if (strcmp(v, "1.2"))
                ex = cli_usage("--tls-min: 1.0 or 1.2");
        } else
            ex = cli_usage("serve: unexpected argument %s", argv[i]);
        if (m < 0)
            ex = cli_usage("serve: %s needs a value", argv[i]);
    }
    if (ex)
        return ex;
    o.roots = roots;
    o.n_roots = n_roots;
    o.home = cli_home_dir();
    o.node = cli_node;
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_serve(&o, &d);
    return rc ? cli_fail("serve", rc, &d) : EXIT_OK;
}
