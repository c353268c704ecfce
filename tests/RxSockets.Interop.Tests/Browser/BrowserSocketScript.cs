namespace RxSockets.Interop.Tests.Browser;

/// <summary>
/// The page side of <see cref="BrowserWebSocket"/>: a <c>globalThis.rxs</c> object that keeps the page's WebSockets in a
/// table, queues their messages and reports opens, messages and closes as JSON values. Its payload generators match
/// <c>InteropScenarios.Payloads</c>, so large messages are generated on both sides instead of crossing the DevTools
/// connection.
/// </summary>
internal static class BrowserSocketScript
{
    /// <summary>Installs <c>rxs</c> once per page; evaluating it again is harmless.</summary>
    public const string Source = """
        globalThis.rxs ??= (() => {
          const sockets = new Map();
          let nextId = 0;
          const textPayload = n => 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(n / 26)).slice(0, n);
          const binaryPayload = n => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff; return b; };
          const toBase64 = bytes => {
            let s = '';
            for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
            return btoa(s);
          };
          const fromBase64 = text => Uint8Array.from(atob(text), c => c.charCodeAt(0));
          const describe = data => typeof data === 'string'
            ? { type: 'text', text: data, base64: null }
            : { type: 'binary', text: null, base64: toBase64(new Uint8Array(data)) };
          const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
          const get = id => { const s = sockets.get(id); if (!s) throw new Error(`no socket ${id}`); return s; };
          const next = entry => entry.items.length > 0 ? Promise.resolve(entry.items.shift())
            : entry.isClosed ? Promise.resolve(null) : new Promise(resolve => entry.waiters.push(resolve));
          return {
            open(url, protocols) {
              return new Promise((resolve, reject) => {
                const ws = new WebSocket(url, protocols);
                ws.binaryType = 'arraybuffer';
                const id = ++nextId;
                const entry = { ws, items: [], waiters: [], isClosed: false };
                entry.closed = new Promise(done => ws.addEventListener('close', e => {
                  entry.isClosed = true;
                  for (const waiter of entry.waiters.splice(0)) waiter(null);
                  done({ code: e.code, reason: e.reason, wasClean: e.wasClean });
                }));
                ws.addEventListener('message', e => { const waiter = entry.waiters.shift(); if (waiter) waiter(e.data); else entry.items.push(e.data); });
                ws.addEventListener('open', () => { sockets.set(id, entry); resolve({ id, protocol: ws.protocol, extensions: ws.extensions }); });
                entry.closed.then(c => reject(new Error(`closed before open: ${c.code} ${c.reason}`)));
              });
            },
            async receive(id) { const data = await next(get(id)); return data === null ? null : describe(data); },
            sendText(id, text) { get(id).ws.send(text); return true; },
            sendBinary(id, base64) { get(id).ws.send(fromBase64(base64)); return true; },
            async echoGenerated(id, type, length) {
              const entry = get(id);
              const payload = type === 'text' ? textPayload(length) : binaryPayload(length);
              entry.ws.send(payload);
              const echo = await next(entry);
              if (echo === null) throw new Error('closed while waiting for the echo');
              const equal = type === 'text' ? echo === payload : typeof echo !== 'string' && sameBytes(new Uint8Array(echo), payload);
              return { type: typeof echo === 'string' ? 'text' : 'binary', length: typeof echo === 'string' ? echo.length : echo.byteLength, equal };
            },
            close(id, code, reason) { get(id).ws.close(code, reason); return true; },
            closed(id) { return get(id).closed; },
          };
        })();
        """;
}
