/*
 * tftp.c - TFTP read requests (RFC 1350) with option negotiation: blksize,
 * tsize, timeout (RFC 2347-2349) and windowsize (RFC 7440).
 *
 * Each transfer gets its own UDP socket, connected to the client, and the
 * bytes of the file as they were when the request came.  Requests that
 * fail (no such file, a forbidden name, a write) are answered from the
 * listening socket and allocate nothing.
 */
#include "server.h"

#include "phonetrust/wire.h"

#include "phonetrust/buf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { OP_RRQ = 1, OP_WRQ = 2, OP_DATA = 3, OP_ACK = 4, OP_ERROR = 5, OP_OACK = 6 };
enum { E_UNDEF = 0, E_NOTFOUND = 1, E_ACCESS = 2, E_ILLEGAL = 4, E_OPTION = 8 };

/* A transfer ends when no block has been acknowledged for --timeout
 * seconds (a client's `timeout` option sets the retransmission interval,
 * never more than --timeout), and in any case after MAX_LIFETIME seconds:
 * at 512-byte blocks on a LAN that is ample for the largest file served. */
#define MAX_LIFETIME 600
#define MAX_BLKSIZE 65464
#define MAX_WINDOW 64

typedef struct transfer {
    struct transfer *next, *prev;
    server *s;
    evutil_socket_t fd;
    struct event *rd, *timer;
    char peer[64];
    char name[640];
    blob *b;
    unsigned blksize, window, timeout;
    int oack;                /* an OACK is outstanding (waiting for ACK 0) */
    uint8_t oack_pkt[512];
    size_t oack_len;
    uint32_t acked;          /* blocks acknowledged so far */
    uint32_t last;           /* number of the final block */
    time_t started, progress; /* when it began; when a block was last acknowledged */
    uint8_t *pkt;            /* one DATA packet */
} transfer;

static void send_error(evutil_socket_t fd, const struct sockaddr *to, socklen_t tolen, int code, const char *msg)
{
    pt_buf b;
    pt_buf_init(&b);
    pt_buf_put_u16(&b, OP_ERROR);
    pt_buf_put_u16(&b, (uint16_t)code);
    pt_buf_put(&b, msg, strlen(msg) + 1);
    if (!pt_buf_error(&b))
        sendto(fd, b.data, b.len, 0, to, tolen);
    pt_buf_free(&b);
}

static void transfer_free(transfer *t, const char *outcome)
{
    uint32_t sent = t->acked > 0 ? t->acked - 1 : 0;
    size_t bytes = (size_t)sent * t->blksize;
    if (bytes > t->b->len || (outcome && !strncmp(outcome, "OK", 2)))
        bytes = t->b->len;
    if (outcome && !strcmp(outcome, "OK")) /* every block acknowledged: the address is the phone's */
        srv_fetches_note(t->s->fetches, t->name, t->peer);
    srv_log(t->s, "TFTP %s RRQ %s: %s (%zu of %zu bytes, blksize %u, windowsize %u)", t->peer, t->name, outcome,
            bytes, t->b->len, t->blksize, t->window);
    if (t->prev)
        t->prev->next = t->next;
    else
        t->s->xfers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    event_free(t->rd);
    event_free(t->timer);
    close(t->fd);
    blob_unref(t->b);
    free(t->pkt);
    srv_release(t->s, SVC_TFTP, t->peer);
    free(t);
}

static void send_block(transfer *t, uint32_t block)
{
    size_t off = (size_t)(block - 1) * t->blksize;
    size_t n = off >= t->b->len ? 0 : t->b->len - off;
    if (n > t->blksize)
        n = t->blksize;
    t->pkt[0] = 0;
    t->pkt[1] = OP_DATA;
    t->pkt[2] = (uint8_t)(block >> 8);
    t->pkt[3] = (uint8_t)block;
    memcpy(t->pkt + 4, t->b->data + off, n);
    send(t->fd, t->pkt, 4 + n, 0);
}

static void send_window(transfer *t)
{
    if (t->oack) {
        send(t->fd, t->oack_pkt, t->oack_len, 0);
    } else {
        uint32_t end = t->acked + t->window;
        if (end > t->last)
            end = t->last;
        for (uint32_t b = t->acked + 1; b <= end; b++)
            send_block(t, b);
    }
    struct timeval tv = {(time_t)t->timeout, 0};
    evtimer_add(t->timer, &tv);
}

