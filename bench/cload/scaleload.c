/*
 * scaleload: the scale-out benchmark's subscribers in C (bench/scaleout.sh), so that the load generator, not the
 * stacks compared, is never the limit: ScaleOutLoad (C#) spent 80-90 % of its core at the rates RxSockets reaches.
 * It does what ScaleOutLoad does, with the same flags, the same control file (bench/ScaleOutShared/ScaleOutControl.cs)
 * and the same output lines, on one thread with epoll:
 *   scaleload URL [URL ...] --control FILE [--connections C] [--duration T] [--warmup T] [--protocol raw|signalr]
 *             [--sample K]
 *   result: deliveries_per_s=<n> p50_us=<f> p99_us=<f> p999_us=<f> lost=<n> dup=<n> ooo=<n> published=<n>
 *           publish_per_s=<n> dead=<n> samples=<n> load_cpu=<f>
 * Subscribers are spread round-robin over the URLs; each checks every message's sequence number (a bit per number:
 * duplicates, out-of-order arrivals and, at the end, what never came); every K-th one times publish -> deliver during
 * the measured interval from the publisher's CLOCK_MONOTONIC stamp (.NET's Stopwatch on Linux, in nanoseconds).
 * Messages (bench/ScaleOutShared/ScaleOutPayload.cs): binary = sequence and timestamp as little-endian int64; SignalR's
 * JSON protocol = both as 16 hex digits at the start of the invocation's only argument. Only ws:// on an IP address.
 * Build: cc -O2 -Wall -o scaleload scaleload.c
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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ScaleOutControl: one aligned int64 word each. */
enum { CMD = 0, SUBSCRIBERS = 1, PROGRESS = 2, PUBLISHED = 3, PUBLISHER_DONE = 4, PUBLISH_ERRORS = 5, DEAD = 6,
       DEAD_PROGRESS = 7, CONTROL_SIZE = 4096 };
enum { GO = 1, STOP = 2 };
#define WELCOME (-1LL)
#define MAX_FRAME (16 * 1024 * 1024)

typedef struct {
    int fd, url, open, dead, welcomed, sampled;
    unsigned char *buf;
    size_t cap, len;
    uint64_t *seen;
    size_t seen_words;
    long long delivered, distinct, dup, ooo, highest, welcome_delay;
} sub_t;

static volatile int64_t *control;
static sub_t *subs;
static int nsubs, signalr, measuring, closing;
static double *lat;
static long nlat, lat_cap;
static long long progress_pending;
static const char *first_error;

static int64_t ctl_get(int i) { return __atomic_load_n(&control[i], __ATOMIC_SEQ_CST); }
static void ctl_set(int i, int64_t v) { __atomic_store_n(&control[i], v, __ATOMIC_SEQ_CST); }
static void ctl_add(int i, int64_t v) { __atomic_fetch_add(&control[i], v, __ATOMIC_SEQ_CST); }

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

/* Writes all of a small frame (blocking briefly if the socket is full: only the handshake and pongs are written). */
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

/* A masked client frame (FIN set) of at most 125 bytes. */
static size_t client_frame(unsigned char *out, int opcode, const unsigned char *payload, size_t n) {
    uint32_t key = (uint32_t)random();
    out[0] = 0x80 | opcode;
    out[1] = 0x80 | (unsigned char)n;
    memcpy(out + 2, &key, 4);
    for (size_t i = 0; i < n; i++) out[6 + i] = payload[i] ^ out[2 + (i & 3)];
    return n + 6;
}

/* The connection ended before the run did: it stops counting towards the publisher's window. */
static void fail(sub_t *s, const char *why) {
    if (s->dead || closing) return;
    s->dead = 1;
    if (!first_error) first_error = why;
    ctl_add(DEAD_PROGRESS, s->highest + 1);
    ctl_add(DEAD, 1);
    close(s->fd);
}

static void on_message(sub_t *s, long long sequence, long long stamp) {
    if (sequence == WELCOME) {
        s->welcome_delay = now_ns() - stamp;
        s->welcomed = 1;
        return;
    }
    if (sequence < 0 || sequence > (1LL << 32)) { fail(s, "bad sequence number"); return; }
    if (s->sampled && measuring) {
        if (nlat == lat_cap) { lat_cap = lat_cap ? lat_cap * 2 : 1 << 16; lat = realloc(lat, lat_cap * sizeof *lat); }
        lat[nlat++] = (now_ns() - stamp) / 1e3;
    }
    s->delivered++;
    size_t word = (size_t)(sequence >> 6);
    if (word >= s->seen_words) {
        size_t n = s->seen_words * 2 > word + 1 ? s->seen_words * 2 : word + 1;
        s->seen = realloc(s->seen, n * sizeof *s->seen);
        memset(s->seen + s->seen_words, 0, (n - s->seen_words) * sizeof *s->seen);
        s->seen_words = n;
    }
    uint64_t bit = 1ULL << (sequence & 63);
    if (s->seen[word] & bit) { s->dup++; return; }
    s->seen[word] |= bit;
    s->distinct++;
    if (sequence < s->highest) s->ooo++;
    else { progress_pending += sequence - s->highest; s->highest = sequence; }
}

