/*
 * wsload: the neutral side of the echo benchmark, in C, so that comparing stacks does not depend on any of the stacks
 * being compared. One file, three programs:
 *
 *   wsload URL [--raw] [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N]
 *       Load generator: one connection, one thread, non-blocking socket with poll(). Same flags and last line as
 *       `rxsockets bench`:  result: msgs_per_s=... MB_per_s=... p50_us=... p99_us=... p999_us=...
 *       --raw: no handshake and no framing; B-byte chunks with the same window (every B bytes echoed back count as one
 *       message and release the next): the raw TCP floor of the same workload.
 *   wsload --serve [--raw] [--port P]
 *       Echo server: one thread, epoll, many connections. Echoes every data frame with its opcode and FIN (so a
 *       fragmented message goes back as it came, whole), answers ping with pong, echoes a close frame and closes.
 *       --raw: a raw TCP echo server (bytes back as they come, no handshake). Prints `listening ws://127.0.0.1:<port>/`
 *       when ready (port 0 = ephemeral); exits 0 on SIGTERM or SIGINT.
 *   wsload --self-test
 *       Checks the SHA-1 and base64 behind Sec-WebSocket-Accept against RFC 3174 and RFC 6455 examples.
 *
 * Durations: 500ms, 3s, 1m. Only ws:// (no TLS, no extensions). Build: cc -O2 -Wall -Wextra -o wsload wsload.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
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

/* Parses a whole non-negative decimal number no larger than max; exits 2 naming the flag otherwise. */
static long parse_count(const char *flag, const char *text, long max) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (end == text || *end || errno || value < 0 || value > max) {
        fprintf(stderr, "error: %s wants a whole number from 0 to %ld, not '%s'\n", flag, max, text);
        exit(2);
    }
    return value;
}

/* ---- SHA-1 (FIPS 180-4) and base64, for Sec-WebSocket-Accept only ---------------------------------------------- */

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(uint32_t h[5], const unsigned char *p) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = b ^ c ^ d; k = 0xca62c1d6; }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d; d = c; c = rol(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

static void sha1(const void *data, size_t len, unsigned char digest[20]) {
    uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
    const unsigned char *p = data;
    size_t left = len;
    for (; left >= 64; left -= 64, p += 64) sha1_block(h, p);
    /* The tail, the 0x80 marker and the 64-bit big-endian bit length: one block, or two when the tail is 56+ bytes. */
    unsigned char tail[128] = { 0 };
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t blocks = left < 56 ? 1 : 2;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) tail[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t i = 0; i < blocks; i++) sha1_block(h, tail + 64 * i);
    for (int i = 0; i < 20; i++) digest[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* Writes the padded base64 of in[0..len) and a terminating NUL to out (4 * ceil(len / 3) + 1 bytes). */
static void base64(const unsigned char *in, size_t len, char *out) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = 0;
}

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 section 4.2.2): base64(SHA-1(key + GUID)), 28 chars + NUL. */
static void accept_key(const char *key, size_t key_len, char out[29]) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char joined[256];
    if (key_len > sizeof joined - sizeof guid) key_len = sizeof joined - sizeof guid;
    memcpy(joined, key, key_len);
    memcpy(joined + key_len, guid, sizeof guid - 1);
    unsigned char digest[20];
    sha1(joined, key_len + sizeof guid - 1, digest);
    base64(digest, 20, out);
}

static int self_test(void) {
    struct { const char *in; const char *hex; } vectors[] = {   /* RFC 3174 section 7.3 and FIPS 180 examples */
        { "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
        { "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
    };
    int failures = 0;
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        unsigned char digest[20];
        char hex[41];
        sha1(vectors[v].in, strlen(vectors[v].in), digest);
        for (int i = 0; i < 20; i++) sprintf(hex + 2 * i, "%02x", digest[i]);
        if (strcmp(hex, vectors[v].hex) != 0) { fprintf(stderr, "FAIL sha1(\"%s\") = %s\n", vectors[v].in, hex); failures++; }
    }
    char b64[16];
    base64((const unsigned char *)"foob", 4, b64);   /* RFC 4648 section 10 */
    if (strcmp(b64, "Zm9vYg==") != 0) { fprintf(stderr, "FAIL base64(\"foob\") = %s\n", b64); failures++; }
    char accept[29];
    accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, accept);   /* RFC 6455 section 1.3 */
    if (strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != 0) { fprintf(stderr, "FAIL accept = %s\n", accept); failures++; }
    printf(failures ? "self-test failed\n" : "self-test passed\n");
    return failures ? 1 : 0;
}

