/*
 * wsload: a neutral WebSocket echo load generator in C, so that comparing servers does not depend on any of the
 * stacks being compared (the reference numbers were taken with one like it). One connection, one thread,
 * non-blocking socket with poll(). Same flags and last line as `rxsockets bench`:
 *   wsload URL [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N]
 *   result: msgs_per_s=... MB_per_s=... p50_us=... p99_us=... p999_us=...
 * Durations: 500ms, 3s, 1m. Only ws:// (no TLS). Build: cc -O2 -o wsload wsload.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PRESET_FRAMES 16

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "error: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(1);
}

static double parse_duration(const char *text) {
    char *end;
    double value = strtod(text, &end);
    if (end == text || value < 0) { fprintf(stderr, "error: bad duration '%s'\n", text); exit(2); }
    if (strcmp(end, "ms") == 0) return value / 1000;
    if (strcmp(end, "us") == 0) return value / 1e6;
    if (strcmp(end, "s") == 0) return value;
    if (strcmp(end, "m") == 0) return value * 60;
    fprintf(stderr, "error: bad duration '%s' (write 500ms, 3s, 1m)\n", text);
    exit(2);
}

/* Builds one masked binary client frame of `size` zero bytes with the given key. Returns its length. */
static size_t build_frame(unsigned char *out, size_t size, uint32_t key) {
    size_t n = 0;
    out[n++] = 0x82;
    if (size <= 125) out[n++] = 0x80 | (unsigned char)size;
    else if (size <= 65535) { out[n++] = 0x80 | 126; out[n++] = size >> 8; out[n++] = size & 0xff; }
    else { out[n++] = 0x80 | 127; for (int i = 7; i >= 0; i--) out[n++] = (unsigned char)((uint64_t)size >> (8 * i)); }
    unsigned char mask[4] = { key & 0xff, (key >> 8) & 0xff, (key >> 16) & 0xff, key >> 24 };
    memcpy(out + n, mask, 4);
    n += 4;
    for (size_t i = 0; i < size; i++) out[n + i] = mask[i & 3];   /* zero payload, masked */
    return n + size;
}