static int hex64(const unsigned char *p, long long *out) {
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return 0;
        v = v << 4 | (uint64_t)d;
    }
    *out = (long long)v;
    return 1;
}

/* SignalR JSON protocol: records end with 0x1E; an invocation carries the payload as its only argument. */
static void on_signalr(sub_t *s, const unsigned char *p, size_t n) {
    static const char key[] = "\"arguments\":[\"";
    while (n > 0 && !s->dead) {
        const unsigned char *end = memchr(p, 0x1E, n);
        size_t len = end ? (size_t)(end - p) : n;
        const unsigned char *a = memmem(p, len, key, sizeof key - 1);
        long long sequence, stamp;
        if (a && (size_t)(p + len - a) >= sizeof key - 1 + 32 && hex64(a + sizeof key - 1, &sequence)
            && hex64(a + sizeof key - 1 + 16, &stamp))
            on_message(s, sequence, stamp);
        else if (len >= 9 && !memcmp(p, "{\"type\":7", 9))
            fail(s, "SignalR closed the connection");
        p += len + (end ? 1 : 0);
        n -= len + (end ? 1 : 0);
    }
}

/* Handles every whole frame in the buffer; keeps the first incomplete one. */
static void parse(sub_t *s) {
    size_t pos = 0;
    while (!s->dead && s->len - pos >= 2) {
        unsigned char *f = s->buf + pos;
        uint64_t length = f[1] & 0x7f;
        size_t header = 2;
        if (length == 126) { if (s->len - pos < 4) break; length = (uint64_t)f[2] << 8 | f[3]; header = 4; }
        else if (length == 127) {
            if (s->len - pos < 10) break;
            length = 0;
            for (int i = 0; i < 8; i++) length = length << 8 | f[2 + i];
            header = 10;
        }
        if ((f[1] & 0x80) || length > MAX_FRAME) { fail(s, "masked or oversized frame from the server"); return; }
        if (s->len - pos < header + length) {
            if (header + length > s->cap) { s->cap = header + length; s->buf = realloc(s->buf, s->cap); }
            break;
        }
        unsigned char *payload = f + header;
        int opcode = f[0] & 0x0f;
        pos += header + length;
        if (!(f[0] & 0x80) || opcode == 0) { fail(s, "fragmented message (not expected for small messages)"); return; }
        if (opcode == 1 && signalr) on_signalr(s, payload, length);
        else if (opcode == 2 && !signalr && length >= 16) {
            long long sequence, stamp;
            memcpy(&sequence, payload, 8);   /* little-endian machine, little-endian message */
            memcpy(&stamp, payload + 8, 8);
            on_message(s, sequence, stamp);
        } else if (opcode == 8) fail(s, "the server closed the WebSocket");
        else if (opcode == 9 && length <= 125) {
            unsigned char pong[131];
            if (write_all(s->fd, pong, client_frame(pong, 10, payload, length)) < 0) fail(s, "cannot send a pong");
        }
    }
    if (s->dead) return;
    memmove(s->buf, s->buf + pos, s->len - pos);
    s->len -= pos;
}

/* The handshake response: everything after its blank line is frames. */
static void on_handshake(sub_t *s) {
    unsigned char *end = memmem(s->buf, s->len, "\r\n\r\n", 4);
    if (!end) { if (s->len == s->cap) fail(s, "handshake response too long"); return; }
    if (s->len < 12 || memcmp(s->buf, "HTTP/1.1 101", 12)) { fail(s, "handshake refused"); return; }
    size_t head = (size_t)(end - s->buf) + 4;
    memmove(s->buf, s->buf + head, s->len - head);
    s->len -= head;
    s->open = 1;
    if (signalr) {
        static const char hello[] = "{\"protocol\":\"json\",\"version\":1}\x1e";
        unsigned char frame[64];
        if (write_all(s->fd, frame, client_frame(frame, 1, (const unsigned char *)hello, sizeof hello - 1)) < 0)
            fail(s, "cannot send the SignalR handshake");
    }
}

