#!/usr/bin/env python3
"""Worst-case server memory per connection: N clients that send 1 MiB binary messages and never read.

Starts `rxsockets serve --echo` (the command given after --), opens N raw WebSocket connections (plain sockets: the
client side buffers nothing of its own), and on each sends 1 MiB messages until the server has stopped taking them
for STALL seconds (its queues are full and it no longer reads the socket). Then reads the server's resident memory
(VmRSS) and prints it, the idle baseline, and the growth per connection. Linux only (/proc). Loopback only.

Usage: bench/peers/stuck-senders.py [--connections N] [--stall S] -- COMMAND...
"""
import argparse
import base64
import os
import select
import socket
import subprocess
import sys
import time

MESSAGE = 1024 * 1024


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def handshake(port, path):
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("the server closed during the handshake")
        answer += chunk
    if not answer.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(answer.split(b"\r\n")[0].decode())
    sock.setblocking(False)
    return sock


def frame(size):
    # FIN + binary, masked with the all-zero key (legal, and the payload goes as it is), 64-bit length.
    return bytes([0x82, 0x80 | 127]) + size.to_bytes(8, "big") + bytes(4) + bytes(size)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--stall", type=float, default=3.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    server = subprocess.Popen(command + ["--port", "0", "--quiet"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"serve printed {line!r}")
        url = line[len("listening on "):]
        port = int(url.split(":")[2].split("/")[0])
        time.sleep(1)
        baseline = rss_kib(server.pid)
        data = frame(MESSAGE)
        sockets = [handshake(port, "/") for _ in range(args.connections)]
        offsets = [0] * len(sockets)
        sent = [0] * len(sockets)
        last_progress = [time.monotonic()] * len(sockets)
        peak = baseline
        while True:
            now = time.monotonic()
            active = [i for i in range(len(sockets)) if now - last_progress[i] < args.stall]
            if not active:
                break
            _, writable, _ = select.select([], [sockets[i] for i in active], [], 0.2)
            for sock in writable:
                i = sockets.index(sock)
                try:
                    n = sock.send(data[offsets[i]:offsets[i] + 256 * 1024])
                except BlockingIOError:
                    continue
                if n > 0:
                    last_progress[i] = time.monotonic()
                    offsets[i] += n
                    if offsets[i] == len(data):
                        offsets[i] = 0
                        sent[i] += 1
            peak = max(peak, rss_kib(server.pid))
        stalled = rss_kib(server.pid)
        peak = max(peak, stalled)
        print(f"connections: {len(sockets)}, 1 MiB messages sent before the server stopped reading: {sent}")
        print(f"server VmRSS: idle {baseline / 1024:.1f} MiB, all stalled {stalled / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB")
        print(f"growth per stuck connection: {(stalled - baseline) / 1024 / len(sockets):.1f} MiB "
              f"(peak {(peak - baseline) / 1024 / len(sockets):.1f} MiB)")
        for sock in sockets:
            sock.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
