#!/usr/bin/python3
"""Checks `wsload --serve` against python websockets (Debian's python3-websockets, asyncio API).

Usage: check-serve.py ws://127.0.0.1:PORT/
Sends text, binary, a fragmented message, a 1 MiB message and a ping, then closes; exits 0 if every echo is right.
"""
import asyncio
import sys

import websockets


async def check(url):
    failures = []

    def expect(what, got, wanted):
        if got != wanted:
            failures.append(f"{what}: got {got!r:.60}, wanted {wanted!r:.60}")

    async with websockets.connect(url, compression=None, max_size=None) as ws:
        await ws.send("héllo")
        expect("text", await ws.recv(), "héllo")
        await ws.send(b"\x00\x01\x02" * 100)
        expect("binary", await ws.recv(), b"\x00\x01\x02" * 100)
        # A fragmented message goes out as three frames and must come back as one whole message.
        await ws.send(["frag", "ment", "ed"])
        expect("fragmented", await ws.recv(), "fragmented")
        big = bytes(range(256)) * 4096
        await ws.send(big)
        expect("1 MiB binary", await ws.recv(), big)
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        await ws.close(1000, "bye")
        expect("close code", ws.close_code, 1000)
        expect("close reason", ws.close_reason, "bye")
    for failure in failures:
        print("FAIL", failure)
    print("python websockets", websockets.__version__, "ok" if not failures else "FAILED")
    return 1 if failures else 0


sys.exit(asyncio.run(asyncio.wait_for(check(sys.argv[1]), 20)))
