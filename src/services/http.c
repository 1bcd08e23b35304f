/*
 * http.c - the TFTP files over HTTP on port 6970 (evhttp), with proper
 * Content-Length and 404s, and the phones' DeviceTLInfo reports
 * (POST /DeviceTLInfo, M22).
 */
#include "server.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
    struct evbuffer *out = evbuffer_new();
    evbuffer_add_printf(out, "%s\n", text);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evhttp_send_reply(req, code, reason, out);
    evbuffer_free(out);
}

static const char *peer_of(struct evhttp_request *req, char *buf, size_t n)
{
    char *host = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
    snprintf(buf, n, "%s:%u", host ? host : "?", port);
    return buf;
}

/* A field of the report: form-encoded (DeviceName=...&ITL_Signature=...) or
 * the alarm's XML (<DeviceName>...</DeviceName>). */
int srv_report_field(const char *body, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    char tag[64];
    snprintf(tag, sizeof tag, "<%s>", name);
    const char *p = strstr(body, tag);
    if (p) {
        p += strlen(tag);
        const char *e = strchr(p, '<');
        if (!e)
            return 0;
        snprintf(out, n, "%.*s", (int)(e - p), p);
        return 1;
    }
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    if (evhttp_parse_query_str(body, &q) == 0) {
        const char *v = evhttp_find_header(&q, name);
        if (v)
            snprintf(out, n, "%s", v);
        evhttp_clear_headers(&q);
        return v != NULL;
    }
    return 0;
}

static void device_tl_info(server *s, struct evhttp_request *req, const char *peer)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len > 16384) {
        reply_text(req, 413, "Payload Too Large", "report too large");
        return;
    }
    char body[16385];
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    char dev[64], itl[128], ctl[128], tftp[128];
    srv_report_field(body, "DeviceName", dev, sizeof dev);
    srv_report_field(body, "ITL_Signature", itl, sizeof itl);
    srv_report_field(body, "CTL_Signature", ctl, sizeof ctl);
    srv_report_field(body, "ITL_TFTP_Server", tftp, sizeof tftp);
    if (!strcasecmp(itl, "Not Installed"))
        itl[0] = '\0';
    if (!strcasecmp(ctl, "Not Installed"))
        ctl[0] = '\0';
    char fetched_by[48];
    if (!srv_fetches_from(s->fetches, dev, peer, fetched_by, sizeof fetched_by)) {
        srv_logl(s, LOG_WARNING, "HTTP %s POST /DeviceTLInfo %s: refused, %s%s", peer, dev[0] ? dev : "(no device)",
                fetched_by[0] ? "its configuration was last fetched from " : "it has fetched no configuration here",
                fetched_by);
        reply_text(req, 403, "Forbidden", "a report is taken only from the address that fetched the configuration");
        return;
    }
    pt_diag d;
    pt_diag_clear(&d);
    int rc = pt_cluster_device_report(s->cl, dev, itl, ctl, tftp[0] ? tftp : s->self.name, &d);
    srv_log(s, "HTTP %s POST /DeviceTLInfo %s ITL %s: %s", peer, dev[0] ? dev : "(no device)",
            itl[0] ? itl : "Not Installed", rc ? d.msg : "stored");
    if (rc)
        reply_text(req, rc == PT_ERR_NOT_FOUND ? 404 : 400, rc == PT_ERR_NOT_FOUND ? "Not Found" : "Bad Request",
                   d.msg);
    else
        reply_text(req, 200, "OK", "OK");
}

/*
 * The cap on clients.  libevent 2.1's evhttp tells nothing at accept time,
 * so a connection is counted from its first request until it closes; the
 * one that would go over --max-clients gets 503 and is closed.  Connections
 * that never send a request are bounded by --timeout.
 */
typedef struct http_conn {
    struct evhttp_connection *evcon;
    server *s;
    char peer[80];
    struct http_conn *next;
} http_conn;

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    http_conn *hc = arg;
    server *s = hc->s;
    for (http_conn **p = &s->http_conns; *p; p = &(*p)->next)
        if (*p == hc) {
            *p = hc->next;
            srv_release(s, SVC_HTTP, hc->peer);
            break;
        }
    free(hc);
}

