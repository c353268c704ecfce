// rxsockets.js: the browser client of the RxSockets messaging protocol `rxsockets.v1` (see the README, "Messaging
// protocol"). One dependency-free ES module, no build step: import it from where your server serves it
// (RxSockets.BrowserClient in .NET), e.g. `import { connect } from "/rxsockets.js";`.
//
//   const client = connect("/messaging");
//   const off = client.topic("prices").subscribe(text => console.log(text), gap => console.warn(gap));
//   const position = await client.publish("prices", "42");       // "OFFSET@EPOCH", once the server acknowledged it
//   const reply = await client.request("hello", "echo");          // the reply, or throws an RxSocketsError
//   client.onRequest("ping", data => "pong");                     // answers the server's requests
//
// Wire format: every frame is one WebSocket message, a compact JSON header, a line feed (0x0A), then the payload.
// The message's type is the payload's: text payloads travel in text messages, binary ones in binary messages (never
// base64).

/** The subprotocol this module speaks. */
export const SUBPROTOCOL = "rxsockets.v1";

/** Close code for a protocol violation (a malformed frame, an unknown kind). */
export const PROTOCOL_VIOLATION = 4002;

/**
 * The error codes of the protocol (a server's `err` frame) and the ones this client adds.
 * @readonly
 */
export const ErrorCodes = Object.freeze({
  badRequest: "bad_request",
  forbidden: "forbidden",
  notFound: "not_found",
  limit: "limit",
  timeout: "timeout",
  unavailable: "unavailable",
  internal: "internal",
  /** Client side: the connection was lost while the request or publication waited for its answer (it may or may not
   * have been processed). */
  connectionLost: "connection_lost",
  /** Client side: the client was closed (client.close()) or the server does not speak the protocol. */
  closed: "closed",
});

const SERVER_CODES = new Set(["bad_request", "forbidden", "not_found", "limit", "timeout", "unavailable", "internal"]);
const KINDS = new Set(["sub", "unsub", "pub", "req", "res", "err", "subok", "unsubok", "puback", "p", "gap"]);
const LINE_FEED = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A failed request, publication or subscription: `code` is one of {@link ErrorCodes}, `reason` the server's text. */
export class RxSocketsError extends Error {
  /**
   * @param {string} code One of {@link ErrorCodes} (a code of another handler: answered as is).
   * @param {string} [reason] Human-readable text.
   */
  constructor(code, reason) {
    super(reason ? `${code}: ${reason}` : code);
    this.name = "RxSocketsError";
    /** @type {string} */
    this.code = code;
    /** @type {string} */
    this.reason = reason ?? "";
  }
}

/**
 * A position `OFFSET@EPOCH` read into its parts (the offset as a BigInt: offsets are 64-bit).
 * @typedef {{ offset: bigint, epoch: string }} Position
 */

/**
 * Reads "OFFSET@EPOCH".
 * @param {string} text
 * @returns {Position | null} null when the text is not a position.
 */
export function parsePosition(text) {
  if (typeof text !== "string") return null;
  const at = text.indexOf("@");
  if (at <= 0 || !/^[0-9]+$/.test(text.slice(0, at))) return null;
  return { offset: BigInt(text.slice(0, at)), epoch: text.slice(at + 1) };
}

/**
 * @typedef {object} ConnectOptions
 * @property {number} [initialDelay=250] Milliseconds before the first reconnection attempt; doubled after each failed
 *   one (exponential backoff), each delay drawn at random between half and all of it (jitter, so that a thousand pages
 *   do not come back in the same millisecond after a server restart).
 * @property {number} [maxDelay=30000] The longest delay between attempts, in milliseconds.
 * @property {number} [requestTimeout=30000] Milliseconds a request or publication waits for its answer (counted from
 *   the call, including time spent waiting for a connection) before it rejects with code "timeout".
 * @property {boolean} [reconnect=true] Whether to reconnect after the connection is lost.
 * @property {typeof WebSocket} [WebSocket] The WebSocket constructor (the browser's by default).
 */

/**
 * @typedef {object} Gap
 * @property {string} topic The topic.
 * @property {string} pos The last position the client had.
 * @property {string} cur Where the subscription goes on live: publications after `pos` up to `cur` are lost.
 * @property {string} reason "trimmed" (beyond the history), "epoch" (the history was lost, e.g. its server restarted)
 *   or "unavailable" (the backplane could not be read).
 */

