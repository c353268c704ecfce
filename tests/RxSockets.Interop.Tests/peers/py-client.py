#!/usr/bin/python3
"""Interop peer: a python `websockets` client.

Mirrors ws-client.js option for option; see README.md in this folder. Written against the
asyncio ("legacy") API of websockets 10.x, which Debian's python3-websockets provides.
"""

import argparse
import asyncio
import sys

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

MAX_SIZE = 64 * 1024 * 1024


class ScriptFailure(Exception):
    pass


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="py-client.py")
    parser.add_argument("url")
    parser.add_argument("--mode", choices=["echo", "script"], default="echo")
    parser.add_argument("--protocol", action="append", default=[])
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--ping", default="ping-payload")
    parser.add_argument("--close-code", type=int, default=1000)
    parser.add_argument("--close-reason", default="done")
    parser.add_argument("--offer-deflate", action="store_true")
    parser.add_argument("--server-window-bits", type=int)
    parser.add_argument("--client-window-bits", type=int)
    options = parser.parse_args(argv)
    headers = []
    for header in options.header:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            parser.error(f"header must be Name:Value, got {header}")
        headers.append((name.strip(), value.strip()))
    options.headers = headers
    return options


def say(line):
    print(line, flush=True)


# Payload generators shared with InteropScenarios.Payloads and ws-client.js.
def binary_payload(length):
    return bytes((i * 31 + 7) & 0xFF for i in range(length))


def text_payload(length):
    return "".join(chr(0x61 + i % 26) for i in range(length))


def script_messages():
    return [
        ("text", "hello"),
        ("empty-text", ""),
        ("empty-binary", b""),
        ("unicode-text", "h\u00e9llo w\u00f6rld \u2713 \U0001F680"),
        ("binary-125", binary_payload(125)),
        ("binary-126", binary_payload(126)),
        ("binary-65535", binary_payload(65535)),
        ("binary-65536", binary_payload(65536)),
        ("text-65536", text_payload(65536)),
        ("binary-16MiB", binary_payload(16 * 1024 * 1024)),
    ]


async def run_echo(websocket):
    try:
        async for message in websocket:
            await websocket.send(message)
    except websockets.ConnectionClosed:
        pass
    await websocket.wait_closed()
    say(f"closed {websocket.close_code} {websocket.close_reason or ''}")
    return 1 if websocket.close_code == 1006 else 0


async def run_script(websocket, options):
    for name, payload in script_messages():
        await websocket.send(payload)
        try:
            echo = await websocket.recv()
        except websockets.ConnectionClosed as error:
            raise ScriptFailure(f"{name}: expected echo, got close {error.code}") from error
        if type(echo) is not type(payload):
            raise ScriptFailure(f"{name}: echo type {type(echo).__name__}")
        if echo != payload:
            raise ScriptFailure(f"{name}: echo differs (length {len(echo)} vs {len(payload)})")
    waiter = await websocket.ping(options.ping.encode("utf-8"))
    # The waiter resolves only on a pong whose payload equals the ping's (RFC 6455 §5.5.3).
    await asyncio.wait_for(waiter, timeout=10)
    await websocket.close(options.close_code, options.close_reason)
    say(f"closed {websocket.close_code} {websocket.close_reason or ''}")
    if websocket.close_code != options.close_code:
        raise ScriptFailure(f"close: server answered code {websocket.close_code}")
    say("ok")
    return 0


async def main(argv):
    options = parse_args(argv)
    # With a window option the extension is configured by hand (the library's defaults otherwise).
    windows = options.server_window_bits is not None or options.client_window_bits is not None
    try:
        async with websockets.connect(
            options.url,
            subprotocols=options.protocol or None,
            extra_headers=options.headers,
            max_size=MAX_SIZE,
            compression="deflate" if options.offer_deflate and not windows else None,
            extensions=[
                ClientPerMessageDeflateFactory(
                    server_max_window_bits=options.server_window_bits,
                    client_max_window_bits=options.client_window_bits or True,
                    compress_settings={"memLevel": 5},
                )
            ] if options.offer_deflate and windows else None,
        ) as websocket:
            say(f"open {websocket.subprotocol or '-'}")
            if options.offer_deflate:
                say(f"extensions {websocket.response_headers.get('Sec-WebSocket-Extensions') or '-'}")
            if options.mode == "echo":
                return await run_echo(websocket)
            return await run_script(websocket, options)
    except websockets.InvalidStatusCode as error:
        say(f"fail handshake status {error.status_code}")
    except (ScriptFailure, OSError, asyncio.TimeoutError, websockets.WebSocketException) as error:
        say(f"fail {error}")
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
