#!/usr/bin/env node
'use strict';
// Fan-out server on node `ws`: every message a client sends goes to every other open client, with its type.
// Usage: ws-fanout-server.js [--port P]

const { WebSocketServer, WebSocket } = require('ws');

const args = process.argv.slice(2);
const validArgs = args.length === 0 || (args.length === 2 && args[0] === '--port' && /^\d+$/.test(args[1]) && Number(args[1]) <= 65535);
if (!validArgs) {
  console.error('usage: ws-fanout-server.js [--port P]   (0 = ephemeral)');
  process.exit(2);
}

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: args.length === 2 ? Number(args[1]) : 0,
  backlog: 2048,
  perMessageDeflate: false,
  clientTracking: true,
  maxPayload: 64 * 1024 * 1024,
});

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of server.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
  socket.on('error', () => {});
});
server.on('listening', () => console.log(`listening ws://127.0.0.1:${server.address().port}/`));
process.on('SIGTERM', () => process.exit(0));
