#!/usr/bin/env node
'use strict';
// Load generator on node `ws`, with the same flags and result line as bench/ClientWebSocketLoad.
// Usage: ws-load.js URL [--size B] [--window W] [--duration T] [--warmup T] [--latency] [--count N] [--connections C] [--idle]

const crypto = require('node:crypto');
const WebSocket = require('ws');
const { USAGE, parseLoadOptions, percentileOfSorted, formatResult } = require('./options');

const HANDSHAKE_PARALLELISM = 64;
const CLOSE_TIMEOUT_MS = 5000;

function connect(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    socket.binaryType = 'nodebuffer';
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function connectMany(url, count, parallelism) {
  const sockets = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      sockets[i] = await connect(url);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, count) }, worker));
  return sockets;
}

function checkEcho(data, isBinary, size) {
  if (!isBinary || data.length !== size) {
    throw new Error(`expected a ${size}-byte binary echo, got ${data.length} bytes (binary=${isBinary})`);
  }
}

function closeAll(sockets) {
  return Promise.all(sockets.map((socket) => new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => { socket.terminate(); resolve(); }, CLOSE_TIMEOUT_MS);
    socket.once('close', () => { clearTimeout(timer); resolve(); });
    socket.close(1000, 'done');
  })));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Keeps `window` messages outstanding per connection: every echo received sends the next message.
async function throughput(options) {
  const payload = crypto.randomBytes(options.size);
  const sockets = await connectMany(options.url, options.connections, 16);
  let received = 0;
  let stopping = false;
  for (const socket of sockets) {
    socket.on('message', (data, isBinary) => {
      checkEcho(data, isBinary, options.size);
      received++;
      if (!stopping) socket.send(payload, { binary: true });
    });
    for (let i = 0; i < options.window; i++) socket.send(payload, { binary: true });
  }
  await sleep(options.warmupMs);
  const before = received;
  const start = process.hrtime.bigint();
  await sleep(options.durationMs);
  const after = received;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  stopping = true;
  // RFC 6455 §5.5.1: the server's close reply follows every echo it owed, so closing drains the window.
  await closeAll(sockets);
  const msgsPerS = (after - before) / seconds;
  return { msgsPerS, mbPerS: msgsPerS * options.size / 1e6 };
}

// One message in flight per connection; every round trip after the warm-up is recorded in microseconds.
async function latency(options) {
  const payload = crypto.randomBytes(options.size);
  const sockets = await connectMany(options.url, options.connections, 16);
  const begin = process.hrtime.bigint();
  const measureFrom = begin + BigInt(Math.round(options.warmupMs * 1e6));
  const measureUntil = measureFrom + BigInt(Math.round(options.durationMs * 1e6));
  const perConnection = options.count === 0 ? Infinity : Math.max(1, Math.floor(options.count / options.connections));
  const samples = [];

  const pingPong = (socket) => new Promise((resolve, reject) => {
    let taken = 0;
    let sentAt = 0n;
    const sendNext = () => {
      sentAt = process.hrtime.bigint();
      if (sentAt >= measureUntil || taken >= perConnection) return resolve();
      socket.send(payload, { binary: true });
    };
    socket.on('message', (data, isBinary) => {
      const now = process.hrtime.bigint();
      try {
        checkEcho(data, isBinary, options.size);
      } catch (error) {
        return reject(error);
      }
      if (sentAt >= measureFrom) {
        samples.push(Number(now - sentAt) / 1e3);
        taken++;
      }
      sendNext();
    });
    socket.once('close', () => reject(new Error('server closed during the run')));
    sendNext();
  });

  await Promise.all(sockets.map(pingPong));
  const seconds = Number(process.hrtime.bigint() - (measureFrom < process.hrtime.bigint() ? measureFrom : begin)) / 1e9;
  for (const socket of sockets) socket.removeAllListeners('close');
  await closeAll(sockets);
  const sorted = Float64Array.from(samples).sort();
  const msgsPerS = samples.length / seconds;
  return {
    msgsPerS,
    mbPerS: msgsPerS * options.size / 1e6,
    p50: percentileOfSorted(sorted, 0.5),
    p99: percentileOfSorted(sorted, 0.99),
    p999: percentileOfSorted(sorted, 0.999),
  };
}

// Holds the connections until standard input closes or the duration passes, for the server RSS measurement.
async function idle(options) {
  const sockets = await connectMany(options.url, options.connections, HANDSHAKE_PARALLELISM);
  console.log(`connected ${sockets.length}`);
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, options.durationMs);
    process.stdin.once('end', () => { clearTimeout(timer); resolve(); });
    process.stdin.once('error', () => { clearTimeout(timer); resolve(); });
    process.stdin.resume();
  });
  for (const socket of sockets) socket.terminate();
  return {};
}

async function main() {
  let options;
  try {
    options = parseLoadOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    console.error(USAGE);
    process.exit(2);
  }
  const run = { throughput, latency, idle }[options.mode];
  try {
    console.log(formatResult(await run(options)));
    process.exit(0);
  } catch (error) {
    console.error(`load generator failed: ${error.message}`);
    process.exit(1);
  }
}

main();
