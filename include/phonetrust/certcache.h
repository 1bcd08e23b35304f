/*
 * certcache.h - what TVS knows (M13, seed 002): certificate -> roles.
 *
 * Two caches, looked up in this order: the database certificate cache
 * (every node's certificates and the trust stores, with the roles they
 * give) and the CTL certificate cache (the records of the CTLFile.tlv in
 * force).  A certificate is keyed by the SHA-256 of its DER, as the
 * reference TVS database is.  pt_filestamp notices that CTLFile.tlv changed
 * so the CTL cache can be rebuilt without a restart.
 */
#ifndef PHONETRUST_CERTCACHE_H
#define PHONETRUST_CERTCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "phonetrust/cluster.h"

#define PT_MAX_ROLES 8
/* How long a phone may cache a TVS answer (24 h, TN213407). */
#define PT_TVS_DEFAULT_TTL 86400

typedef struct pt_certcache pt_certcache;

pt_certcache *pt_certcache_new(void);
void pt_certcache_free(pt_certcache *c);
size_t pt_certcache_size(const pt_certcache *c);
/* 1 when both hold the same certificates with the same roles and TTLs (in
 * any order): TVS rebuilds its cache when the database changed and swaps
 * it - and says so - only when this is 0. */
int pt_certcache_equal(const pt_certcache *a, const pt_certcache *b);
/* Adds roles for a certificate (merged with any it already has); ttl 0
 * keeps the certificate's TTL (default PT_TVS_DEFAULT_TTL). */
int pt_certcache_add(pt_certcache *c, const uint8_t *der, size_t len, const uint8_t *roles, size_t n);
int pt_certcache_add_ttl(pt_certcache *c, const uint8_t *der, size_t len, const uint8_t *roles, size_t n,
                         uint32_t ttl);
/* 1 and the roles (sorted, as TVS answers them) when the certificate is known. */
int pt_certcache_lookup(const pt_certcache *c, const uint8_t *der, size_t len, uint8_t roles[PT_MAX_ROLES],
                        size_t *n);
/* The same, with the answer's TTL. */
int pt_certcache_lookup_ttl(const pt_certcache *c, const uint8_t *der, size_t len, uint8_t roles[PT_MAX_ROLES],
                            size_t *n, uint32_t *ttl);

/* Explicit TVS entries (tvs add): a certificate, its roles, its TTL. */
int pt_cluster_tvs_add(pt_cluster *cl, X509 *cert, const uint8_t *roles, size_t n, uint32_t ttl, pt_diag *d);
int pt_cluster_tvs_remove(pt_cluster *cl, X509 *cert, pt_diag *d);

/* The database certificate cache of a cluster. */
int pt_certcache_from_cluster(pt_cluster *cl, pt_certcache **out, pt_diag *d);
/* The CTL certificate cache: every record that carries a certificate. */
int pt_certcache_from_ctl(const uint8_t *ctl, size_t len, pt_certcache **out, pt_diag *d);

/* TVS's lookup: the database cache first, then the CTL cache (either may be
 * NULL).  *source is "database" or "CTL". */
int pt_tvs_lookup(const pt_certcache *db, const pt_certcache *ctl, const uint8_t *der, size_t len,
                  uint8_t roles[PT_MAX_ROLES], size_t *n, uint32_t *ttl, const char **source);

/* Enough about a file to notice that it changed (or appeared, or went). */
typedef struct pt_filestamp {
    int exists;
    time_t mtime;
    long mtime_ns;
    off_t size;
    ino_t ino;
    uint8_t sha1[20];
} pt_filestamp;
void pt_filestamp_get(const char *path, pt_filestamp *out);
int pt_filestamp_changed(const pt_filestamp *a, const pt_filestamp *b);

#endif
