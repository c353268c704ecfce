#!/usr/bin/env node
// Interop peer: a node `ws` server on 127.0.0.1, ephemeral port. CLI contract: see README.md in this folder.
'use strict';

const { WebSocketServer } = require('ws');

const MAX_PAYLOAD = 64 * 1024 * 1024;

function parseArgs(argv) {
  const options = {
    protocols: [],
    requireProtocol: false,
    requireHeader: null,
    rejectStatus: 403,
    reportHeaders: false,
    ping: null,
    pingAfter: 0,
    closeAfter: 0,
    closeCode: 1000,
    closeReason: '',
    once: false,
    deflate: false,
    noContextTakeover: false,
    serverWindowBits: undefined,
    clientWindowBits: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${arg}`);
      return argv[++i];
    };
    switch (arg) {
      case '--protocols': options.protocols = value().split(',').filter((p) => p.length > 0); break;
      case '--require-protocol': options.requireProtocol = true; break;
      case '--require-header': options.requireHeader = value().toLowerCase(); break;
      case '--reject-status': options.rejectStatus = Number.parseInt(value(), 10); break;
      case '--report-headers': options.reportHeaders = true; break;
      case '--ping': options.ping = value(); break;
      case '--ping-after': options.pingAfter = Number.parseInt(value(), 10); break;
      case '--close-after': options.closeAfter = Number.parseInt(value(), 10); break;
      case '--close-code': options.closeCode = Number.parseInt(value(), 10); break;
      case '--close-reason': options.closeReason = value(); break;
      case '--once': options.once = true; break;
      case '--deflate': options.deflate = true; break;
      case '--no-context-takeover': options.noContextTakeover = true; break;
      case '--server-window-bits': options.serverWindowBits = Number.parseInt(value(), 10); break;
      case '--client-window-bits': options.clientWindowBits = Number.parseInt(value(), 10); break;
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

function offeredProtocols(req) {
  const header = req.headers['sec-websocket-protocol'];
  return header ? header.split(',').map((p) => p.trim()).filter((p) => p.length > 0) : [];
}

const options = parseArgs(process.argv.slice(2));

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: MAX_PAYLOAD,
  // threshold 0: every non-empty message is compressed, so small ones are exercised too.
  perMessageDeflate: options.deflate
    ? {
      threshold: 0,
      serverNoContextTakeover: options.noContextTakeover,
      clientNoContextTakeover: options.noContextTakeover,
      serverMaxWindowBits: options.serverWindowBits,
      clientMaxWindowBits: options.clientWindowBits,
    }
    : false,
  handleProtocols: (offered) => {
    for (const protocol of offered) {
      if (options.protocols.includes(protocol)) return protocol;
    }
    return false;
  },
  verifyClient: (info, callback) => {
    if (options.requireHeader !== null && info.req.headers[options.requireHeader] === undefined) {
      console.log(`rejected ${options.rejectStatus} missing-header ${options.requireHeader}`);
      callback(false, options.rejectStatus, `missing header ${options.requireHeader}`);
      return;
    }
    if (options.requireProtocol && !offeredProtocols(info.req).some((p) => options.protocols.includes(p))) {
      console.log(`rejected ${options.rejectStatus} no-protocol`);
      callback(false, options.rejectStatus, 'no supported subprotocol');
      return;
    }
    callback(true);
  },
});

// The whole negotiated Sec-WebSocket-Extensions answer (ws.extensions below has the names only).
server.on('headers', (headers) => {
  if (!options.deflate) return;
  const answer = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
  console.log(`response-extensions ${answer ? answer.slice(answer.indexOf(':') + 1).trim() : '-'}`);
});

server.on('listening', () => {
  console.log(`listening ${server.address().port}`);
});

server.on('connection', (ws, req) => {
  console.log(`open ${req.url} ${ws.protocol || '-'}`);
  if (options.deflate) console.log(`extensions ${ws.extensions || '-'}`);
  let received = 0;

  if (options.reportHeaders) {
    const headers = JSON.stringify(req.headers);
    console.log(`headers ${headers}`);
    ws.send(headers);
  }

  ws.on('pong', (data) => {
    console.log(`pong ${data.toString('utf8')}`);
  });

  const ping = () => ws.ping(Buffer.from(options.ping, 'utf8'));
  if (options.ping !== null && options.pingAfter === 0) {
    ping();
  }

  ws.on('message', (data, isBinary) => {
    received++;
    ws.send(data, { binary: isBinary }, () => {
      if (options.ping !== null && options.pingAfter > 0 && received === options.pingAfter) {
        ping();
      }
      if (options.closeAfter > 0 && received === options.closeAfter) {
        ws.close(options.closeCode, options.closeReason);
      }
    });
  });

  ws.on('error', (error) => {
    console.log(`error ${error.message}`);
  });

  ws.on('close', (code, reason) => {
    console.log(`closed ${code} ${reason.toString('utf8')}`);
    if (options.once) {
      server.close(() => process.exit(0));
    }
  });
});

server.on('error', (error) => {
  console.error(error);
  process.exit(2);
});

process.on('SIGTERM', () => process.exit(0));
