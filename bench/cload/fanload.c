/*
 * fanload: the fan-out benchmark's load generator in C (bench/fanout.sh), so that the load generator, not the server
 * measured, is never the limit: FanoutLoad (C#, ClientWebSocket) needs a core of its own at well under 3 M deliveries/s.
 * It does what bench/FanoutLoad does, with the same flags and the same output line, on one thread with epoll:
 *   fanload URL [--connections N] [--duration D] [--warmup D] [--size B] [--window W] [--server-pid PID]
 *   deliveries_per_second <n>
 *   load_cpu <f>                      (this process's CPU time over the measured interval, 1.00 = one core busy)
 *   server_cpu_ns_per_delivery <f>    (only with --server-pid: the server's utime + stime over the same interval)
 * N subscribers and one publisher connect to URL; the publisher sends B-byte binary messages (masked, FIN) and keeps at
 * most W messages per subscriber undelivered (published x N - delivered < W x N), writing every message the window
 * allows in one write; the subscribers count whole messages (frames with FIN) after the warm-up, and the count over
 * the measured time is the result. Only ws:// on an IP address.
 * Build: cc -O2 -Wall -o fanload fanload.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (64 * 1024 * 1024)

typedef struct {
    int fd, open, dead;
    unsigned char *buf;
    size_t cap, len;
} conn_t;

static conn_t *conns;   /* the subscribers, then the publisher */
static int nsubs;
static long long delivered, published;
static long window;
static const char *first_error;

/* The publisher's pending output: whole frames, written as the socket takes them. */
static unsigned char *frame, *out;
static size_t frame_len, out_len, out_pos, out_cap;
static int want_out;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static double cpu_s(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

/* Another process's utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat), -1 if unreadable. */
static long long process_ticks(int pid) {
    char path[64], text[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *p = strrchr(text, ')');   /* the command name may hold spaces */
    unsigned long long utime, stime;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
    return (long long)(utime + stime);
}

static double parse_duration(const char *text) {
    char *end;
    double value = strtod(text, &end);
    if (end == text || value < 0) return -1;
    if (!strcmp(end, "ms")) return value / 1000;
    if (!strcmp(end, "us")) return value / 1e6;
    if (!strcmp(end, "s")) return value;
    if (!strcmp(end, "m")) return value * 60;
    return -1;
}

/* Writes all of a small frame (blocking briefly if the socket is full: only the handshake and pongs go this way). */
static int write_all(int fd, const void *data, size_t n) {
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) { usleep(100); continue; }
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A masked client frame (FIN set) of any length. */
static size_t client_frame(unsigned char *dst, int opcode, const unsigned char *payload, size_t n) {
    uint32_t key = (uint32_t)random();
    size_t h = 2;
    dst[0] = 0x80 | opcode;
    if (n < 126) dst[1] = 0x80 | (unsigned char)n;
    else if (n < 65536) { dst[1] = 0x80 | 126; dst[2] = (unsigned char)(n >> 8); dst[3] = (unsigned char)n; h = 4; }
    else { dst[1] = 0x80 | 127; for (int i = 0; i < 8; i++) dst[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i)); h = 10; }
    memcpy(dst + h, &key, 4);
    for (size_t i = 0; i < n; i++) dst[h + 4 + i] = payload[i] ^ dst[h + (i & 3)];
    return h + 4 + n;
}

static void fail(conn_t *c, const char *why) {
    if (c->dead) return;
    c->dead = 1;
    if (!first_error) first_error = why;
    close(c->fd);
}

/* Handles every whole frame in the buffer; keeps the first incomplete one. */
static void parse(conn_t *c) {
    size_t pos = 0;
    while (!c->dead && c->len - pos >= 2) {
        unsigned char *f = c->buf + pos;
        uint64_t length = f[1] & 0x7f;
        size_t header = 2;
        if (length == 126) { if (c->len - pos < 4) break; length = (uint64_t)f[2] << 8 | f[3]; header = 4; }
        else if (length == 127) {
            if (c->len - pos < 10) break;
            length = 0;
            for (int i = 0; i < 8; i++) length = length << 8 | f[2 + i];
            header = 10;
        }
        if ((f[1] & 0x80) || length > MAX_FRAME) { fail(c, "masked or oversized frame from the server"); return; }
        if (c->len - pos < header + length) {
            if (header + length > c->cap) { c->cap = header + length; c->buf = realloc(c->buf, c->cap); }
            break;
        }
        unsigned char *payload = f + header;
        int opcode = f[0] & 0x0f;
        pos += header + length;
        if (opcode == 8) { fail(c, "the server closed the WebSocket"); return; }
        if (opcode == 9 && length <= 125) {
            unsigned char pong[131];
            if (write_all(c->fd, pong, client_frame(pong, 10, payload, length)) < 0) fail(c, "cannot send a pong");
        } else if (opcode < 8 && (f[0] & 0x80) && c != &conns[nsubs]) delivered++;   /* a whole message: its last (or only) frame */
    }
    if (c->dead) return;
    memmove(c->buf, c->buf + pos, c->len - pos);
    c->len -= pos;
}

/* The handshake response: everything after its blank line is frames. */
static void on_handshake(conn_t *c) {
    unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) { if (c->len == c->cap) fail(c, "handshake response too long"); return; }
    if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 101", 12)) { fail(c, "handshake refused"); return; }
    size_t head = (size_t)(end - c->buf) + 4;
    memmove(c->buf, c->buf + head, c->len - head);
    c->len -= head;
    c->open = 1;
}

