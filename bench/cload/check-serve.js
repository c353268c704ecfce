#!/usr/bin/env node
'use strict';
// Checks `wsload --serve` against node `ws` (from bench/peers): text, binary, a fragmented message, 1 MiB, ping, close.
// Usage: node check-serve.js ws://127.0.0.1:PORT/   Exits 0 if every echo is right.
const path = require('path');
const WebSocket = require(path.join(__dirname, '..', 'peers', 'node_modules', 'ws'));

const failures = [];
const expect = (what, got, wanted) => { if (!got.equals(wanted)) failures.push(`${what}: ${got.length} bytes differ`); };
const timer = setTimeout(() => { console.log('FAIL timeout'); process.exit(1); }, 20000);

const ws = new WebSocket(process.argv[2], { perMessageDeflate: false, maxPayload: 0 });
const replies = [];
let waiting = null;
ws.on('message', (data, isBinary) => { replies.push({ data, isBinary }); if (waiting) { waiting(); waiting = null; } });
const next = () => new Promise((resolve) => { if (replies.length) resolve(); else waiting = resolve; }).then(() => replies.shift());

ws.on('open', async () => {
  ws.send('héllo');
  let r = await next();
  expect('text', r.data, Buffer.from('héllo'));
  if (r.isBinary) failures.push('text came back binary');
  ws.send(Buffer.alloc(70000, 7));
  r = await next();
  expect('binary', r.data, Buffer.alloc(70000, 7));
  if (!r.isBinary) failures.push('binary came back text');
  // Three frames: FIN clear on the first two.
  ws.send('frag', { fin: false });
  ws.send('ment', { fin: false });
  ws.send('ed', { fin: true });
  r = await next();
  expect('fragmented', r.data, Buffer.from('fragmented'));
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
  ws.send(big);
  r = await next();
  expect('1 MiB', r.data, big);
  const pong = new Promise((resolve) => ws.once('pong', resolve));
  ws.ping(Buffer.from('ping?'));
  expect('pong', await pong, Buffer.from('ping?'));
  ws.close(4000, 'bye');
});
ws.on('close', (code, reason) => {
  clearTimeout(timer);
  if (code !== 4000 || reason.toString() !== 'bye') failures.push(`close ${code} ${reason}`);
  for (const f of failures) console.log('FAIL', f);
  console.log('node ws', failures.length ? 'FAILED' : 'ok');
  process.exit(failures.length ? 1 : 0);
});
ws.on('error', (e) => { console.log('FAIL', e.message); process.exit(1); });