/**
 * Opens a client to an RxSockets server speaking `rxsockets.v1`. It connects at once, reconnects with exponential
 * backoff and jitter when the connection is lost, and subscribes every topic again from the last position it saw.
 * @param {string | URL} url A ws:// or wss:// URL; an http(s):// or relative one (e.g. "/messaging") is resolved
 *   against the page's address with the matching ws scheme.
 * @param {ConnectOptions} [options]
 * @returns {RxSocketsClient}
 */
export function connect(url, options = {}) {
  return new RxSocketsClient(url, options);
}

/**
 * A connection to an RxSockets server that survives reconnects. Events (see {@link RxSocketsClient#on}):
 * "open" ({ protocol }), "close" ({ code, reason, wasClean }), "reconnecting" ({ attempt, delay }), "subscribed"
 * ({ topic, pos, recovered }), "gap" ({@link Gap}), "error" (an Error: a protocol violation, a failing callback),
 * "state" (the new {@link RxSocketsClient#state}).
 */
export class RxSocketsClient {
  /** @type {URL} */ #url;
  #initialDelay;
  #maxDelay;
  #requestTimeout;
  #reconnect;
  #WebSocket;
  /** @type {WebSocket | null} */ #socket = null;
  /** @type {"connecting" | "open" | "reconnecting" | "closed"} */ #state = "connecting";
  #attempt = 0;
  #nextId = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #retryTimer;
  /** Requests and publications awaiting their answer, by id. @type {Map<number, Pending>} */ #pending = new Map();
  /** Requests and publications waiting for a connection, in call order. @type {Pending[]} */ #queue = [];
  /** @type {Map<string, Topic>} */ #topics = new Map();
  /** @type {Map<string, (data: string | Uint8Array, request: { name: string }) => any>} */ #handlers = new Map();
  /** @type {Map<string, Set<Function>>} */ #listeners = new Map();

