#!/usr/bin/python3
"""Interop peer: a python `websockets` server on 127.0.0.1, ephemeral port.

Mirrors ws-server.js option for option; see README.md in this folder. Written against the
asyncio ("legacy") API of websockets 10.x, which Debian's python3-websockets provides.
"""

import argparse
import asyncio
import http
import json
import signal
import sys

import websockets
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

MAX_SIZE = 64 * 1024 * 1024


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="py-server.py")
    parser.add_argument("--protocols", default="")
    parser.add_argument("--require-protocol", action="store_true")
    parser.add_argument("--require-header")
    parser.add_argument("--reject-status", type=int, default=403)
    parser.add_argument("--report-headers", action="store_true")
    parser.add_argument("--ping")
    parser.add_argument("--ping-after", type=int, default=0)
    parser.add_argument("--close-after", type=int, default=0)
    parser.add_argument("--close-code", type=int, default=1000)
    parser.add_argument("--close-reason", default="")
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--deflate", action="store_true")
    parser.add_argument("--server-window-bits", type=int)
    parser.add_argument("--client-window-bits", type=int)
    options = parser.parse_args(argv)
    options.protocols = [p for p in options.protocols.split(",") if p]
    return options


def say(line):
    print(line, flush=True)


def offered_protocols(headers):
    offered = []
    for value in headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(p.strip() for p in value.split(",") if p.strip())
    return offered


def make_process_request(options):
    async def process_request(path, request_headers):
        if options.require_header and options.require_header not in request_headers:
            say(f"rejected {options.reject_status} missing-header {options.require_header.lower()}")
            return (
                http.HTTPStatus(options.reject_status),
                [],
                f"missing header {options.require_header}\n".encode(),
            )
        if options.require_protocol and not any(
            p in options.protocols for p in offered_protocols(request_headers)
        ):
            say(f"rejected {options.reject_status} no-protocol")
            return (http.HTTPStatus(options.reject_status), [], b"no supported subprotocol\n")
        return None

    return process_request


def select_subprotocol(options):
    def select(client_protocols, server_protocols):
        # Same rule as ws-server.js: the client's first offer that the server supports.
        for protocol in client_protocols:
            if protocol in options.protocols:
                return protocol
        return None

    return select


async def report_pong(waiter, payload):
    # websockets resolves a ping's waiter only when a pong with the same payload arrives
    # (RFC 6455 §5.5.3), so reaching the print means the payload came back unchanged.
    try:
        await waiter
        say(f"pong {payload}")
    except websockets.ConnectionClosed:
        pass


def make_handler(options, finished):
    async def handler(websocket):
        say(f"open {websocket.path} {websocket.subprotocol or '-'}")
        if options.deflate:
            # The whole negotiated header, parameters included (ws-server.js prints extension names only).
            say(f"extensions {websocket.response_headers.get('Sec-WebSocket-Extensions') or '-'}")
        pong_task = None
        try:
            if options.report_headers:
                headers = json.dumps({k.lower(): v for k, v in websocket.request_headers.raw_items()})
                say(f"headers {headers}")
                await websocket.send(headers)
            if options.ping is not None and options.ping_after == 0:
                waiter = await websocket.ping(options.ping.encode("utf-8"))
                pong_task = asyncio.create_task(report_pong(waiter, options.ping))
            received = 0
            async for message in websocket:
                received += 1
                await websocket.send(message)
                if options.ping is not None and options.ping_after == received:
                    waiter = await websocket.ping(options.ping.encode("utf-8"))
                    pong_task = asyncio.create_task(report_pong(waiter, options.ping))
                if options.close_after > 0 and received == options.close_after:
                    await websocket.close(options.close_code, options.close_reason)
        except websockets.ConnectionClosed:
            pass
        finally:
            await websocket.wait_closed()
            if pong_task is not None:
                await pong_task
            say(f"closed {websocket.close_code} {websocket.close_reason or ''}")
            if options.once:
                finished.set()

    return handler


async def main(argv):
    options = parse_args(argv)
    finished = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, finished.set)
    # With a window option the extension is configured by hand (the library's defaults otherwise).
    windows = options.server_window_bits is not None or options.client_window_bits is not None
    async with websockets.serve(
        make_handler(options, finished),
        "127.0.0.1",
        0,
        subprotocols=options.protocols or None,
        select_subprotocol=select_subprotocol(options),
        process_request=make_process_request(options),
        max_size=MAX_SIZE,
        # websockets' defaults when enabled: no threshold (every message is compressed), window bits and memLevel
        # chosen by the library.
        compression="deflate" if options.deflate and not windows else None,
        extensions=[
            ServerPerMessageDeflateFactory(
                server_max_window_bits=options.server_window_bits,
                client_max_window_bits=options.client_window_bits,
                compress_settings={"memLevel": 5},
            )
        ] if options.deflate and windows else None,
    ) as server:
        say(f"listening {server.sockets[0].getsockname()[1]}")
        await finished.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
