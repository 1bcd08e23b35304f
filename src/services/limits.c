/*
 * limits.c - how many clients each service takes, and from one address.
 *
 * One sender must not silence the services: each service (TFTP transfers,
 * HTTP connections, TVS and CAPF connections) has its own capacity
 * (--max-clients, per worker), and one address may hold at most
 * --max-per-peer of them in each service.  So 1,000 never-acknowledged
 * TFTP requests or idle connections on CAPF leave TVS answering, and leave
 * room in their own service for the other phones.
 *
 * Refusals are not logged one by one (that would be a flood of its own):
 * they are counted, and the one-second tick writes one line per service
 * that refused something, with the count and the address that was refused
 * most.  Per-address counts live in a small open-addressing table per
 * worker; an entry whose counts all fall to zero is kept as a tombstone and
 * reused.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

static const char *const svc_names[SVC_N] = {"TFTP", "HTTP", "TVS", "CAPF"};

typedef struct peer_count {
    char ip[48]; /* "" = never used */
    int n[SVC_N];
    int refused[SVC_N];
} peer_count;

struct srv_limits {
    int clients[SVC_N];
    int refused[SVC_N];
    peer_count *p;
    size_t cap, used;
};

srv_limits *srv_limits_new(void)
{
    return calloc(1, sizeof(srv_limits));
}

void srv_limits_free(srv_limits *l)
{
    if (l)
        free(l->p);
    free(l);
}

static size_t slot(const peer_count *p, size_t cap, const char *ip)
{
    size_t i = srv_hash(ip) & (cap - 1);
    while (p[i].ip[0] && strcmp(p[i].ip, ip))
        i = (i + 1) & (cap - 1);
    return i;
}

/* The entry of ip, created when missing; NULL when out of memory. */
static peer_count *peer(srv_limits *l, const char *ip)
{
    if ((l->used + 1) * 10 > l->cap * 7) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        peer_count *p = calloc(cap, sizeof *p);
        if (!p)
            return NULL;
        size_t used = 0;
        for (size_t i = 0; i < l->cap; i++) {
            int live = 0;
            for (int k = 0; k < SVC_N; k++)
                live |= l->p[i].n[k] | l->p[i].refused[k];
            if (l->p[i].ip[0] && live) { /* tombstones are dropped on growth */
                p[slot(p, cap, l->p[i].ip)] = l->p[i];
                used++;
            }
        }
        free(l->p);
        l->p = p;
        l->cap = cap;
        l->used = used;
    }
    peer_count *e = &l->p[slot(l->p, l->cap, ip)];
    if (!e->ip[0]) {
        snprintf(e->ip, sizeof e->ip, "%s", ip);
        l->used++;
    }
    return e;
}

int srv_admit(server *s, srv_service svc, const char *from)
{
    srv_limits *l = s->limits;
    char ip[48];
    srv_peer_ip(from, ip, sizeof ip);
    peer_count *e = peer(l, ip);
    int per_peer = s->o->max_per_peer > 0 ? s->o->max_per_peer : s->o->max_clients;
    if (!e || l->clients[svc] >= s->o->max_clients || e->n[svc] >= per_peer) {
        l->refused[svc]++;
        if (e)
            e->refused[svc]++;
        return 0;
    }
    l->clients[svc]++;
    e->n[svc]++;
    return 1;
}

void srv_release(server *s, srv_service svc, const char *from)
{
    srv_limits *l = s->limits;
    char ip[48];
    srv_peer_ip(from, ip, sizeof ip);
    if (l->clients[svc] > 0)
        l->clients[svc]--;
    if (!l->cap)
        return;
    peer_count *e = &l->p[slot(l->p, l->cap, ip)];
    if (e->ip[0] && e->n[svc] > 0)
        e->n[svc]--;
}

int srv_clients(const server *s, srv_service svc)
{
    return s->limits->clients[svc];
}

void srv_limits_tick(server *s)
{
    srv_limits *l = s->limits;
    for (int k = 0; k < SVC_N; k++) {
        if (!l->refused[k])
            continue;
        const peer_count *top = NULL;
        for (size_t i = 0; i < l->cap; i++)
            if (l->p[i].ip[0] && l->p[i].refused[k] && (!top || l->p[i].refused[k] > top->refused[k]))
                top = &l->p[i];
        srv_logl(s, LOG_WARNING, "%s: refused %d in the last second (%d clients; most from %s: %d, at most %d from one address)",
                svc_names[k], l->refused[k], l->clients[k], top ? top->ip : "?", top ? top->refused[k] : 0,
                s->o->max_per_peer > 0 ? s->o->max_per_peer : s->o->max_clients);
        l->refused[k] = 0;
        for (size_t i = 0; i < l->cap; i++)
            l->p[i].refused[k] = 0;
    }
}