static void on_readable(conn_t *c) {
    for (;;) {
        if (c->len == c->cap) { c->cap *= 2; c->buf = realloc(c->buf, c->cap); }
        size_t room = c->cap - c->len;
        ssize_t r = read(c->fd, c->buf + c->len, room);
        if (r == 0) { fail(c, "the server closed the TCP connection"); return; }
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            fail(c, "read failed");
            return;
        }
        c->len += (size_t)r;
        if (!c->open) on_handshake(c);
        if (c->open && !c->dead) parse(c);
        if (c->dead || (size_t)r < room) return;   /* a short read: the socket is empty (level-triggered anyway) */
    }
}

static int live_subscribers(void) {
    int n = 0;
    for (int i = 0; i < nsubs; i++) n += !conns[i].dead;
    return n;
}

/* Queues every message the window allows, then writes what the socket takes; EPOLLOUT only while some is left. */
static void publish(int ep) {
    conn_t *p = &conns[nsubs];
    if (p->dead) return;
    long long limit = (long long)window * nsubs;
    while (published * nsubs - delivered < limit) {
        if (out_len + frame_len > out_cap) {
            if (out_pos > 0) { memmove(out, out + out_pos, out_len - out_pos); out_len -= out_pos; out_pos = 0; continue; }
            out_cap = out_cap * 2 + frame_len;
            out = realloc(out, out_cap);
        }
        memcpy(out + out_len, frame, frame_len);
        out_len += frame_len;
        published++;
    }
    while (out_pos < out_len) {
        ssize_t w = write(p->fd, out + out_pos, out_len - out_pos);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) break;
        if (w <= 0) { fail(p, "the publisher's write failed"); return; }
        out_pos += (size_t)w;
    }
    if (out_pos == out_len) out_pos = out_len = 0;
    int want = out_len > 0;
    if (want != want_out) {
        struct epoll_event e = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.u32 = (uint32_t)nsubs };
        epoll_ctl(ep, EPOLL_CTL_MOD, p->fd, &e);
        want_out = want;
    }
}

/* Runs the event loop for `seconds` (publishing when `publishing`), or until every connection is open. */
static void run(int ep, double seconds, int publishing, int until_open) {
    struct epoll_event events[512];
    long long stop = now_ns() + (long long)(seconds * 1e9);
    for (;;) {
        if (until_open) {
            int all = 1;
            for (int i = 0; i <= nsubs && all; i++) all = conns[i].open || conns[i].dead;
            if (all) return;
        }
        long long left = stop - now_ns();
        if (left <= 0) return;
        if (publishing) publish(ep);
        int n = epoll_wait(ep, events, 512, left > 10000000 ? 10 : (int)(left / 1000000) + 1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); exit(1); }
        for (int i = 0; i < n; i++) {
            conn_t *c = &conns[events[i].data.u32];
            if (c->dead) continue;
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
        }
    }
}

static int connect_one(conn_t *c, const char *host, int port, const char *path) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return -1;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    unsigned char nonce[16];
    for (int i = 0; i < 16; i++) nonce[i] = (unsigned char)random();
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char key[25];
    for (int i = 0, j = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)nonce[i] << 16 | (i + 1 < 16 ? (uint32_t)nonce[i + 1] << 8 : 0) | (i + 2 < 16 ? nonce[i + 2] : 0);
        key[j++] = b64[v >> 18 & 63];
        key[j++] = b64[v >> 12 & 63];
        key[j++] = i + 1 < 16 ? b64[v >> 6 & 63] : '=';
        key[j++] = i + 2 < 16 ? b64[v & 63] : '=';
    }
    key[24] = 0;
    char request[1024];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host, port, key);
    if (write_all(c->fd, request, (size_t)n) < 0) return -1;
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

