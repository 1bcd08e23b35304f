/*
 * config.c - what the configuration in force says, as a phone reads it:
 * its TVS servers and single values (the CAPF operation and server, the
 * encrypted config's certHash).  Read with libxml2: comments, CDATA,
 * character and internal entity references, attributes and element order
 * are whatever the cluster (this one or a foreign one) wrote; no network
 * access and no external entities, ever.
 */
#include "phone_internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

static xmlDocPtr parse(const phone *ph)
{
    if (!ph->config || !ph->config_len || ph->config_len > 1 << 20)
        return NULL;
    return xmlReadMemory((const char *)ph->config, (int)ph->config_len, "config.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static int named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name);
}

/* The first element `name` at or under n, in document order. */
static xmlNodePtr find(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next) {
        if (named(n, name))
            return n;
        xmlNodePtr in = n->type == XML_ELEMENT_NODE ? find(n->children, name) : NULL;
        if (in)
            return in;
    }
    return NULL;
}

/* Its text, surrounding white space trimmed, into out. */
static void text(xmlNodePtr n, char *out, size_t size)
{
    out[0] = '\0';
    xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
    if (!t)
        return;
    const char *a = (const char *)t;
    size_t len = strlen(a);
    while (len && strchr(" \t\r\n", a[len - 1]))
        len--;
    while (len && strchr(" \t\r\n", *a))
        a++, len--;
    snprintf(out, size, "%.*s", (int)len, a);
    xmlFree(t);
}

typedef struct {
    long priority;
    size_t order;
    char addr[64];
    int port;
} member;

static int by_priority(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

size_t ph_tvs_servers(const phone *ph, char addr[][64], int *port, size_t max)
{
    xmlDocPtr doc = parse(ph);
    xmlNodePtr tvs = doc ? find(xmlDocGetRootElement(doc), "TVS") : NULL;
    xmlNodePtr members = tvs ? find(tvs->children, "members") : NULL;
    member m[16];
    size_t n = 0;
    for (xmlNodePtr c = members ? members->children : NULL; c && n < max && n < 16; c = c->next) {
        if (!named(c, "member"))
            continue;
        char p[16];
        xmlChar *prio = xmlGetProp(c, (const xmlChar *)"priority");
        m[n].priority = prio ? strtol((const char *)prio, NULL, 10) : 0;
        xmlFree(prio);
        m[n].order = n;
        text(find(c->children, "address"), m[n].addr, sizeof m[n].addr);
        text(find(c->children, "port"), p, sizeof p);
        char *end;
        long v = strtol(p, &end, 10);
        m[n].port = *p && !*end && v > 0 && v < 65536 ? (int)v : 2445;
        if (m[n].addr[0])
            n++;
    }
    xmlFreeDoc(doc);
    qsort(m, n, sizeof *m, by_priority);
    for (size_t i = 0; i < n; i++) {
        memcpy(addr[i], m[i].addr, 64);
        port[i] = m[i].port;
    }
    return n;
}

void ph_config_value(const phone *ph, const char *section, const char *tag, char *out, size_t n)
{
    out[0] = '\0';
    xmlDocPtr doc = parse(ph);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root && section) {
        char name[64];
        snprintf(name, sizeof name, "%s", section + (section[0] == '<'));
        name[strcspn(name, ">")] = '\0';
        xmlNodePtr s = find(root, name);
        root = s ? s->children : NULL;
    }
    if (root)
        text(find(root, tag), out, n);
    xmlFreeDoc(doc);
}