/* ---- The echo server ------------------------------------------------------------------------------------------ */

/* One read's worth. One buffer for all connections: the server is single-threaded and finishes each read (echoes it or
 * keeps the unsent rest on the connection) before the next, so idle connections hold no buffer. */
#define READ_CHUNK (256 * 1024)
#define MAX_REQUEST 8192
#define MAX_EVENTS 256

enum { HANDSHAKE, OPEN, CLOSING };

struct conn {
    int fd;
    int state;
    char *request;                /* the handshake head so far; freed once upgraded */
    size_t request_len;
    unsigned char header[14];     /* the frame header so far, while it is split across reads */
    size_t header_len;
    int in_payload, control_discard, close_frame;
    uint64_t remaining;           /* payload bytes of the current frame still to come */
    unsigned char mask[4];
    size_t mask_pos;
    unsigned char *pending;       /* output a write did not take; reading stops until it is sent */
    size_t pending_len, pending_pos;
};

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static unsigned char read_buf[READ_CHUNK];
/* A server header is 4 bytes shorter than the client's (no mask key), so the echo of a read is never longer than the
 * read, except for one header split across reads (up to 10 bytes) and a close frame after a protocol error. */
static unsigned char out_buf[READ_CHUNK + 64];

static void conn_free(int ep, struct conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->request);
    free(c->pending);
    free(c);
}

/* XORs n payload bytes with the mask starting at mask position pos, 8 bytes at a time where it can. */
static void unmask(unsigned char *out, const unsigned char *in, size_t n, const unsigned char mask[4], size_t pos) {
    unsigned char m8[8];
    for (int i = 0; i < 8; i++) m8[i] = mask[(pos + i) & 3];
    uint64_t m;
    memcpy(&m, m8, 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, in + i, 8);
        v ^= m;
        memcpy(out + i, &v, 8);
    }
    for (; i < n; i++) out[i] = in[i] ^ m8[i & 7];
}

/* Writes a server frame header (no mask) for the opcode byte (FIN and opcode) and the length; returns its size. */
static size_t write_header(unsigned char *out, unsigned char first, uint64_t len) {
    out[0] = first;
    if (len <= 125) { out[1] = (unsigned char)len; return 2; }
    if (len <= 65535) { out[1] = 126; out[2] = (unsigned char)(len >> 8); out[3] = (unsigned char)len; return 4; }
    out[1] = 127;
    for (int i = 0; i < 8; i++) out[2 + i] = (unsigned char)(len >> (56 - 8 * i));
    return 10;
}

/* Appends a close frame with a status code (no reason) and marks the connection closing. */
static size_t fail(struct conn *c, unsigned char *out, unsigned code) {
    out[0] = 0x88; out[1] = 2; out[2] = (unsigned char)(code >> 8); out[3] = (unsigned char)code;
    c->state = CLOSING;
    return 4;
}

/* Echoes the frames in in[0..n) into out, streaming: a payload is unmasked and copied as it arrives, so a frame larger
 * than a read needs no buffer. Returns the output length; sets CLOSING after a close frame or a protocol error. */
static size_t echo_frames(struct conn *c, const unsigned char *in, size_t n, unsigned char *out) {
    size_t pos = 0, o = 0;
    while (pos < n && c->state == OPEN) {
        if (!c->in_payload) {
            size_t need = 2;
            if (c->header_len >= 2) {   /* a header split over reads: its length is known from its second byte */
                size_t len7 = c->header[1] & 0x7f;
                need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((c->header[1] & 0x80) ? 4 : 0);
            }
            while (c->header_len < need && pos < n) {
                c->header[c->header_len++] = in[pos++];
                if (c->header_len == 2) {
                    size_t len7 = c->header[1] & 0x7f;
                    need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((c->header[1] & 0x80) ? 4 : 0);
                }
            }
            if (c->header_len < need) break;
            const unsigned char *h = c->header;
            int opcode = h[0] & 0x0f, fin = h[0] & 0x80;
            size_t len7 = h[1] & 0x7f, at = 2;
            uint64_t len = len7;
            if (len7 == 126) { len = (uint64_t)h[2] << 8 | h[3]; at = 4; }
            else if (len7 == 127) { len = 0; for (int i = 0; i < 8; i++) len = len << 8 | h[2 + i]; at = 10; }
            c->header_len = 0;
            /* RFC 6455 5.1-5.5: clients mask; no extension, so no RSV bit; known opcodes; short, whole control frames. */
            if (!(h[1] & 0x80) || (h[0] & 0x70) || (opcode > 2 && opcode < 8) || opcode > 10 || (len >> 63) ||
                (opcode >= 8 && (!fin || len > 125)) || (opcode == 8 && len == 1))
                return o + fail(c, out + o, 1002);
            memcpy(c->mask, h + at, 4);
            c->mask_pos = 0;
            c->remaining = len;
            c->in_payload = 1;
            c->control_discard = opcode == 0xa;   /* an unsolicited pong needs no answer */
            c->close_frame = opcode == 8;
            if (!c->control_discard) o += write_header(out + o, (unsigned char)(h[0] & 0xf0) | (opcode == 9 ? 0xa : opcode), len);
        }
        size_t k = c->remaining < n - pos ? (size_t)c->remaining : n - pos;
        if (!c->control_discard) { unmask(out + o, in + pos, k, c->mask, c->mask_pos); o += k; }
        c->mask_pos += k;
        c->remaining -= k;
        pos += k;
        if (c->remaining == 0) {
            c->in_payload = 0;
            if (c->close_frame) c->state = CLOSING;   /* the close echoed; what follows it is not read */
        }
    }
    return o;
}

