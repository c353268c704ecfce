# Opens N sockets to 127.0.0.1:PORT and holds them until stdin closes; each sends the start of an upgrade request
# (a slowloris client between two bytes), or nothing with a third argument "silent".
import socket
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
silent = len(sys.argv) > 3 and sys.argv[3] == "silent"
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    if not silent:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: b")
    held.append(s)
sys.stdin.read()
