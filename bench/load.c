/*
 * load.c - load for the services benchmark.
 *
 *   load tvs  HOST PORT REQUEST_HEX_FILE TOTAL CONCURRENCY
 *             fresh TLS connection per request, as phones do
 *   load tls  HOST PORT - TOTAL CONCURRENCY
 *             TLS handshake only (baseline against `openssl s_server`)
 *   load tftp HOST PORT FILE TOTAL CONCURRENCY
 *             whole-file TFTP reads (blksize 1428)
 *
 * LOAD_TLS=1.2 in the environment caps the client at TLS 1.2 (phones
 * that speak no 1.3); otherwise client and server agree on 1.3.
 *
 * CONCURRENCY processes share TOTAL requests; prints
 * "<ok> <failed> <seconds>" for the whole run.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int tcp(const char *host, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int one_tvs(SSL_CTX *ctx, const char *host, int port, const unsigned char *req, size_t len)
{
    int fd = tcp(host, port), ok = 0;
    if (fd < 0)
        return 0;
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    unsigned char buf[256];
    if (SSL_connect(ssl) == 1 && SSL_write(ssl, req, (int)len) == (int)len) {
        int n = 0, r;
        while ((r = SSL_read(ssl, buf + n, (int)sizeof buf - n)) > 0)
            n += r;
        ok = n >= 14 && buf[0] == 0x57 && buf[2] == 2;
    }
    SSL_free(ssl);
    close(fd);
    return ok;
}

static int one_tls(SSL_CTX *ctx, const char *host, int port)
{
    int fd = tcp(host, port), ok = 0;
    if (fd < 0)
        return 0;
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    ok = SSL_connect(ssl) == 1;
    if (ok)
        SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    return ok;
}

static int one_tftp(const char *host, int port, const char *file)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)}, from;
    inet_pton(AF_INET, host, &a.sin_addr);
    unsigned char pkt[2048];
    size_t n = 0;
    pkt[n++] = 0, pkt[n++] = 1;
    n += (size_t)sprintf((char *)pkt + n, "%s", file) + 1;
    memcpy(pkt + n, "octet\0blksize\0" "1428", 19);
    n += 19;
    pkt[n++] = 0;
    sendto(fd, pkt, n, 0, (struct sockaddr *)&a, sizeof a);
    int ok = 0, expect = 1;
    socklen_t fl = sizeof from;
    for (;;) {
        ssize_t r = recvfrom(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&from, &fl);
        if (r < 4)
            break;
        unsigned char ack[4] = {0, 4, 0, 0};
        if (pkt[1] == 6) { /* OACK */
            sendto(fd, ack, 4, 0, (struct sockaddr *)&from, fl);
            continue;
        }
        if (pkt[1] != 3)
            break;
        int blk = (pkt[2] << 8) | pkt[3];
        ack[2] = pkt[2], ack[3] = pkt[3];
        sendto(fd, ack, 4, 0, (struct sockaddr *)&from, fl);
        if (blk == expect)
            expect++;
        if (r - 4 < 1428) {
            ok = 1;
            break;
        }
    }
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 7)
        return fprintf(stderr, "usage: load tvs|tls|tftp HOST PORT ARG TOTAL CONCURRENCY\n"), 2;
    const char *kind = argv[1], *host = argv[2], *arg = argv[4];
    int port = atoi(argv[3]), total = atoi(argv[5]), conc = atoi(argv[6]);
    unsigned char req[8192];
    size_t rlen = 0;
    if (!strcmp(kind, "tvs")) {
        FILE *f = fopen(arg, "r");
        unsigned v;
        while (f && rlen < sizeof req && fscanf(f, "%2x", &v) == 1)
            req[rlen++] = (unsigned char)v;
        if (f)
            fclose(f);
    }
    int fds[2];
    if (pipe(fds))
        return 1;
    double t0 = now();
    for (int p = 0; p < conc; p++) {
        if (fork() == 0) {
            SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
            /* LOAD_TLS=1.2: as phones that speak TLS 1.2 only (default: the best both speak, 1.3) */
            const char *v = getenv("LOAD_TLS");
            if (v && !strcmp(v, "1.2"))
                SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
            int ok = 0, bad = 0, mine = total / conc + (p < total % conc);
            for (int i = 0; i < mine; i++) {
                int r = !strcmp(kind, "tvs")   ? one_tvs(ctx, host, port, req, rlen)
                        : !strcmp(kind, "tls") ? one_tls(ctx, host, port)
                                               : one_tftp(host, port, arg);
                ok += r, bad += !r;
            }
            int res[2] = {ok, bad};
            if (write(fds[1], res, sizeof res) != sizeof res)
                _exit(1);
            _exit(0);
        }
    }
    int ok = 0, bad = 0;
    for (int p = 0; p < conc; p++) {
        int res[2];
        if (read(fds[0], res, sizeof res) == sizeof res)
            ok += res[0], bad += res[1];
    }
    while (wait(NULL) > 0)
        ;
    printf("%d %d %.3f\n", ok, bad, now() - t0);
    return bad ? 1 : 0;
}