static void on_readable(sub_t *s) {
    for (;;) {
        if (s->len == s->cap) { s->cap *= 2; s->buf = realloc(s->buf, s->cap); }
        size_t room = s->cap - s->len;
        ssize_t r = read(s->fd, s->buf + s->len, room);
        if (r == 0) { fail(s, "the server closed the TCP connection"); return; }
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            fail(s, "read failed");
            return;
        }
        s->len += (size_t)r;
        if (!s->open) on_handshake(s);
        if (s->open && !s->dead) parse(s);
        if (s->dead || (size_t)r < room) return;   /* a short read: the socket is empty (level-triggered anyway) */
    }
}

static int connect_one(sub_t *s, const char *host, int port, const char *path) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return -1;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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
    if (write_all(s->fd, request, (size_t)n) < 0) return -1;
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank, as bench/Shared/Percentiles.cs. */
static double percentile(double p) {
    if (nlat == 0) return 0;
    long rank = (long)(p * nlat + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > nlat) rank = nlat;
    return lat[rank - 1];
}

static long long sum_delivered(void) {
    long long n = 0;
    for (int i = 0; i < nsubs; i++) n += subs[i].delivered;
    return n;
}

static void flush_progress(void) {
    if (progress_pending) { ctl_add(PROGRESS, progress_pending); progress_pending = 0; }
}

/* Runs the event loop for at most `seconds` or until done() says so; returns whether done() said so. */
static int run_until(int ep, double seconds, int (*done)(void)) {
    struct epoll_event events[256];
    long long stop = now_ns() + (long long)(seconds * 1e9);
    while (!(done && done())) {
        long long left = stop - now_ns();
        if (left <= 0) return 0;
        int n = epoll_wait(ep, events, 256, left > 10000000 ? 10 : (int)(left / 1000000) + 1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); exit(1); }
        for (int i = 0; i < n; i++) {
            sub_t *s = &subs[events[i].data.u32];
            if (!s->dead) on_readable(s);
        }
        flush_progress();
    }
    return 1;
}

static int all_welcomed(void) {
    for (int i = 0; i < nsubs; i++) if (!subs[i].welcomed && !subs[i].dead) return 0;
    return 1;
}
static int published_started(void) { return ctl_get(PUBLISHED) != 0; }
static int publisher_done(void) { return ctl_get(PUBLISHER_DONE) != 0; }
static long long drain_target;
static int all_arrived(void) {
    for (int i = 0; i < nsubs; i++) if (!subs[i].dead && subs[i].distinct != drain_target) return 0;
    return 1;
}
static long long sum_distinct_live(void) {
    long long n = 0;
    for (int i = 0; i < nsubs; i++) if (!subs[i].dead) n += subs[i].distinct;
    return n;
}

