#!/usr/bin/env node
'use strict';
// Echo server on node `ws`: every message goes back whole with its type. Usage: ws-echo-server.js [--port P]

const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const validArgs = args.length === 0 || (args.length === 2 && args[0] === '--port' && /^\d+$/.test(args[1]) && Number(args[1]) <= 65535);
if (!validArgs) {
  console.error('usage: ws-echo-server.js [--port P]   (0 = ephemeral)');
  process.exit(2);
}

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: args.length === 2 ? Number(args[1]) : 0,
  backlog: 1024,
  perMessageDeflate: false,
  clientTracking: false,
  maxPayload: 64 * 1024 * 1024,
});

server.on('connection', (socket) => {
  // ws reassembles fragmented messages, so `data` is always a whole message.
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  // Load generators may abort instead of closing (the idle run does); that ends the echo, nothing more.
  socket.on('error', () => {});
});
server.on('listening', () => console.log(`listening ws://127.0.0.1:${server.address().port}/`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
