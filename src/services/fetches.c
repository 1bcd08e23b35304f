/*
 * fetches.c - which address last fetched each device's configuration.
 *
 * A DeviceTLInfo report (POST /DeviceTLInfo) says which ITL a phone holds,
 * and administrators read `show itl-status` to decide whether a
 * regeneration is safe; anyone on the network can send one.  A report is
 * believed only from the address that last fetched that device's
 * configuration file (SEP<MAC>.cnf.xml[.sgn|.enc.sgn]) over TFTP or HTTP
 * from this serve.  One table for all the workers (a report may reach
 * another worker than the fetch), behind a mutex: open addressing on the
 * device name, grown at 70% load, never shrunk (one entry per phone).
 */
#include "server.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct fetch_entry {
    char device[16]; /* SEP + 12 hex, upper case; "" = free */
    char ip[48];
} fetch_entry;

struct srv_fetches {
    pthread_mutex_t lock;
    fetch_entry *e;
    size_t cap, used;
};

srv_fetches *srv_fetches_new(void)
{
    srv_fetches *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    pthread_mutex_init(&f->lock, NULL);
    return f;
}

void srv_fetches_free(srv_fetches *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    free(f->e);
    free(f);
}

/* "SEP<12 hex>.cnf.xml..." -> "SEP<12 HEX>", else 0. */
static int config_device(const char *name, char out[16])
{
    if (strncasecmp(name, "SEP", 3))
        return 0;
    for (int i = 3; i < 15; i++)
        if (!isxdigit((unsigned char)name[i]))
            return 0;
    if (strncmp(name + 15, ".cnf.xml", 8))
        return 0;
    memcpy(out, "SEP", 3);
    for (int i = 3; i < 15; i++)
        out[i] = (char)toupper((unsigned char)name[i]);
    out[15] = '\0';
    return 1;
}

static size_t slot(const fetch_entry *e, size_t cap, const char *device)
{
    size_t i = srv_hash(device) & (cap - 1);
    while (e[i].device[0] && strcmp(e[i].device, device))
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(srv_fetches *f)
{
    size_t cap = f->cap ? f->cap * 2 : 1024;
    fetch_entry *e = calloc(cap, sizeof *e);
    if (!e)
        return -1;
    for (size_t i = 0; i < f->cap; i++)
        if (f->e[i].device[0])
            e[slot(e, cap, f->e[i].device)] = f->e[i];
    free(f->e);
    f->e = e;
    f->cap = cap;
    return 0;
}

void srv_fetches_note(srv_fetches *f, const char *file, const char *peer)
{
    char dev[16], ip[48];
    if (!f || !config_device(file, dev))
        return;
    srv_peer_ip(peer, ip, sizeof ip);
    pthread_mutex_lock(&f->lock);
    if ((f->used + 1) * 10 <= f->cap * 7 || grow(f) == 0) {
        fetch_entry *e = &f->e[slot(f->e, f->cap, dev)];
        if (!e->device[0]) {
            memcpy(e->device, dev, sizeof e->device);
            f->used++;
        }
        snprintf(e->ip, sizeof e->ip, "%s", ip);
    }
    pthread_mutex_unlock(&f->lock);
}

int srv_fetches_from(srv_fetches *f, const char *device, const char *peer, char *fetched_by, size_t n)
{
    char dev[16], ip[48], name[32];
    snprintf(fetched_by, n, "%s", "");
    snprintf(name, sizeof name, "%.15s.cnf.xml", device);
    if (!f || strlen(device) != 15 || !config_device(name, dev))
        return 0;
    srv_peer_ip(peer, ip, sizeof ip);
    int match = 0;
    pthread_mutex_lock(&f->lock);
    if (f->cap) {
        const fetch_entry *e = &f->e[slot(f->e, f->cap, dev)];
        if (e->device[0]) {
            snprintf(fetched_by, n, "%s", e->ip);
            match = !strcmp(e->ip, ip);
        }
    }
    pthread_mutex_unlock(&f->lock);
    return match;
}
