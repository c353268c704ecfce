#!/usr/bin/env node
// Interop peer: a node `ws` echo server over TLS (https.createServer + WebSocketServer) on 127.0.0.1, ephemeral
// port. Usage: node wss-server.js --cert CERT.pem --key KEY.pem. stdout lines as ws-server.js: see README.md.
'use strict';

const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

function parseArgs(argv) {
  const options = { cert: null, key: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (i + 1 >= argv.length) throw new Error(`missing value for ${arg}`);
    switch (arg) {
      case '--cert': options.cert = argv[++i]; break;
      case '--key': options.key = argv[++i]; break;
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  if (options.cert === null || options.key === null) throw new Error('--cert and --key are required');
  return options;
}

const options = parseArgs(process.argv.slice(2));
const server = https.createServer({ cert: fs.readFileSync(options.cert), key: fs.readFileSync(options.key) });
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 * 1024, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  console.log(`open ${req.url} ${ws.protocol || '-'}`);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', (error) => console.log(`error ${error.message}`));
  ws.on('close', (code, reason) => console.log(`closed ${code} ${reason.toString('utf8')}`));
});

server.on('tlsClientError', (error) => console.log(`tls-error ${error.code || error.message}`));
server.on('error', (error) => {
  console.error(error);
  process.exit(2);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));

process.on('SIGTERM', () => process.exit(0));