static int connect_to(const char *host, const char *port) {
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *list, *a;
    if (getaddrinfo(host, port, &hints, &list) != 0) die("cannot resolve the host");
    int fd = -1;
    for (a = list; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        if (fd >= 0) close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) die("cannot connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void handshake(int fd, const char *host, const char *port, const char *path) {
    char request[1024];
    int n = snprintf(request, sizeof request,
        "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host, port);
    if (write(fd, request, n) != n) die("cannot send the handshake");
    char head[4096];
    size_t got = 0;
    while (got < sizeof head - 1) {   /* byte by byte: the head must not swallow the first frames */
        ssize_t r = read(fd, head + got, 1);
        if (r <= 0) die("the server closed during the handshake");
        got++;
        if (got >= 4 && memcmp(head + got - 4, "\r\n\r\n", 4) == 0) break;
    }
    head[got] = 0;
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) { fprintf(stderr, "error: handshake rejected: %.*s\n", 40, head); exit(1); }
}

/* Consumes whole server frames from buf[0..*len); returns the number of data frames; keeps a partial frame. */
static long consume_frames(unsigned char *buf, size_t *len) {
    size_t pos = 0;
    long frames = 0;
    while (*len - pos >= 2) {
        unsigned char *f = buf + pos;
        uint64_t payload = f[1] & 0x7f;
        size_t header = 2;
        if (payload == 126) { if (*len - pos < 4) break; payload = (f[2] << 8) | f[3]; header = 4; }
        else if (payload == 127) {
            if (*len - pos < 10) break;
            payload = 0;
            for (int i = 0; i < 8; i++) payload = (payload << 8) | f[2 + i];
            header = 10;
        }
        if (*len - pos < header + payload) break;
        int opcode = f[0] & 0x0f;
        if (opcode == 0x8) { fprintf(stderr, "error: the server closed the connection\n"); exit(1); }
        if (opcode == 0x1 || opcode == 0x2) frames++;
        pos += header + payload;
    }
    memmove(buf, buf + pos, *len - pos);
    *len -= pos;
    return frames;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *sorted, long n, double p) {
    if (n == 0) return 0;
    long i = (long)(p * (n - 1) + 0.5);
    return sorted[i];
}

int main(int argc, char **argv) {
    const char *url = NULL;
    size_t size = 32;
    long window = 64, count = 100000;
    double duration = 5, warmup = 1;
    int latency = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--size") && v) { size = strtoul(v, NULL, 10); i++; }
        else if (!strcmp(a, "--window") && v) { window = strtol(v, NULL, 10); i++; }
        else if (!strcmp(a, "--count") && v) { count = strtol(v, NULL, 10); i++; }
        else if (!strcmp(a, "--duration") && v) { duration = parse_duration(v); i++; }
        else if (!strcmp(a, "--warmup") && v) { warmup = parse_duration(v); i++; }
        else if (!strcmp(a, "--latency")) latency = 1;
        else if (a[0] != '-' && !url) url = a;
        else { fprintf(stderr, "error: unknown option '%s'\n", a); return 2; }
    }
    if (!url || strncmp(url, "ws://", 5) != 0 || window < 1 || count < 1) {
        fprintf(stderr, "usage: wsload ws://host:port/path [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N]\n");
        return 2;
    }

    char host[256] = "", port[16] = "80", path[512] = "/";
    const char *h = url + 5, *slash = strchr(h, '/'), *end = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', end - h);
    snprintf(host, sizeof host, "%.*s", (int)((colon ? colon : end) - h), h);
    if (colon) snprintf(port, sizeof port, "%.*s", (int)(end - colon - 1), colon + 1);
    if (slash) snprintf(path, sizeof path, "%s", slash);

    int fd = connect_to(host, port);
    handshake(fd, host, port, path);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);   /* both directions through poll(): no write can block */

    size_t frame_cap = size + 14;
    unsigned char *frames = malloc(PRESET_FRAMES * frame_cap);
    size_t frame_len = 0;
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)getpid();
    for (int i = 0; i < PRESET_FRAMES; i++) {
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
        frame_len = build_frame(frames + i * frame_cap, size, seed | 1);
    }

    size_t in_cap = 4 * 1024 * 1024 + frame_cap, in_len = 0;
    unsigned char *in = malloc(in_cap);
    size_t out_cap = (size_t)window * frame_len + 65536, out_len = 0, out_pos = 0;
    unsigned char *out = malloc(out_cap);
    double *samples = latency ? malloc(sizeof(double) * count) : NULL;
    long sent = 0, received = 0, measured = 0, next_preset = 0;
    int measuring = warmup == 0;
    double start = now_s(), measure_start = measuring ? start : start + warmup;
    double stop = measure_start + duration, sent_at = 0;
    long outstanding_limit = latency ? 1 : window;

    struct pollfd p = { .fd = fd };
    for (;;) {
        double t = now_s();
        if (!measuring && t >= measure_start) { measuring = 1; measured = 0; measure_start = t; stop = t + duration; }
        if (t >= stop || (latency && measuring && measured >= count)) break;
        while (sent - received < outstanding_limit && out_len + frame_len <= out_cap) {
            memcpy(out + out_len, frames + (next_preset++ % PRESET_FRAMES) * frame_cap, frame_len);
            out_len += frame_len;
            sent++;
            if (latency) sent_at = now_s();
        }
        p.events = POLLIN | (out_pos < out_len ? POLLOUT : 0);
        if (poll(&p, 1, 100) < 0 && errno != EINTR) die("poll failed");
        if (p.revents & POLLOUT) {
            ssize_t w = write(fd, out + out_pos, out_len - out_pos);
            if (w < 0 && errno != EAGAIN && errno != EINTR) die("write failed");
            if (w > 0) out_pos += w;
            if (out_pos == out_len) out_pos = out_len = 0;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(fd, in + in_len, in_cap - in_len);
            if (r == 0) { fprintf(stderr, "error: the server closed the connection\n"); return 1; }
            if (r < 0 && errno != EAGAIN && errno != EINTR) die("read failed");
            if (r > 0) {
                in_len += r;
                long echoes = consume_frames(in, &in_len);
                received += echoes;
                if (measuring) {
                    if (latency && echoes > 0) samples[measured < count ? measured : count - 1] = (now_s() - sent_at) * 1e6;
                    measured += echoes;
                }
            }
        }
    }

    double elapsed = now_s() - measure_start;
    double rate = measured / (elapsed > 0 ? elapsed : 1);
    double p50 = 0, p99 = 0, p999 = 0;
    if (latency) {
        long n = measured < count ? measured : count;
        qsort(samples, n, sizeof(double), compare);
        p50 = percentile(samples, n, 0.50); p99 = percentile(samples, n, 0.99); p999 = percentile(samples, n, 0.999);
    }
    printf("result: msgs_per_s=%.3f MB_per_s=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f\n",
           rate, rate * size / 1e6, p50, p99, p999);
    close(fd);
    return 0;
}