int main(int argc, char **argv) {
    static const char usage[] = "usage: fanload URL [--connections N] [--duration D] [--warmup D] [--size B] [--window W] [--server-pid PID]\n";
    double duration = 5, warmup = 1;
    long size = 64;
    int server_pid = 0;
    nsubs = 1000;
    window = 8;
    if (argc < 2 || strncmp(argv[1], "ws://", 5)) { fputs(usage, stderr); return 2; }
    const char *url = argv[1];
    for (int i = 2; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        int ok = 1;
        if (!strcmp(a, "--connections")) ok = (nsubs = atoi(v)) > 0;
        else if (!strcmp(a, "--duration")) ok = (duration = parse_duration(v)) > 0;
        else if (!strcmp(a, "--warmup")) ok = (warmup = parse_duration(v)) >= 0;
        else if (!strcmp(a, "--size")) ok = (size = atol(v)) > 0 && size <= MAX_FRAME;
        else if (!strcmp(a, "--window")) ok = (window = atol(v)) > 0;
        else if (!strcmp(a, "--server-pid")) ok = (server_pid = atoi(v)) > 0;
        else ok = 0;
        if (!ok) { fprintf(stderr, "bad argument %s %s\n%s", a, v, usage); return 2; }
    }

    char host[64] = "", path[512] = "/";
    int port = 80;
    const char *h = url + 5, *slash = strchr(h, '/'), *end = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', (size_t)(end - h));
    snprintf(host, sizeof host, "%.*s", (int)((colon ? colon : end) - h), h);
    if (colon) port = atoi(colon + 1);
    if (slash) snprintf(path, sizeof path, "%s", slash);
    srandom((unsigned)(now_ns() ^ getpid()));

    /* One frame, masked once and sent again and again: the server unmasks every copy alike. */
    unsigned char *payload = malloc((size_t)size);
    for (long i = 0; i < size; i++) payload[i] = (unsigned char)random();
    frame = malloc((size_t)size + 14);
    frame_len = client_frame(frame, 2, payload, (size_t)size);

    int ep = epoll_create1(0);
    conns = calloc((size_t)nsubs + 1, sizeof *conns);
    for (int k = 0; k <= nsubs; k++) {   /* the subscribers first, the publisher last, as FanoutLoad */
        conn_t *c = &conns[k];
        c->cap = 64 * 1024;
        c->buf = malloc(c->cap);
        if (connect_one(c, host, port, path) < 0) { fprintf(stderr, "load generator failed: cannot connect to %s: %s\n", url, strerror(errno)); return 1; }
        struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)k };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) != 0) { perror("epoll_ctl"); return 1; }
    }
    run(ep, 60, 0, 1);
    if (first_error) { fprintf(stderr, "load generator failed: %s\n", first_error); return 1; }
    for (int k = 0; k <= nsubs; k++) if (!conns[k].open) { fputs("load generator failed: handshakes did not finish in 60 s\n", stderr); return 1; }

    run(ep, warmup, 1, 0);
    double cpu0 = cpu_s();
    long long ticks0 = server_pid ? process_ticks(server_pid) : -1;
    long long delivered0 = delivered, t0 = now_ns();
    run(ep, duration, 1, 0);
    long long delivered1 = delivered, t1 = now_ns();
    long long ticks1 = server_pid ? process_ticks(server_pid) : -1;
    double seconds = (t1 - t0) / 1e9;
    double cpu = (cpu_s() - cpu0) / seconds;

    if (first_error) fprintf(stderr, "%d of %d subscribers' connections ended early, for example: %s\n",
                             nsubs - live_subscribers(), nsubs, first_error);
    if (conns[nsubs].dead || live_subscribers() == 0) { fputs("load generator failed: the publisher or every subscriber is gone\n", stderr); return 1; }
    printf("deliveries_per_second %.0f\n", (delivered1 - delivered0) / seconds);
    printf("load_cpu %.2f\n", cpu);
    if (ticks0 >= 0 && ticks1 >= 0 && delivered1 > delivered0)
        printf("server_cpu_ns_per_delivery %.1f\n", (ticks1 - ticks0) * (1e9 / sysconf(_SC_CLK_TCK)) / (double)(delivered1 - delivered0));
    fflush(stdout);
    for (int k = 0; k <= nsubs; k++) if (!conns[k].dead) close(conns[k].fd);
    return 0;
}