int main(int argc, char **argv) {
    static const char usage[] = "usage: scaleload URL [URL ...] --control FILE [--connections C] [--duration T] [--warmup T] [--protocol raw|signalr] [--sample K]\n";
    const char *urls[64], *control_path = NULL;
    int nurls = 0, sample = 10;
    double duration = 5, warmup = 1;
    nsubs = 1000;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2); i++) {
        if (strncmp(argv[i], "ws://", 5) || nurls == 64) { fputs(usage, stderr); return 2; }
        urls[nurls++] = argv[i];
    }
    for (; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        int ok = 1;
        if (!strcmp(a, "--control")) ok = *(control_path = v) != 0;
        else if (!strcmp(a, "--connections")) ok = (nsubs = atoi(v)) > 0;
        else if (!strcmp(a, "--duration")) ok = (duration = parse_duration(v)) > 0;
        else if (!strcmp(a, "--warmup")) ok = (warmup = parse_duration(v)) >= 0;
        else if (!strcmp(a, "--protocol")) ok = !strcmp(v, "raw") || (signalr = !strcmp(v, "signalr"));
        else if (!strcmp(a, "--sample")) ok = (sample = atoi(v)) > 0;
        else ok = 0;
        if (!ok) { fprintf(stderr, "bad argument %s %s\n%s", a, v, usage); return 2; }
    }
    if (nurls == 0 || !control_path) { fputs(usage, stderr); return 2; }

    int cfd = open(control_path, O_RDWR | O_CREAT, 0600);
    if (cfd < 0 || ftruncate(cfd, CONTROL_SIZE) != 0) { perror(control_path); return 1; }
    control = mmap(NULL, CONTROL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
    if (control == MAP_FAILED) { perror("mmap"); return 1; }
    srandom((unsigned)(now_ns() ^ getpid()));

    int ep = epoll_create1(0);
    subs = calloc((size_t)nsubs, sizeof *subs);
    for (int k = 0; k < nsubs; k++) {
        sub_t *s = &subs[k];
        char host[64] = "", path[512] = "/";
        int port = 80;
        const char *h = urls[k % nurls] + 5, *slash = strchr(h, '/'), *end = slash ? slash : h + strlen(h);
        const char *colon = memchr(h, ':', (size_t)(end - h));
        snprintf(host, sizeof host, "%.*s", (int)((colon ? colon : end) - h), h);
        if (colon) port = atoi(colon + 1);
        if (slash) snprintf(path, sizeof path, "%s", slash);
        s->url = k % nurls;
        s->sampled = k % sample == 0;
        s->highest = -1;
        s->cap = 64 * 1024;
        s->buf = malloc(s->cap);
        s->seen_words = 64;
        s->seen = calloc(s->seen_words, sizeof *s->seen);
        if (connect_one(s, host, port, path) < 0) { fprintf(stderr, "load generator failed: cannot connect to %s: %s\n", urls[s->url], strerror(errno)); return 1; }
        struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)k };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &e) != 0) { perror("epoll_ctl"); return 1; }
    }

    if (!run_until(ep, 60, all_welcomed) || first_error) {
        int welcomed = 0;
        for (int k = 0; k < nsubs; k++) welcomed += subs[k].welcomed;
        fprintf(stderr, "only %d of %d subscribers were welcomed%s%s\n", welcomed, nsubs, first_error ? ": " : "", first_error ? first_error : "");
        return 1;
    }
    long long dmin = subs[0].welcome_delay, dmax = dmin;
    for (int k = 1; k < nsubs; k++) {
        if (subs[k].welcome_delay < dmin) dmin = subs[k].welcome_delay;
        if (subs[k].welcome_delay > dmax) dmax = subs[k].welcome_delay;
    }
    if (dmin < 0 || dmax > 60000000000LL) {
        fprintf(stderr, "the nodes' Stopwatch clock is not this process's (welcome delays %lld..%lld ns)\n", dmin, dmax);
        return 1;
    }

    ctl_set(SUBSCRIBERS, nsubs);
    ctl_set(CMD, GO);
    run_until(ep, warmup, NULL);
    if (!run_until(ep, 10, published_started)) {
        fputs("the publisher did not start (is a node running with --publish on this control file?)\n", stderr);
        return 1;
    }
    double cpu0 = cpu_s();
    long long delivered0 = sum_delivered(), published0 = ctl_get(PUBLISHED), t0 = now_ns();
    measuring = 1;
    run_until(ep, duration, NULL);
    long long delivered1 = sum_delivered(), published1 = ctl_get(PUBLISHED), t1 = now_ns();
    measuring = 0;
    double cpu = (cpu_s() - cpu0) / ((t1 - t0) / 1e9);
    ctl_set(CMD, STOP);
    run_until(ep, 30, publisher_done);

    long long published = ctl_get(PUBLISHED);
    drain_target = published;
    int drained = 0;
    long long last = -1, quiet_since = now_ns(), drain_start = now_ns();
    while (now_ns() - drain_start < 60000000000LL) {
        if (run_until(ep, 0.02, all_arrived)) { drained = 1; break; }
        long long distinct = sum_distinct_live();
        if (distinct != last) { last = distinct; quiet_since = now_ns(); }
        else if (now_ns() - quiet_since > 2000000000LL) break;
    }

    double seconds = (t1 - t0) / 1e9;
    long long lost = 0, dup = 0, ooo = 0;
    int dead = 0;
    for (int k = 0; k < nsubs; k++) {
        lost += published - subs[k].distinct;
        dup += subs[k].dup;
        ooo += subs[k].ooo;
        dead += subs[k].dead;
    }
    if (dead) fprintf(stderr, "%d subscribers' connections ended early, for example: %s\n", dead, first_error);
    qsort(lat, (size_t)nlat, sizeof *lat, compare);
    printf("connections %d over %d node(s); welcome delay %.2f..%.2f ms (shared clock)\n", nsubs, nurls, dmin / 1e6, dmax / 1e6);
    printf("published %lld (%.0f/s measured), publish errors %lld, %s\n", published, (published1 - published0) / seconds,
           (long long)ctl_get(PUBLISH_ERRORS), drained ? "all arrived" : "not all arrived");
    printf("result: deliveries_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f lost=%lld dup=%lld ooo=%lld published=%lld "
           "publish_per_s=%.0f dead=%d samples=%ld load_cpu=%.2f\n",
           (delivered1 - delivered0) / seconds, percentile(0.50), percentile(0.99), percentile(0.999), lost, dup, ooo,
           published, (published1 - published0) / seconds, dead, nlat, cpu);
    fflush(stdout);
    closing = 1;
    for (int k = 0; k < nsubs; k++) if (!subs[k].dead) close(subs[k].fd);
    return 0;
}