/* The value of a header in a request head, case-insensitively by name; NULL if absent. Sets *len. */
static const char *header_value(const char *head, const char *name, size_t *len) {
    size_t name_len = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        const char *start = line + 2;
        if (strncasecmp(start, name, name_len) != 0 || start[name_len] != ':') continue;
        const char *v = start + name_len + 1;
        while (*v == ' ' || *v == '\t') v++;
        const char *end = strstr(v, "\r\n");
        while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
        *len = (size_t)(end - v);
        return v;
    }
    return NULL;
}

static const char bad_request[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/* Collects the handshake head; once whole, writes the 101 (or a 400) to out and echoes the frames behind the head.
 * Returns the output length. */
static size_t handshake_bytes(struct conn *c, const unsigned char *in, size_t n, unsigned char *out) {
    if (!c->request && !(c->request = malloc(MAX_REQUEST + 1))) die("out of memory");
    size_t take = n < MAX_REQUEST - c->request_len ? n : MAX_REQUEST - c->request_len;
    memcpy(c->request + c->request_len, in, take);
    size_t before = c->request_len;
    c->request_len += take;
    c->request[c->request_len] = 0;
    char *end = strstr(c->request, "\r\n\r\n");
    if (!end) {
        if (c->request_len < MAX_REQUEST) return 0;
        c->state = CLOSING;
        memcpy(out, bad_request, sizeof bad_request - 1);
        return sizeof bad_request - 1;
    }
    size_t head_len = (size_t)(end + 4 - c->request);
    end[2] = 0;   /* the head, each line ending in \r\n */
    size_t key_len = 0, version_len = 0;
    const char *key = header_value(c->request, "Sec-WebSocket-Key", &key_len);
    const char *version = header_value(c->request, "Sec-WebSocket-Version", &version_len);
    if (strncmp(c->request, "GET ", 4) != 0 || !key || key_len == 0 || key_len > 64 || !version ||
        version_len != 2 || strncmp(version, "13", 2) != 0) {
        c->state = CLOSING;
        memcpy(out, bad_request, sizeof bad_request - 1);
        return sizeof bad_request - 1;
    }
    char accept[29];
    accept_key(key, key_len, accept);
    size_t o = (size_t)sprintf((char *)out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    free(c->request);
    c->request = NULL;
    c->request_len = 0;
    c->state = OPEN;
    size_t used = head_len - before;   /* bytes of this read that were part of the head */
    return o + echo_frames(c, in + used, n - used, out + o);
}

/* Sends out[0..len) now; keeps what the socket does not take and waits for EPOLLOUT instead of reading.
 * Returns 0, or -1 if the connection is gone. */
static int send_or_keep(int ep, struct conn *c, const unsigned char *out, size_t len) {
    size_t sent = 0;
    while (sent < len) {
        ssize_t w = send(c->fd, out + sent, len - sent, MSG_NOSIGNAL);
        if (w > 0) { sent += (size_t)w; continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        return -1;
    }
    if (sent == len) return 0;
    if (!(c->pending = malloc(len - sent))) die("out of memory");
    memcpy(c->pending, out + sent, len - sent);
    c->pending_len = len - sent;
    c->pending_pos = 0;
    struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
    return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* One read, echoed. Returns -1 when the connection is to be freed now. */
static int on_readable(int ep, struct conn *c, int raw) {
    ssize_t r = read(c->fd, read_buf, sizeof read_buf);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (r <= 0) return -1;
    size_t n = (size_t)r, len;
    const unsigned char *out = out_buf;
    if (raw) { out = read_buf; len = n; }
    else if (c->state == HANDSHAKE) len = handshake_bytes(c, read_buf, n, out_buf);
    else len = echo_frames(c, read_buf, n, out_buf);
    if (send_or_keep(ep, c, out, len) < 0) return -1;
    return c->state == CLOSING && !c->pending ? -1 : 0;   /* closing: free once the last bytes are out */
}

static int on_writable(int ep, struct conn *c) {
    while (c->pending_pos < c->pending_len) {
        ssize_t w = send(c->fd, c->pending + c->pending_pos, c->pending_len - c->pending_pos, MSG_NOSIGNAL);
        if (w > 0) { c->pending_pos += (size_t)w; continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;
    }
    free(c->pending);
    c->pending = NULL;
    if (c->state == CLOSING) return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static int serve(long port, int raw) {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) die("socket");
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) die("cannot listen on 127.0.0.1");
    if (listen(listener, 4096) < 0) die("listen");
    socklen_t addr_len = sizeof addr;
    getsockname(listener, (struct sockaddr *)&addr, &addr_len);

    /* SIGTERM and SIGINT arrive only inside epoll_pwait, so the stop flag cannot be missed between check and wait. */
    sigset_t blocked, waiting;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &waiting);
    sigdelset(&waiting, SIGTERM);
    sigdelset(&waiting, SIGINT);
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int spare = open("/dev/null", O_RDONLY | O_CLOEXEC);   /* see EMFILE below */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };   /* NULL: the listener */
    if (epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0) die("epoll_ctl");
    printf("listening ws://127.0.0.1:%u/\n", ntohs(addr.sin_port));
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    while (!stopping) {
        int count = epoll_pwait(ep, events, MAX_EVENTS, -1, &waiting);
        if (count < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < count; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                for (;;) {   /* take every pending connection */
                    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare >= 0) {
                        /* Out of descriptors: the listener would stay readable and epoll would spin, so accept the
                         * connection on the spare descriptor and close it at once; the client sees the refusal. */
                        close(spare);
                        fd = accept(listener, NULL, NULL);
                        if (fd >= 0) close(fd);
                        spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        if (fd >= 0) continue;
                        break;   /* EMFILE comes before EAGAIN: nothing was waiting */
                    }
                    if (fd < 0) break;   /* EAGAIN: all taken */
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *fresh = calloc(1, sizeof *fresh);
                    if (!fresh) die("out of memory");
                    fresh->fd = fd;
                    fresh->state = raw ? OPEN : HANDSHAKE;
                    struct epoll_event cev = { .events = EPOLLIN, .data.ptr = fresh };
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) { close(fd); free(fresh); }
                }
                continue;
            }
            int gone = 0;
            if (c->pending)   /* waiting for EPOLLOUT: no reading until the last echo is out */
                gone = events[i].events & EPOLLOUT ? on_writable(ep, c) : events[i].events & (EPOLLHUP | EPOLLERR) ? -1 : 0;
            else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                gone = on_readable(ep, c, raw);
            if (gone < 0) conn_free(ep, c);
        }
    }
    return 0;   /* the process exit closes every socket */
}

