#!/usr/bin/env python3
"""Memory under a ping flood from a peer that never reads (issue 12, point 4). Not a timing benchmark.

  ping-flood.py server PID URL [--pings N] [--seconds S]
      Connects to the WebSocket server URL (process PID), sends up to N masked pings of 125 bytes as fast as the
      socket takes them, never reading, for at most S seconds; prints how many pings the server took and its
      VmRSS/VmHWM before and after.
  ping-flood.py client PORT [--pings N] [--seconds S] -- COMMAND...
      Listens on 127.0.0.1:PORT as a hostile server, starts COMMAND (a client connecting to ws://127.0.0.1:PORT/),
      completes the handshake and floods it the same way; prints the same for the client process.

Plain sockets and hashlib only: the handshake is written by hand, so nothing here reads what the peer sends.
"""
import base64
import hashlib
import os
import socket
import subprocess
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHUNK_PINGS = 1000


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) // 1024
    return fields


def ping(masked):
    payload = bytes(range(125))
    if not masked:
        return bytes([0x89, 125]) + payload
    key = b"\x01\x02\x03\x04"
    return bytes([0x89, 0x80 | 125]) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def flood(sock, masked, pings, seconds):
    chunk = ping(masked) * CHUNK_PINGS
    sock.settimeout(1.0)
    sent_bytes = 0
    deadline = time.monotonic() + seconds
    while sent_bytes < pings * len(chunk) // CHUNK_PINGS and time.monotonic() < deadline:
        try:
            sent_bytes += sock.send(chunk[sent_bytes % len(chunk):])
        except socket.timeout:
            continue  # the peer does not read: our send buffer is full; try until the deadline
    return sent_bytes // (len(chunk) // CHUNK_PINGS)


def report(pid, before, sent, after, seconds):
    print(f"pings taken by the peer's socket: {sent:,} in at most {seconds} s (125-byte payloads, never read)")
    print(f"peer VmRSS before {before['VmRSS']} MiB, after {after['VmRSS']} MiB (peak VmHWM {after['VmHWM']} MiB)")


def serve_flood(pid, url, pings, seconds):
    host, _, rest = url.removeprefix("ws://").partition("/")
    name, _, port = host.partition(":")
    sock = socket.create_connection((name, int(port or 80)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /{rest} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    before = memory(pid)
    sent = flood(sock, masked=True, pings=pings, seconds=seconds)
    report(pid, before, sent, memory(pid), seconds)


def client_flood(port, command, pings, seconds):
    listener = socket.create_server(("127.0.0.1", port))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sock, _ = listener.accept()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        key = [line.split(b":", 1)[1].strip() for line in head.split(b"\r\n") if line.lower().startswith(b"sec-websocket-key:")][0]
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        sock.sendall(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode())
        before = memory(process.pid)
        sent = flood(sock, masked=False, pings=pings, seconds=seconds)
        report(process.pid, before, sent, memory(process.pid), seconds)
    finally:
        process.kill()
        process.wait()


def option(args, name, default):
    return int(args[args.index(name) + 1]) if name in args else default


def main(args):
    command = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    pings, seconds = option(args, "--pings", 2_000_000), option(args, "--seconds", 25)
    if args[:1] == ["server"]:
        serve_flood(int(args[1]), args[2], pings, seconds)
    elif args[:1] == ["client"] and command:
        client_flood(int(args[1]), command, pings, seconds)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