/* 1: the request may go on; 0: refused (answered 503). */
static int admit(server *s, struct evhttp_request *req, const char *peer)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    for (http_conn *hc = s->http_conns; hc; hc = hc->next)
        if (hc->evcon == evcon)
            return 1;
    int admitted = srv_admit(s, SVC_HTTP, peer);
    http_conn *hc = admitted ? calloc(1, sizeof *hc) : NULL;
    if (!hc) {
        if (admitted) /* but out of memory */
            srv_release(s, SVC_HTTP, peer);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        reply_text(req, 503, "Service Unavailable", "too many clients");
        return 0;
    }
    hc->evcon = evcon;
    hc->s = s;
    snprintf(hc->peer, sizeof hc->peer, "%s", peer);
    hc->next = s->http_conns;
    s->http_conns = hc;
    evhttp_connection_set_closecb(evcon, on_conn_close, hc);
    return 1;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    server *s = arg;
    char peer[80];
    peer_of(req, peer, sizeof peer);
    if (!admit(s, req, peer))
        return;
    const char *uri = evhttp_request_get_uri(req);
    struct evhttp_uri *u = evhttp_uri_parse(uri);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    char *decoded = path ? evhttp_uridecode(path, 0, NULL) : NULL;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (!decoded) {
        reply_text(req, 400, "Bad Request", "bad request");
    } else if (cmd == EVHTTP_REQ_POST && !strcmp(decoded, "/DeviceTLInfo")) {
        device_tl_info(s, req, peer);
    } else if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        reply_text(req, 405, "Method Not Allowed", "only GET and HEAD");
    } else {
        char resolved[300];
        int err;
        blob *b = srv_file(s, decoded[0] == '/' ? decoded + 1 : decoded, resolved, sizeof resolved, &err);
        if (!b) {
            srv_log(s, "HTTP %s GET %s: %s", peer, decoded, err == 2 ? "forbidden" : "404 File not found");
            if (err == 2)
                reply_text(req, 403, "Forbidden", "Access violation");
            else
                reply_text(req, 404, "Not Found", "File not found");
        } else {
            struct evbuffer *out = evbuffer_new();
            evbuffer_add(out, b->data, b->len);
            evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/octet-stream");
            evhttp_send_reply(req, 200, "OK", out);
            evbuffer_free(out);
            srv_fetches_note(s->fetches, decoded[0] == '/' ? decoded + 1 : decoded, peer);
            srv_log(s, "HTTP %s GET %s%s%s: 200 (%zu bytes)", peer, decoded, strcmp(decoded + 1, resolved) ? " -> " : "",
                    strcmp(decoded + 1, resolved) ? resolved : "", b->len);
            blob_unref(b);
        }
    }
    free(decoded);
    if (u)
        evhttp_uri_free(u);
}

int http_start(server *s, pt_diag *d)
{
    s->http = evhttp_new(s->base);
    if (!s->http)
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot create the HTTP server");
    evhttp_set_timeout(s->http, s->o->io_timeout);
    evhttp_set_max_body_size(s->http, 16384);
    evhttp_set_max_headers_size(s->http, 8192);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
    evhttp_set_gencb(s->http, on_request, s);
    struct evconnlistener *l;
    int rc = srv_listen(s, s->o->http_port, NULL, NULL, &l, d);
    if (rc)
        return pt_diag_prefix(d, rc, "HTTP");
    if (!evhttp_bind_listener(s->http, l))
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "HTTP: cannot serve on the listener");
    return PT_OK;
}

void http_stop(server *s)
{
    if (s->http)
        evhttp_free(s->http);
    s->http = NULL;
    while (s->http_conns) { /* closed without their close callback */
        http_conn *hc = s->http_conns;
        s->http_conns = hc->next;
        srv_release(s, SVC_HTTP, hc->peer);
        free(hc);
    }
}