/* ---- The load generator --------------------------------------------------------------------------------------- */

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

static const char usage[] =
    "usage: wsload ws://host:port/path [--raw] [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N]\n"
    "       wsload --serve [--raw] [--port P]\n"
    "       wsload --self-test\n";

int main(int argc, char **argv) {
    const char *url = NULL;
    size_t size = 32;
    long window = 64, count = 0, port = 0;
    double duration = 5, warmup = 1;
    int latency = 0, raw = 0, server = 0, port_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--size") && v) { size = (size_t)parse_count(a, v, 1L << 30); i++; }
        else if (!strcmp(a, "--window") && v) { window = parse_count(a, v, 1L << 20); i++; }
        else if (!strcmp(a, "--count") && v) { count = parse_count(a, v, 1L << 40); i++; }
        else if (!strcmp(a, "--port") && v) { port = parse_count(a, v, 65535); port_given = 1; i++; }
        else if (!strcmp(a, "--duration") && v) { duration = parse_duration(v); i++; }
        else if (!strcmp(a, "--warmup") && v) { warmup = parse_duration(v); i++; }
        else if (!strcmp(a, "--latency")) latency = 1;
        else if (!strcmp(a, "--raw")) raw = 1;
        else if (!strcmp(a, "--serve")) server = 1;
        else if (!strcmp(a, "--self-test") && argc == 2) return self_test();
        else if (a[0] != '-' && !url) url = a;
        else { fprintf(stderr, "error: unknown option '%s'\n%s", a, usage); return 2; }
    }
    if (server) {
        if (url) { fprintf(stderr, "error: --serve takes no URL\n%s", usage); return 2; }
        return serve(port, raw);
    }
    if (port_given) { fprintf(stderr, "error: --port is for --serve; the load generator takes a URL\n%s", usage); return 2; }
    if (!url || strncmp(url, "ws://", 5) != 0 || window < 1 || (raw && size < 1)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }

    char host[256] = "", port_text[16] = "80", path[512] = "/";
    const char *h = url + 5, *slash = strchr(h, '/'), *end = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', end - h);
    snprintf(host, sizeof host, "%.*s", (int)((colon ? colon : end) - h), h);
    if (colon) snprintf(port_text, sizeof port_text, "%.*s", (int)(end - colon - 1), colon + 1);
    if (slash) snprintf(path, sizeof path, "%s", slash);

    int fd = connect_to(host, port_text);
    if (!raw) handshake(fd, host, port_text, path);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);   /* both directions through poll(): no write can block */

    /* Raw: B zero bytes per message, no header. WebSocket: masked binary frames with varying keys. */
    size_t frame_cap = size + 14;
    unsigned char *frames = calloc(PRESET_FRAMES, frame_cap);
    size_t frame_len = size;
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)getpid();
    for (int i = 0; i < PRESET_FRAMES && !raw; i++) {
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
        frame_len = build_frame(frames + i * frame_cap, size, seed | 1);
    }

    size_t in_cap = 4 * 1024 * 1024 + frame_cap, in_len = 0;
    unsigned char *in = malloc(in_cap);
    size_t out_cap = (size_t)window * frame_len + 65536, out_len = 0, out_pos = 0;
    unsigned char *out = malloc(out_cap);
    /* Latency samples: grown as needed; --count N stops after N measured round trips (0: the duration decides). */
    long samples_cap = latency ? 65536 : 0;
    double *samples = latency ? malloc(sizeof(double) * samples_cap) : NULL;
    if (!frames || !in || !out || (latency && !samples)) die("out of memory");
    long sent = 0, received = 0, measured = 0, next_preset = 0, sampled = 0;
    size_t raw_partial = 0;   /* raw: echoed bytes of a message not yet whole */
    int measuring = warmup == 0;
    double start = now_s(), measure_start = measuring ? start : start + warmup;
    double stop = measure_start + duration, sent_at = 0;
    long outstanding_limit = latency ? 1 : window;

    struct pollfd p = { .fd = fd };
    for (;;) {
        double t = now_s();
        if (!measuring && t >= measure_start) { measuring = 1; measured = 0; sampled = 0; measure_start = t; stop = t + duration; }
        if (t >= stop || (latency && measuring && count > 0 && measured >= count)) break;
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
                long echoes;
                if (raw) {
                    raw_partial += (size_t)r;
                    echoes = (long)(raw_partial / size);
                    raw_partial %= size;
                } else {
                    in_len += r;
                    echoes = consume_frames(in, &in_len);
                }
                received += echoes;
                if (measuring) {
                    if (latency && echoes > 0) {
                        if (sampled == samples_cap) {
                            samples_cap *= 2;
                            if (!(samples = realloc(samples, sizeof(double) * samples_cap))) die("out of memory");
                        }
                        samples[sampled++] = (now_s() - sent_at) * 1e6;
                    }
                    measured += echoes;
                }
            }
        }
    }

    double elapsed = now_s() - measure_start;
    double rate = measured / (elapsed > 0 ? elapsed : 1);
    double p50 = 0, p99 = 0, p999 = 0;
    if (latency) {
        qsort(samples, sampled, sizeof(double), compare);
        p50 = percentile(samples, sampled, 0.50); p99 = percentile(samples, sampled, 0.99); p999 = percentile(samples, sampled, 0.999);
    }
    printf("result: msgs_per_s=%.3f MB_per_s=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f\n",
           rate, rate * size / 1e6, p50, p99, p999);
    close(fd);
    return 0;
}