  /**
   * @param {string | URL} url
   * @param {ConnectOptions} [options]
   */
  constructor(url, options = {}) {
    this.#url = socketUrl(url);
    this.#initialDelay = positive(options.initialDelay ?? 250, "initialDelay");
    this.#maxDelay = positive(options.maxDelay ?? 30_000, "maxDelay");
    this.#requestTimeout = positive(options.requestTimeout ?? 30_000, "requestTimeout");
    this.#reconnect = options.reconnect ?? true;
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (typeof this.#WebSocket !== "function") throw new TypeError("No WebSocket constructor: pass options.WebSocket.");
    this.#open();
  }

  /** The server's URL. @returns {string} */
  get url() { return this.#url.href; }

  /** "connecting" (first attempt), "open", "reconnecting" (waiting or trying again) or "closed" (by close(), or
   * for good). @returns {string} */
  get state() { return this.#state; }

  /**
   * Listens to an event ("open", "close", "reconnecting", "subscribed", "gap", "error", "state").
   * @param {string} type
   * @param {(event: any) => void} listener
   * @returns {() => void} A function that removes the listener.
   */
  on(type, listener) {
    if (typeof listener !== "function") throw new TypeError("The listener must be a function.");
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, set = new Set());
    const entry = event => listener(event);   // a new function per call: adding one listener twice needs two removals
    set.add(entry);
    return () => { set.delete(entry); };
  }

  /**
   * The topic named `name` (the same object for the same name).
   * @param {string} name 1 to 256 UTF-8 bytes.
   * @returns {Topic}
   */
  topic(name) {
    checkTopic(name);
    let topic = this.#topics.get(name);
    if (!topic) this.#topics.set(name, topic = new Topic(name, this.#topicLink()));
    return topic;
  }

  /**
   * Publishes to a topic; resolves once the server acknowledged it.
   * @param {string} topic 1 to 256 UTF-8 bytes.
   * @param {string | Uint8Array | ArrayBuffer | ArrayBufferView} data Text, or bytes (sent as a binary message).
   * @returns {Promise<string>} The publication's position "OFFSET@EPOCH". Rejects with an {@link RxSocketsError}:
   *   the server's code ("forbidden", "limit", "unavailable", ...), "timeout", "connection_lost" or "closed".
   */
  publish(topic, data) {
    checkTopic(topic);
    return this.#call({ t: "pub", topic }, payloadOf(data), header => header.pos);
  }

  /**
   * Sends a request to the server's handler named `name`; resolves with its reply.
   * @param {string | Uint8Array | ArrayBuffer | ArrayBufferView} data Text, or bytes (sent as a binary message).
   * @param {string} [name] The handler's name; omitted or "" for the server's handler of unnamed requests.
   * @returns {Promise<string | Uint8Array>} The reply: a string for text, a Uint8Array for bytes. Rejects with an
   *   {@link RxSocketsError}: the server's code ("not_found", "forbidden", "internal", ...), "timeout",
   *   "connection_lost" or "closed".
   */
  request(data, name) {
    if (name !== undefined && name !== null && typeof name !== "string") throw new TypeError("The request name must be a string.");
    const header = name ? { t: "req", name } : { t: "req" };
    return this.#call(header, payloadOf(data), (_, payload) => payload);
  }

  /**
   * Answers the server's requests named `name` (SignalR's "client results"). The handler's return value (or the
   * value its promise resolves to) is the reply: a string, or bytes. Throwing an {@link RxSocketsError} answers with
   * its code and reason; throwing anything else answers "internal". Requests with no handler are answered
   * "not_found".
   * @param {string} name "" for requests without a name.
   * @param {(data: string | Uint8Array, request: { name: string }) => any} handler
   * @returns {() => void} A function that removes the handler.
   */
  onRequest(name, handler) {
    if (typeof name !== "string") throw new TypeError("The request name must be a string (\"\" for unnamed requests).");
    if (typeof handler !== "function") throw new TypeError("The handler must be a function.");
    this.#handlers.set(name, handler);
    return () => { if (this.#handlers.get(name) === handler) this.#handlers.delete(name); };
  }

  /**
   * Closes the connection for good: no reconnection; pending and queued requests and publications reject with code
   * "closed"; subscriptions end.
   * @param {number} [code=1000]
   * @param {string} [reason]
   */
  close(code = 1000, reason = "") {
    if (this.#state === "closed") return;
    this.#setState("closed");
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      detach(socket);
      if (socket.readyState <= 1) socket.close(code, reason);
      this.#emit("close", { code, reason, wasClean: true });
    }

    this.#failAll(new RxSocketsError(ErrorCodes.closed, "the client was closed"));
  }

  // --- connection --------------------------------------------------------------------------------------------

  #open() {
    let socket;
    try {
      socket = new this.#WebSocket(this.#url.href, [SUBPROTOCOL]);
    } catch (error) {
      // A malformed URL or a blocked port: nothing to retry.
      this.#emit("error", error);
      this.close(1000, "");
      return;
    }

    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    socket.onopen = () => this.#opened(socket);
    socket.onmessage = event => this.#received(socket, event.data);
    socket.onclose = event => this.#lost(socket, event.code, event.reason, event.wasClean);
  }

  #opened(socket) {
    if (socket.protocol !== SUBPROTOCOL) {
      // The server accepted the WebSocket but does not speak the protocol: retrying would not help.
      this.#emit("error", new RxSocketsError(ErrorCodes.closed, `the server did not select the subprotocol ${SUBPROTOCOL}`));
      this.close(1000, `${SUBPROTOCOL} required`);   // a script may close only with 1000 or 3000-4999
      return;
    }

    this.#attempt = 0;
    this.#setState("open");
    this.#emit("open", { protocol: socket.protocol });
    for (const topic of this.#topics.values()) topic._connected();
    for (const pending of this.#queue.splice(0)) this.#sendPending(pending);
  }

  #lost(socket, code, reason, wasClean) {
    if (socket !== this.#socket) return;
    detach(socket);
    this.#socket = null;
    this.#emit("close", { code, reason, wasClean });
    // Sent but unanswered: the server may or may not have processed them, so they fail rather than being sent again.
    const lost = new RxSocketsError(ErrorCodes.connectionLost, `the connection was lost (${code}${reason ? ` ${reason}` : ""})`);
    for (const pending of [...this.#pending.values()]) this.#settle(pending, lost);
    for (const topic of this.#topics.values()) topic._disconnected();
    if (!this.#reconnect) {
      this.close(code, reason);
      return;
    }

    // Exponential backoff with "equal jitter": half the delay is fixed, half is random.
    const ceiling = Math.min(this.#maxDelay, this.#initialDelay * 2 ** Math.min(this.#attempt, 30));
    const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
    this.#attempt++;
    this.#setState("reconnecting");
    this.#emit("reconnecting", { attempt: this.#attempt, delay });
    this.#retryTimer = setTimeout(() => { if (this.#state === "reconnecting") this.#open(); }, delay);
  }

  #setState(state) {
    if (this.#state === state) return;
    this.#state = state;
    this.#emit("state", state);
  }

  #emit(type, event) {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) {
      if (type === "error") console.error("rxsockets:", event);
      return;
    }

    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        if (type !== "error") this.#emit("error", error);
        else console.error("rxsockets: an error listener threw", error);
      }
    }
  }

  /** Sends a frame on the open connection; false when there is none. */
  #send(header, payload) {
    const socket = this.#socket;
    if (!socket || this.#state !== "open") return false;
    socket.send(encodeFrame(header, payload));
    return true;
  }

  #violation(socket, problem) {
    this.#emit("error", new Error(`rxsockets: protocol violation by the server: ${problem}`));
    // The close reason must fit in 123 bytes.
    socket.close(PROTOCOL_VIOLATION, truncate(problem, 100));
  }

  // --- requests and publications -----------------------------------------------------------------------------

  /**
   * @typedef {object} Pending
   * @property {number} id
   * @property {object} header
   * @property {string | Uint8Array} payload
   * @property {(header: any, payload: any) => any} map
   * @property {(value: any) => void} resolve
   * @property {(error: Error) => void} reject
   * @property {ReturnType<typeof setTimeout>} timer
   * @property {boolean} done
   */

  #call(header, payload, map) {
    if (this.#state === "closed") return Promise.reject(new RxSocketsError(ErrorCodes.closed, "the client is closed"));
    return new Promise((resolve, reject) => {
      /** @type {Pending} */
      const pending = { id: 0, header, payload, map, resolve, reject, timer: undefined, done: false };
      pending.timer = setTimeout(
        () => this.#settle(pending, new RxSocketsError(ErrorCodes.timeout, `no answer within ${this.#requestTimeout} ms`)),
        this.#requestTimeout);
      if (this.#state === "open") this.#sendPending(pending);
      else this.#queue.push(pending);
    });
  }

  #sendPending(pending) {
    if (pending.done) return;
    pending.id = ++this.#nextId;
    this.#pending.set(pending.id, pending);
    this.#send({ ...pending.header, id: pending.id }, pending.payload);
  }

  /** Ends a pending call once: with an error, or with its answer (header and payload). */
  #settle(pending, error, header, payload) {
    if (pending.done) return;
    pending.done = true;
    clearTimeout(pending.timer);
    if (pending.id) this.#pending.delete(pending.id);
    const queued = this.#queue.indexOf(pending);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (error) pending.reject(error);
    else pending.resolve(pending.map(header, payload));
  }

  #failAll(error) {
    for (const pending of [...this.#pending.values(), ...this.#queue]) this.#settle(pending, error);
    for (const topic of this.#topics.values()) topic._closed(error);
  }

  async #answer(socket, header, payload) {
    const name = header.name ?? "";
    const handler = this.#handlers.get(name);
    let reply;
    try {
      if (!handler) throw new RxSocketsError(ErrorCodes.notFound, `no handler for '${name}'`);
      reply = payloadOf(await handler(payload, { name }));
    } catch (error) {
      if (!(error instanceof RxSocketsError)) this.#emit("error", error);
      // Only an RxSocketsError's code and reason reach the server; other errors leak no details.
      const answer = error instanceof RxSocketsError
        ? { t: "err", id: header.id, code: error.code, ...(error.reason ? { reason: error.reason } : {}) }
        : { t: "err", id: header.id, code: ErrorCodes.internal };
      if (socket === this.#socket) this.#send(answer, "");
      return;
    }

    // A reply to a connection that was lost meanwhile has nobody to go to (the server failed the request).
    if (socket === this.#socket) this.#send({ t: "res", id: header.id }, reply);
  }

  // --- frames received ---------------------------------------------------------------------------------------

  #received(socket, data) {
    if (socket !== this.#socket) return;
    let frame;
    try {
      frame = decodeFrame(data);
    } catch (error) {
      this.#violation(socket, error.message);
      return;
    }

    const { header, payload } = frame;
    switch (header.t) {
      case "p": return this.#topicOf(header)?._publication(header.pos, payload);
      case "gap": return this.#topicOf(header)?._gap(header);
      case "subok": return this.#topicOf(header)?._subscribed(header);
      case "unsubok": return undefined;
      case "puback":
      case "res": return this.#answered(header, null, payload);
      case "err": {
        const topic = this.#topicsBySubscription(header.id);
        if (topic) return topic._refused(new RxSocketsError(serverCode(header.code), header.reason ?? ""));
        return this.#answered(header, new RxSocketsError(serverCode(header.code), header.reason ?? ""), payload);
      }
      case "req":
        if (!(header.id >= 1)) return this.#violation(socket, "a 'req' frame needs an 'id'");
        this.#answer(socket, header, payload);
        return undefined;
      default: return this.#violation(socket, `a '${header.t}' frame is not sent by a server`);
    }
  }

  #answered(header, error, payload) {
    // An answer to a call that timed out (or to an id we never used) is dropped.
    const pending = this.#pending.get(header.id);
    if (pending) this.#settle(pending, error, header, payload);
  }

  #topicOf(header) {
    return this.#topics.get(header.topic);
  }

  #topicsBySubscription(id) {
    for (const topic of this.#topics.values()) if (topic._subscriptionId === id) return topic;
    return undefined;
  }

  /** What a Topic needs of its client. */
  #topicLink() {
    return {
      send: (header) => this.#send(header, ""),
      nextId: () => ++this.#nextId,
      emit: (type, event) => this.#emit(type, event),
      isOpen: () => this.#state === "open",
    };
  }
}

/**
 * One topic of a client: subscribe to it (ref-counted: the first subscriber sends `sub`, the last unsubscribe sends
 * `unsub`), read its position.
 */
export class Topic {
  #name;
  #link;
  /** @type {Set<Subscriber>} */ #subscribers = new Set();
  /** The last position processed. @type {string | null} */ #position = null;
  /** @type {Position | null} */ #parsed = null;
  #subscribed = false;
  /** @type {((value: {pos: string, recovered: number}) => void)[]} */ #waiting = [];
  /** @internal The id of the `sub` awaiting its subok, 0 when none. */
  _subscriptionId = 0;

  /** @internal */
  constructor(name, link) {
    this.#name = name;
    this.#link = link;
  }

  /** The topic's name. @returns {string} */
  get name() { return this.#name; }

  /** The position "OFFSET@EPOCH" of the last publication (or subok, or gap) processed; null before any. After a
   * reconnect the topic is subscribed again from it. @returns {string | null} */
  get position() { return this.#position; }

  /** Whether the server confirmed the subscription on the current connection. @returns {boolean} */
  get subscribed() { return this.#subscribed; }

  /**
   * Receives the topic's publications, in order, each once, across reconnects.
   * @param {(data: string | Uint8Array, publication: { topic: string, pos: string }) => void} onPublication
   *   Called with each publication's payload (a string for text, a Uint8Array for bytes).
   * @param {(gap: Gap) => void} [onGap] Called when publications were lost for good (the history no longer covers
   *   them, or its epoch changed); the subscription then goes on live. Without it the gap is logged with
   *   console.warn (never silent); the client's "gap" event fires either way.
   * @param {(error: RxSocketsError) => void} [onError] Called when the server refuses the subscription (e.g.
   *   "forbidden", "limit"), which then ends.
   * @returns {(() => void) & { ready: Promise<{ pos: string, recovered: number }> }} The unsubscribe function; its
   *   `ready` promise resolves with the server's subok (where the subscription stands, publications recovered)
   *   and rejects when the subscription is refused or the client closed.
   */
  subscribe(onPublication, onGap, onError) {
    if (typeof onPublication !== "function") throw new TypeError("onPublication must be a function.");
    /** @typedef {{ onPublication: Function, onGap?: Function, onError?: Function }} Subscriber */
    const subscriber = { onPublication, onGap, onError };
    const ready = new Promise((resolve, reject) => { subscriber.ready = { resolve, reject }; });
    ready.catch(() => {});   // the caller may never look at it
    this.#subscribers.add(subscriber);
    if (this.#subscribed) subscriber.ready.resolve({ pos: this.#position, recovered: 0 });
    else if (this.#subscribers.size === 1 && this.#link.isOpen()) this._connected();

    const unsubscribe = () => {
      if (!this.#subscribers.delete(subscriber)) return;
      subscriber.ready.reject(new RxSocketsError(ErrorCodes.closed, "unsubscribed"));
      if (this.#subscribers.size > 0) return;
      // The last one: a later subscribe starts live again, not from this position.
      if (this.#link.isOpen()) this.#link.send({ t: "unsub", id: this.#link.nextId(), topic: this.#name });
      this.#subscribed = false;
      this._subscriptionId = 0;
      this.#position = null;
      this.#parsed = null;
    };
    unsubscribe.ready = ready;
    return unsubscribe;
  }

  /** @internal A connection opened: subscribe from the last position, if anyone listens. */
  _connected() {
    if (this.#subscribers.size === 0) return;
    this._subscriptionId = this.#link.nextId();
    const header = { t: "sub", id: this._subscriptionId, topic: this.#name };
    if (this.#position !== null) header.pos = this.#position;
    this.#link.send(header);
  }

  /** @internal The connection was lost. */
  _disconnected() {
    this.#subscribed = false;
    this._subscriptionId = 0;
  }

  /** @internal The client closed: subscriptions end. */
  _closed(error) {
    this._disconnected();
    for (const subscriber of this.#subscribers) subscriber.ready.reject(error);
    this.#subscribers.clear();
  }

  /** @internal subok. */
  _subscribed(header) {
    if (header.id !== this._subscriptionId) return;   // the answer to an earlier subscription
    this._subscriptionId = 0;
    this.#subscribed = true;
    this.#advance(header.pos, false);
    const event = { topic: this.#name, pos: this.#position, recovered: header.recovered ?? 0 };
    for (const subscriber of this.#subscribers) subscriber.ready.resolve(event);
    this.#link.emit("subscribed", event);
  }

  /** @internal err answering our sub. */
  _refused(error) {
    this._subscriptionId = 0;
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    this.#position = null;
    this.#parsed = null;
    for (const subscriber of subscribers) {
      subscriber.ready.reject(error);
      this.#call(subscriber.onError, error);
    }

    if (!subscribers.some(subscriber => subscriber.onError)) this.#link.emit("error", error);
  }

  /** @internal p. */
  _publication(pos, payload) {
    if (this.#subscribers.size === 0) return;   // unsubscribed meanwhile
    if (!this.#advance(pos, true)) return;      // recovered or resent: already processed
    const publication = { topic: this.#name, pos };
    for (const subscriber of [...this.#subscribers]) this.#call(subscriber.onPublication, payload, publication);
  }

  /** @internal gap. */
  _gap(header) {
    const gap = { topic: this.#name, pos: header.pos, cur: header.cur, reason: header.reason };
    this.#reportGap(gap);
    // Live from cur: its epoch replaces ours.
    this.#position = header.cur;
    this.#parsed = parsePosition(header.cur);
  }

  /**
   * Moves the position forward to `pos`; false when `pos` is at or below it (in the same epoch). A position in
   * another epoch than a known one is a gap the server did not announce: reported, then adopted.
   */
  #advance(pos, isPublication) {
    const next = parsePosition(pos);
    if (!next) return false;
    const last = this.#parsed;
    if (last && last.epoch === next.epoch && next.offset <= last.offset) return false;
    if (isPublication && last && last.epoch !== "" && last.epoch !== next.epoch) {
      this.#reportGap({ topic: this.#name, pos: this.#position, cur: `${next.offset - 1n}@${next.epoch}`, reason: "epoch" });
    }

    this.#position = pos;
    this.#parsed = next;
    return true;
  }

  #reportGap(gap) {
    let told = false;
    for (const subscriber of [...this.#subscribers]) {
      if (subscriber.onGap) { told = true; this.#call(subscriber.onGap, gap); }
    }

    if (!told) console.warn(`rxsockets: publications of '${gap.topic}' after ${gap.pos} up to ${gap.cur} are lost (${gap.reason})`);
    this.#link.emit("gap", gap);
  }

  #call(callback, ...args) {
    if (!callback) return;
    try {
      callback(...args);
    } catch (error) {
      this.#link.emit("error", error);
    }
  }
}

// --- frames ----------------------------------------------------------------------------------------------------

/**
 * Encodes one frame: a text message for a text payload, a binary message (header, 0x0A, bytes) for bytes.
 * @param {object} header
 * @param {string | Uint8Array} payload
 * @returns {string | Uint8Array}
 */
export function encodeFrame(header, payload) {
  // JSON.stringify writes a line feed inside a string as \n, so the header holds no raw line feed.
  const json = JSON.stringify(header);
  if (typeof payload === "string") return `${json}\n${payload}`;
  const head = encoder.encode(json);
  const bytes = new Uint8Array(head.length + 1 + payload.length);
  bytes.set(head, 0);
  bytes[head.length] = LINE_FEED;
  bytes.set(payload, head.length + 1);
  return bytes;
}

/**
 * Decodes one WebSocket message as a frame.
 * @param {string | ArrayBuffer} data
 * @returns {{ header: any, payload: string | Uint8Array }}
 * @throws {Error} When the message is not a frame (a protocol violation).
 */
export function decodeFrame(data) {
  let headerText, payload;
  if (typeof data === "string") {
    const end = data.indexOf("\n");
    if (end < 0) throw new Error("no line feed after the header");
    headerText = data.slice(0, end);
    payload = data.slice(end + 1);
  } else {
    const bytes = new Uint8Array(data);
    const end = bytes.indexOf(LINE_FEED);
    if (end < 0) throw new Error("no line feed after the header");
    try {
      headerText = decoder.decode(bytes.subarray(0, end));
    } catch {
      throw new Error("the header is not UTF-8");
    }

    payload = bytes.slice(end + 1);
  }

  let header;
  try {
    header = JSON.parse(headerText);
  } catch {
    throw new Error("the header is not JSON");
  }

  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new Error("the header is not a JSON object");
  if (typeof header.t !== "string") throw new Error("the header has no 't'");
  if (!KINDS.has(header.t)) throw new Error(`unknown frame kind '${header.t}'`);
  for (const field of ["pos", "cur"]) {
    if (header[field] !== undefined && !parsePosition(header[field])) throw new Error(`'${field}' is not OFFSET@EPOCH`);
  }

  if ((header.t === "p" || header.t === "gap" || header.t === "subok" || header.t === "puback") && typeof header.topic !== "string") {
    throw new Error(`a '${header.t}' frame needs a 'topic'`);
  }

  if ((header.t === "p" || header.t === "puback" || header.t === "subok") && header.pos === undefined) {
    throw new Error(`a '${header.t}' frame needs a 'pos'`);
  }

  if (header.t === "gap" && (header.pos === undefined || header.cur === undefined)) throw new Error("a 'gap' frame needs a 'pos' and a 'cur'");
  return { header, payload };
}

// --- helpers ---------------------------------------------------------------------------------------------------

/** The payload of a call: strings as text, bytes as binary; anything else is a mistake. */
function payloadOf(data) {
  if (data === undefined || data === null) return "";
  if (typeof data === "string") return data;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("A payload is a string or bytes (Uint8Array, ArrayBuffer); serialize objects first, e.g. JSON.stringify.");
}

function serverCode(code) {
  // Unknown codes are treated as "internal" (docs: Error codes).
  return SERVER_CODES.has(code) ? code : ErrorCodes.internal;
}

function checkTopic(name) {
  if (typeof name !== "string" || name.length === 0 || encoder.encode(name).length > 256) {
    throw new TypeError("A topic name is a string of 1 to 256 UTF-8 bytes.");
  }
}

function positive(value, name) {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`options.${name} must be a positive number of milliseconds.`);
  return value;
}

function socketUrl(url) {
  const base = globalThis.location?.href;
  const resolved = base ? new URL(url, base) : new URL(url);
  if (resolved.protocol === "http:") resolved.protocol = "ws:";
  else if (resolved.protocol === "https:") resolved.protocol = "wss:";
  if (resolved.protocol !== "ws:" && resolved.protocol !== "wss:") throw new TypeError(`Not a WebSocket URL: ${resolved.href}`);
  return resolved;
}

function detach(socket) {
  socket.onopen = socket.onmessage = socket.onclose = null;
}

function truncate(text, bytes) {
  while (encoder.encode(text).length > bytes) text = text.slice(0, -1);
  return text;
}