static void on_timeout(evutil_socket_t fd, short ev, void *arg)
{
    (void)fd, (void)ev;
    transfer *t = arg;
    time_t now = time(NULL);
    if (now - t->progress >= t->s->o->io_timeout) {
        transfer_free(t, "timed out");
        return;
    }
    if (now - t->started >= MAX_LIFETIME) {
        transfer_free(t, "ended: it lasted too long");
        return;
    }
    send_window(t);
}

static void on_packet(evutil_socket_t fd, short ev, void *arg)
{
    (void)ev;
    transfer *t = arg;
    uint8_t buf[1024];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0)
        return; /* e.g. ICMP port unreachable: the timer decides */
    pt_reader r;
    pt_rd_init(&r, buf, (size_t)n);
    uint16_t op, num;
    if (pt_rd_u16(&r, &op) || pt_rd_u16(&r, &num))
        return;
    if (op == OP_ERROR) {
        transfer_free(t, "aborted by the client");
        return;
    }
    if (op != OP_ACK)
        return;
    if (t->oack) {
        if (num != 0)
            return;
        t->oack = 0;
    } else {
        /* the acknowledged block within the window (block numbers wrap at 16 bits) */
        uint16_t lo = (uint16_t)t->acked;
        uint16_t ahead = (uint16_t)(num - lo);
        if (ahead == 0 || ahead > t->window)
            return; /* old or duplicate: do not resend (Sorcerer's Apprentice) */
        t->acked += ahead;
        if (t->acked > t->last)
            t->acked = t->last;
    }
    t->progress = time(NULL);
    if (t->acked >= t->last) {
        transfer_free(t, "OK");
        return;
    }
    send_window(t);
}

static void on_request(evutil_socket_t fd, short ev, void *arg)
{
    (void)ev;
    server *s = arg;
    uint8_t buf[1500];
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 4)
        return;
    char peer[64];
    srv_peer((struct sockaddr *)&from, peer, sizeof peer);
    pt_tftp_request q;
    int bad = pt_wire_tftp_request(buf, (size_t)n, &q);
    uint16_t op = q.op;
    const char *file = q.file, *mode = q.mode;
    if (op == OP_ACK || op == OP_ERROR || op == OP_DATA || op == OP_OACK)
        return; /* strays (e.g. a client's ERROR after ours): never answer them */
    if (op == OP_WRQ) {
        send_error(fd, (struct sockaddr *)&from, fromlen, E_ACCESS, "Write requests are not accepted");
        srv_logl(s, LOG_WARNING, "TFTP %s WRQ refused", peer);
        return;
    }
    if (op != OP_RRQ || bad) {
        send_error(fd, (struct sockaddr *)&from, fromlen, E_ILLEGAL, "Illegal TFTP operation");
        srv_logl(s, LOG_WARNING, "TFTP %s malformed request refused", peer);
        return;
    }
    if (strcasecmp(mode, "octet") && strcasecmp(mode, "netascii")) {
        send_error(fd, (struct sockaddr *)&from, fromlen, E_ILLEGAL, "Only octet mode is served");
        return;
    }
    /* options (RFC 2347) */
    unsigned blksize = 512, window = 1, timeout = 1;
    int want_tsize = 0, opts = 0;
    pt_buf oack;
    pt_buf_init(&oack);
    pt_buf_put_u16(&oack, OP_OACK);
    for (size_t i = 0; i < q.n_options; i++) {
        const char *name = q.name[i], *value = q.value[i];
        char *end;
        unsigned long v = strtoul(value, &end, 10);
        char num[32];
        if (!strcasecmp(name, "blksize") && !*end && v >= 8) {
            blksize = v > MAX_BLKSIZE ? MAX_BLKSIZE : (unsigned)v;
            snprintf(num, sizeof num, "%u", blksize);
        } else if (!strcasecmp(name, "windowsize") && !*end && v >= 1 && v <= 65535) {
            window = v > MAX_WINDOW ? MAX_WINDOW : (unsigned)v;
            snprintf(num, sizeof num, "%u", window);
        } else if (!strcasecmp(name, "timeout") && !*end && v >= 1 && v <= 255 &&
                   v <= (unsigned long)s->o->io_timeout) { /* more than --timeout: not acknowledged */
            timeout = (unsigned)v;
            snprintf(num, sizeof num, "%u", timeout);
        } else if (!strcasecmp(name, "tsize")) {
            want_tsize = 1;
            continue; /* answered below, once the file is known */
        } else {
            continue; /* unknown options are ignored */
        }
        pt_buf_put(&oack, name, strlen(name) + 1);
        pt_buf_put(&oack, num, strlen(num) + 1);
        opts++;
    }
    char resolved[300];
    int err;
    blob *b = srv_file(s, file, resolved, sizeof resolved, &err);
    if (!b) {
        send_error(fd, (struct sockaddr *)&from, fromlen, err == 2 ? E_ACCESS : E_NOTFOUND,
                   err == 2 ? "Access violation" : "File not found");
        srv_log(s, "TFTP %s RRQ %s: %s", peer, file, err == 2 ? "access violation" : "File not found");
        pt_buf_free(&oack);
        return;
    }
    if (want_tsize) {
        char num[32];
        snprintf(num, sizeof num, "%zu", b->len);
        pt_buf_put(&oack, "tsize", 6);
        pt_buf_put(&oack, num, strlen(num) + 1);
        opts++;
    }
    if (oack.len > sizeof ((transfer *)0)->oack_pkt || !srv_admit(s, SVC_TFTP, peer)) {
        send_error(fd, (struct sockaddr *)&from, fromlen, E_UNDEF, "Server busy, try again later");
        blob_unref(b);
        pt_buf_free(&oack);
        return;
    }
    /* the transfer's own socket, connected to the client */
    struct sockaddr_storage local;
    socklen_t llen = sizeof local;
    getsockname(fd, (struct sockaddr *)&local, &llen);
    if (local.ss_family == AF_INET)
        ((struct sockaddr_in *)&local)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)&local)->sin6_port = 0;
    evutil_socket_t tfd = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    transfer *t = calloc(1, sizeof *t);
    if (tfd < 0 || !t || bind(tfd, (struct sockaddr *)&local, llen) != 0 ||
        connect(tfd, (struct sockaddr *)&from, fromlen) != 0 || !(t->pkt = malloc(4 + blksize))) {
        if (tfd >= 0)
            close(tfd);
        if (t)
            free(t->pkt);
        free(t);
        blob_unref(b);
        pt_buf_free(&oack);
        send_error(fd, (struct sockaddr *)&from, fromlen, E_UNDEF, "Server error");
        srv_release(s, SVC_TFTP, peer);
        return;
    }
    t->s = s;
    t->fd = tfd;
    t->b = b;
    snprintf(t->peer, sizeof t->peer, "%s", peer);
    if (strcmp(file, resolved))
        snprintf(t->name, sizeof t->name, "%s -> %s", file, resolved);
    else
        snprintf(t->name, sizeof t->name, "%s", file);
    t->blksize = blksize;
    t->window = window;
    t->timeout = timeout; /* at most --timeout: a larger option was not taken */
    t->started = t->progress = time(NULL);
    t->last = (uint32_t)(b->len / blksize) + 1;
    if (opts) {
        t->oack = 1;
        memcpy(t->oack_pkt, oack.data, oack.len);
        t->oack_len = oack.len;
    }
    pt_buf_free(&oack);
    t->rd = event_new(s->base, tfd, EV_READ | EV_PERSIST, on_packet, t);
    t->timer = evtimer_new(s->base, on_timeout, t);
    event_add(t->rd, NULL);
    t->next = s->xfers;
    if (s->xfers)
        s->xfers->prev = t;
    s->xfers = t;
    send_window(t);
}

