#!/usr/bin/env node
// Interop peer: a node `ws` client. CLI contract: see README.md in this folder.
'use strict';

const WebSocket = require('ws');

const MAX_PAYLOAD = 64 * 1024 * 1024;

function parseArgs(argv) {
  if (argv.length === 0 || argv[0].startsWith('--')) throw new Error('usage: ws-client.js URL [options]');
  const options = {
    url: argv[0],
    mode: 'echo',
    protocols: [],
    headers: {},
    ping: 'ping-payload',
    closeCode: 1000,
    closeReason: 'done',
    offerDeflate: false,
    noContextTakeover: false,
    serverWindowBits: undefined,
    clientWindowBits: true,
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${arg}`);
      return argv[++i];
    };
    switch (arg) {
      case '--mode': options.mode = value(); break;
      case '--protocol': options.protocols.push(value()); break;
      case '--header': {
        const header = value();
        const colon = header.indexOf(':');
        if (colon <= 0) throw new Error(`header must be Name:Value, got ${header}`);
        options.headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
        break;
      }
      case '--ping': options.ping = value(); break;
      case '--close-code': options.closeCode = Number.parseInt(value(), 10); break;
      case '--close-reason': options.closeReason = value(); break;
      case '--offer-deflate': options.offerDeflate = true; break;
      case '--no-context-takeover': options.noContextTakeover = true; break;
      case '--server-window-bits': options.serverWindowBits = Number.parseInt(value(), 10); break;
      case '--client-window-bits': options.clientWindowBits = Number.parseInt(value(), 10); break;
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  if (options.mode !== 'echo' && options.mode !== 'script') throw new Error(`unknown mode ${options.mode}`);
  return options;
}

// Payload generators shared with InteropScenarios.Payloads and py-client.py.
function binaryPayload(length) {
  const buffer = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buffer[i] = (i * 31 + 7) & 0xff;
  return buffer;
}

function textPayload(length) {
  const buffer = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buffer[i] = 0x61 + (i % 26);
  return buffer.toString('latin1');
}

function scriptMessages() {
  return [
    { name: 'text', binary: false, data: Buffer.from('hello', 'utf8') },
    { name: 'empty-text', binary: false, data: Buffer.alloc(0) },
    { name: 'empty-binary', binary: true, data: Buffer.alloc(0) },
    { name: 'unicode-text', binary: false, data: Buffer.from('h\u00e9llo w\u00f6rld \u2713 \u{1F680}', 'utf8') },
    { name: 'binary-125', binary: true, data: binaryPayload(125) },
    { name: 'binary-126', binary: true, data: binaryPayload(126) },
    { name: 'binary-65535', binary: true, data: binaryPayload(65535) },
    { name: 'binary-65536', binary: true, data: binaryPayload(65536) },
    { name: 'text-65536', binary: false, data: Buffer.from(textPayload(65536), 'latin1') },
    { name: 'binary-16MiB', binary: true, data: binaryPayload(16 * 1024 * 1024) },
  ];
}

function fail(reason) {
  console.log(`fail ${reason}`);
  process.exit(1);
}

function runEcho(ws) {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('close', (code, reason) => {
    console.log(`closed ${code} ${reason.toString('utf8')}`);
    process.exit(code === 1006 ? 1 : 0);
  });
}

function runScript(ws, options) {
  const inbox = [];
  let waiter = null;
  const next = (kind) => new Promise((resolve, reject) => {
    if (inbox.length > 0) { resolve(inbox.shift()); return; }
    waiter = { resolve, reject, kind };
  });
  const push = (item) => {
    if (waiter !== null) { const w = waiter; waiter = null; w.resolve(item); } else inbox.push(item);
  };
  ws.on('message', (data, isBinary) => push({ kind: 'message', data, isBinary }));
  ws.on('pong', (data) => push({ kind: 'pong', data }));
  ws.on('close', (code, reason) => push({ kind: 'close', code, reason: reason.toString('utf8') }));

  (async () => {
    for (const message of scriptMessages()) {
      ws.send(message.data, { binary: message.binary });
      const echo = await next();
      if (echo.kind !== 'message') fail(`${message.name}: expected echo, got ${echo.kind}${echo.kind === 'close' ? ` ${echo.code}` : ''}`);
      if (echo.isBinary !== message.binary) fail(`${message.name}: echo type ${echo.isBinary ? 'binary' : 'text'}`);
      if (!Buffer.from(echo.data).equals(message.data)) fail(`${message.name}: echo bytes differ (length ${echo.data.length} vs ${message.data.length})`);
    }
    ws.ping(Buffer.from(options.ping, 'utf8'));
    const pong = await next();
    if (pong.kind !== 'pong') fail(`ping: expected pong, got ${pong.kind}`);
    if (pong.data.toString('utf8') !== options.ping) fail(`ping: pong payload ${pong.data.toString('utf8')}`);
    ws.close(options.closeCode, options.closeReason);
    const closed = await next();
    if (closed.kind !== 'close') fail(`close: expected close, got ${closed.kind}`);
    console.log(`closed ${closed.code} ${closed.reason}`);
    if (closed.code !== options.closeCode) fail(`close: server answered code ${closed.code}`);
    console.log('ok');
    process.exit(0);
  })().catch((error) => fail(error.message));
}

const options = parseArgs(process.argv.slice(2));
const ws = new WebSocket(options.url, options.protocols, {
  headers: options.headers,
  maxPayload: MAX_PAYLOAD,
  // threshold 0: every non-empty message is compressed, so small ones are exercised too.
  perMessageDeflate: options.offerDeflate
    ? {
      threshold: 0,
      serverNoContextTakeover: options.noContextTakeover,
      clientNoContextTakeover: options.noContextTakeover,
      serverMaxWindowBits: options.serverWindowBits,
      clientMaxWindowBits: options.clientWindowBits,
    }
    : false,
});

// The whole Sec-WebSocket-Extensions answer (ws.extensions below has the names only).
ws.on('upgrade', (res) => {
  if (options.offerDeflate) console.log(`response-extensions ${res.headers['sec-websocket-extensions'] || '-'}`);
});

ws.on('unexpected-response', (req, res) => fail(`handshake status ${res.statusCode}`));
ws.on('error', (error) => fail(`error ${error.message}`));
ws.on('open', () => {
  console.log(`open ${ws.protocol || '-'}`);
  if (options.offerDeflate) console.log(`extensions ${ws.extensions || '-'}`);
  if (options.mode === 'echo') runEcho(ws); else runScript(ws, options);
});