int tftp_start(server *s, pt_diag *d)
{
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    char spec[128];
    snprintf(spec, sizeof spec, strchr(s->o->addr, ':') ? "[%s]:%d" : "%s:%d", s->o->addr, s->o->tftp_port);
    if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0)
        return pt_diag_set(d, PT_ERR_ARG, PT_NO_OFFSET, "--addr %s is not an address", s->o->addr);
    int rc = srv_port_free(s, (struct sockaddr *)&ss, (socklen_t)sslen, SOCK_DGRAM, "TFTP", spec, d);
    if (rc)
        return rc;
    s->tftp_fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s->tftp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(s->tftp_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one); /* shared by the workers */
    if (s->tftp_fd < 0 || bind(s->tftp_fd, (struct sockaddr *)&ss, (socklen_t)sslen) != 0)
        return pt_diag_set(d, PT_ERR_IO, PT_NO_OFFSET, "TFTP: cannot listen on %s: %s", spec, strerror(errno));
    s->tftp_ev = event_new(s->base, s->tftp_fd, EV_READ | EV_PERSIST, on_request, s);
    event_add(s->tftp_ev, NULL);
    return PT_OK;
}

void tftp_stop(server *s)
{
    while (s->xfers)
        transfer_free(s->xfers, "stopped with the server");
    if (s->tftp_ev)
        event_free(s->tftp_ev);
    if (s->tftp_fd >= 0)
        close(s->tftp_fd);
    s->tftp_ev = NULL;
    s->tftp_fd = -1;
}
