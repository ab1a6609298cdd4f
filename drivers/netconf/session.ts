// Over 400 lines: one class, a NETCONF session (hello, message-id matching, deadlines, close), kept whole.
import type { Duplex } from 'node:stream';
import { DcAgentError, errorMessage, isDcAgentError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { CONNECT_PHASE, openSubsystem, type SshTarget } from '../transport/ssh.js';
import { parseXml } from '../xml/xml.js';
import { DEFAULT_MAX_MESSAGE_BYTES, encode, type Framing, FramingError, NetconfDecoder } from './framer.js';
import {
  bareOkReply,
  type Notification,
  parseHello,
  parseNotification,
  parseRpcReply,
  type RpcReply,
  rpcErrorFor,
} from './reply.js';
import { CAP, closeSession, hello, nudge, operationName, rpcEnvelope } from './rpc.js';

/** Our hello is the same for every session; built on first use, then only written. */
let OUR_HELLO: Buffer | undefined;

/** The longest delay setTimeout honours. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** A session opened without a configured watchdog never nudges the server. */
const NO_WATCHDOG = 0;

/**
 * One NETCONF session (RFC 6241 over RFC 6242). Several RPCs may be in flight; replies are
 * matched by message-id, each RPC has its own deadline and AbortSignal, notifications go to
 * their own listeners, and a transport that dies fails every pending RPC at once.
 */

export interface SessionOptions {
  deviceId: string;
  logger?: Logger;
  /** Default deadline of each RPC. */
  rpcTimeoutMs: number;
  /** Deadline for the server's hello once the channel is open. */
  helloTimeoutMs: number;
  maxMessageBytes?: number;
  signal?: AbortSignal;
  /**
   * How long the first RPC of the session may go unanswered before a harmless RPC is sent after
   * it (0: never). netconfd can leave an RPC that reached it in one read with our hello untouched
   * until more input arrives (LAB-NOTES); the nudge makes it answer both, instead of the RPC
   * running into its full deadline and costing a job attempt.
   */
  firstReplyWatchdogMs?: number;
}

export interface RpcOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Return rpc-errors in the reply instead of throwing (for callers that inspect them). */
  allowErrors?: boolean;
}

/** A byte stream to the server plus a way to end it; ssh in production, anything in tests. */
export interface NetconfTransport {
  readonly stream: Duplex;
  close(): void;
}

interface Pending {
  operation: string;
  resolve(reply: RpcReply): void;
  reject(err: unknown): void;
  /** `performance.now()` after which the RPC fails with a timeout. */
  deadline: number;
  timeoutMs: number;
  allowErrors: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export interface SessionStats {
  /** RPCs sent, by operation name (`edit-config`, `commit`, …). */
  readonly sent: ReadonlyMap<string, number>;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export class NetconfSession {
  readonly deviceId: string;
  readonly sessionId: number;
  readonly serverCapabilities: readonly string[];
  readonly framing: Framing;
  readonly #capSet: ReadonlySet<string>;
  readonly #transport: NetconfTransport;
  readonly #decoder: NetconfDecoder;
  readonly #logger: Logger;
  #logChild: Logger | undefined;
  readonly #rpcTimeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #notificationListeners = new Set<(n: Notification) => void>();
  readonly #closeListeners = new Set<(err?: DcAgentError) => void>();
  readonly #sent = new Map<string, number>();
  readonly #firstReplyWatchdogMs: number;
  /** Any rpc-reply seen: from then on the server is known to read this session's input. */
  #replied = false;
  #watchdog: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  /** Compared with each new RPC's deadline: only an earlier one needs the timer moved. */
  #deadlineAt = Number.POSITIVE_INFINITY;
  #nudged = false;
  #nextId = 1;
  #closed = false;
  #closing: Promise<void> | undefined;
  #bytesIn = 0;
  #bytesOut = 0;

  private constructor(init: {
    options: SessionOptions;
    transport: NetconfTransport;
    decoder: NetconfDecoder;
    sessionId: number;
    capabilities: string[];
    framing: Framing;
    bytesIn: number;
    bytesOut: number;
  }) {
    this.deviceId = init.options.deviceId;
    this.sessionId = init.sessionId;
    this.serverCapabilities = Object.freeze([...init.capabilities]);
    this.#capSet = new Set(init.capabilities.map(capabilityBase));
    this.framing = init.framing;
    this.#transport = init.transport;
    this.#decoder = init.decoder;
    this.#logger = init.options.logger ?? silentLogger;
    this.#rpcTimeoutMs = init.options.rpcTimeoutMs;
    this.#firstReplyWatchdogMs = init.options.firstReplyWatchdogMs ?? NO_WATCHDOG;
    this.#bytesIn = init.bytesIn;
    this.#bytesOut = init.bytesOut;
  }

  /** Made on first use: most sessions never log, and a pino child per session was measurable. */
  get #log(): Logger {
    this.#logChild ??= this.#logger.child({ device: this.deviceId, netconfSession: this.sessionId });
    return this.#logChild;
  }

  /** Opens the ssh `netconf` subsystem on `target` and exchanges hellos. */
  static async connect(target: SshTarget, options: SessionOptions): Promise<NetconfSession> {
    const channel = await openSubsystem(target, 'netconf', {
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const session = await NetconfSession.start(
      { stream: channel.stream, close: () => channel.close() },
      options,
    );
    channel.onClose((err) =>
      session.#shutdown(
        err ?? new DcAgentError('unreachable', `SSH connection to ${target.deviceId} closed`),
      ),
    );
    return session;
  }

  /** Runs the hello exchange over an already open transport. */
  static start(transport: NetconfTransport, options: SessionOptions): Promise<NetconfSession> {
    const log = options.logger ?? silentLogger;
    const decoder = new NetconfDecoder({
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
    const { stream } = transport;
    return new Promise<NetconfSession>((resolve, reject) => {
      let bytesIn = 0;
      let done = false;
      const finish = (err: unknown, session?: NetconfSession): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        stream.off('data', onData);
        stream.off('close', onClose);
        stream.off('error', onError);
        options.signal?.removeEventListener('abort', onAbort);
        if (session) resolve(session);
        else {
          transport.close();
          reject(err);
        }
      };
      const timer = setTimeout(
        () =>
          finish(
            new DcAgentError(
              'timeout',
              `no NETCONF hello from ${options.deviceId} within ${options.helloTimeoutMs} ms`,
              { details: { device: options.deviceId, phase: CONNECT_PHASE } },
            ),
          ),
        options.helloTimeoutMs,
      );
      const onAbort = (): void =>
        finish(new DcAgentError('timeout', `NETCONF hello with ${options.deviceId} aborted`));
      const onClose = (): void =>
        finish(
          new DcAgentError('unreachable', `${options.deviceId} closed the NETCONF channel before its hello`),
        );
      const onError = (err: Error): void =>
        finish(
          new DcAgentError('unreachable', `NETCONF channel to ${options.deviceId} failed: ${err.message}`, {
            cause: err,
          }),
        );
      const onData = (chunk: Buffer): void => {
        bytesIn += chunk.length;
        try {
          decoder.push(chunk);
          const text = decoder.next();
          if (text === undefined) return;
          const serverHello = parseHello(parseXml(text.trim()));
          const caps = new Set(serverHello.capabilities.map(capabilityBase));
          const framing: Framing = caps.has(CAP.base11) ? 'chunked' : 'eom';
          if (!caps.has(CAP.base10) && !caps.has(CAP.base11)) {
            throw new DcAgentError(
              'unsupported-platform',
              `${options.deviceId} advertises neither NETCONF base:1.0 nor base:1.1`,
            );
          }
          // Bytes after the hello stay in the decoder and are read with the negotiated framing.
          decoder.setFraming(framing);
          log.debug(
            { device: options.deviceId, sessionId: serverHello.sessionId, framing },
            'NETCONF hello exchanged',
          );
          const session = new NetconfSession({
            options,
            transport,
            decoder,
            sessionId: serverHello.sessionId,
            capabilities: serverHello.capabilities,
            framing,
            bytesIn,
            bytesOut,
          });
          finish(undefined, session);
          session.#attach();
        } catch (err) {
          finish(
            isDcAgentError(err)
              ? err
              : new DcAgentError(
                  'rpc-error',
                  `bad NETCONF hello from ${options.deviceId}: ${errorMessage(err)}`,
                  { cause: err },
                ),
          );
        }
      };
      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', onData);
      stream.once('close', onClose);
      stream.once('error', onError);
      // Both sides send their hello at once (RFC 6241 §8.1); ours always goes end-of-message framed.
      OUR_HELLO ??= encode(hello(), 'eom');
      const bytesOut = OUR_HELLO.length;
      stream.write(OUR_HELLO);
    });
  }

  #attach(): void {
    const { stream } = this.#transport;
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.once('close', () =>
      this.#shutdown(new DcAgentError('unreachable', `${this.deviceId} closed the NETCONF session`)),
    );
    stream.on('error', (err: Error) =>
      this.#shutdown(
        new DcAgentError('unreachable', `NETCONF channel to ${this.deviceId} failed: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    // Messages that arrived in the same read as the hello. Deferred one turn so the caller that
    // awaited the session can register its notification listener first; later reads drain
    // everything in order, so nothing overtakes these.
    setImmediate(() => {
      if (!this.#closed) this.#drain();
    });
  }

  #onData(chunk: Buffer): void {
    this.#bytesIn += chunk.length;
    try {
      this.#decoder.push(chunk);
    } catch (err) {
      this.#fatal(err);
      return;
    }
    this.#drain();
  }

  #drain(): void {
    for (;;) {
      let text: string | undefined;
      try {
        text = this.#decoder.next();
      } catch (err) {
        this.#fatal(err);
        return;
      }
      if (text === undefined) return;
      this.#dispatch(text);
    }
  }

  #fatal(err: unknown): void {
    const e = isDcAgentError(err) ? err : new FramingError(errorMessage(err));
    this.#log.error({ err: e.message }, 'NETCONF stream unusable; closing the session');
    this.#shutdown(e);
  }

  #dispatch(text: string): void {
    let root: ReturnType<typeof parseXml>;
    try {
      root = bareOkReply(text) ?? parseXml(text);
    } catch (err) {
      // The start tag usually still names the RPC, so that caller learns at once instead of at its
      // deadline; the look is bounded to the head of the message.
      const id = /<(?:[\w.-]+:)?rpc-reply\b[^>]*?\bmessage-id\s*=\s*["']([^"']{1,64})["']/.exec(
        text.slice(0, 2048),
      )?.[1];
      const pending = id === undefined ? undefined : this.#pending.get(id);
      this.#log.warn(
        { err: errorMessage(err), bytes: text.length, messageId: id },
        'unparsable NETCONF message',
      );
      if (pending && id !== undefined) {
        this.#settled(id, pending);
        pending.reject(err);
      }
      return;
    }
    if (root.name === 'rpc-reply') {
      let reply: RpcReply;
      try {
        reply = parseRpcReply(root);
      } catch (err) {
        this.#log.warn({ err: errorMessage(err) }, 'dropping malformed rpc-reply');
        return;
      }
      this.#replied = true;
      this.#disarmWatchdog();
      const pending = this.#pending.get(reply.messageId);
      if (!pending) {
        this.#log.warn({ messageId: reply.messageId }, 'dropping rpc-reply with unknown message-id');
        return;
      }
      this.#settled(reply.messageId, pending);
      const failures = reply.errors.filter((e) => e.severity !== 'warning');
      for (const w of reply.errors.filter((e) => e.severity === 'warning')) {
        this.#log.warn({ operation: pending.operation, warning: w }, 'NETCONF rpc warning');
      }
      if (failures.length > 0 && !pending.allowErrors)
        pending.reject(rpcErrorFor(pending.operation, reply.errors, this.deviceId));
      else pending.resolve(reply);
      return;
    }
    if (root.name === 'notification') {
      const n = parseNotification(root);
      for (const l of this.#notificationListeners) {
        try {
          l(n);
        } catch (err) {
          this.#log.error({ err: errorMessage(err) }, 'notification listener threw');
        }
      }
      return;
    }
    this.#log.warn({ element: root.name }, 'dropping unexpected NETCONF message');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the server listed `uri` (query parameters ignored). */
  hasCapability(uri: string): boolean {
    // The constants in CAP carry no query part, so most lookups need no trimming.
    return this.#capSet.has(uri) || this.#capSet.has(capabilityBase(uri));
  }

  get stats(): SessionStats {
    return { sent: new Map(this.#sent), bytesIn: this.#bytesIn, bytesOut: this.#bytesOut };
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends one operation (from rpc.ts) and resolves with its reply; rpc-errors throw NetconfRpcError. */
  rpc(operationXml: string, options: RpcOptions = {}): Promise<RpcReply> {
    const operation = operationName(operationXml);
    if (this.#closed) {
      return Promise.reject(
        new DcAgentError('unreachable', `NETCONF session to ${this.deviceId} is closed`, {
          details: { operation },
        }),
      );
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal, operation, this.deviceId));
    const id = String(this.#nextId++);
    const timeoutMs = options.timeoutMs ?? this.#rpcTimeoutMs;
    return new Promise<RpcReply>((resolve, reject) => {
      let frame: Buffer;
      try {
        frame = encode(rpcEnvelope(id, operationXml), this.framing);
      } catch (err) {
        reject(err);
        return;
      }
      const pending: Pending = {
        operation,
        resolve,
        reject,
        deadline: performance.now() + timeoutMs,
        timeoutMs,
        allowErrors: options.allowErrors ?? false,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        pending.onAbort = () => {
          if (this.#pending.get(id) !== pending) return;
          this.#settled(id, pending);
          reject(abortError(signal, operation, this.deviceId));
        };
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#pending.set(id, pending);
      this.#armDeadline(pending.deadline);
      this.#sent.set(operation, (this.#sent.get(operation) ?? 0) + 1);
      this.#bytesOut += frame.length;
      this.#transport.stream.write(frame);
      if (id === '1') this.#armWatchdog(id, operation);
    });
  }

  /**
   * The one way a pending RPC leaves the books (an answer, readable or not, an abort, its
   * deadline), so none of them can forget the abort listener or leave the shared deadline timer
   * holding an idle process. #shutdown clears everything at once instead.
   */
  #settled(id: string, p: Pending): void {
    this.#pending.delete(id);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    // With nothing in flight the deadline timer stays armed but must not keep the process alive.
    if (this.#pending.size === 0) this.#deadlineTimer?.unref();
  }

  /**
   * One timer per session, armed for the earliest deadline in flight, instead of a timer per RPC:
   * creating and cancelling a timer for every RPC was a visible share of the session's own CPU
   * (bench:netconf profile). An answered RPC leaves the timer as it is; when it fires, it fails
   * what has expired and re-arms for the next deadline, if any.
   */
  #armDeadline(deadline: number): void {
    const timer = this.#deadlineTimer;
    if (timer && deadline >= this.#deadlineAt) {
      timer.ref();
      return;
    }
    if (timer) clearTimeout(timer);
    this.#deadlineAt = deadline;
    // Node runs a delay above 2^31-1 ms after 1 ms instead; capped, the timer fires early and
    // #expire re-arms for what is left.
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(1, Math.ceil(deadline - performance.now())));
    this.#deadlineTimer = setTimeout(() => this.#expire(), delay);
  }

  #clearDeadline(): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#deadlineAt = Number.POSITIVE_INFINITY;
  }

  #expire(): void {
    this.#deadlineTimer = undefined;
    this.#deadlineAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, p] of this.#pending) {
      if (p.deadline > now) {
        next = Math.min(next, p.deadline);
        continue;
      }
      this.#settled(id, p);
      // A late reply will be dropped as an unknown message-id.
      p.reject(
        new DcAgentError(
          'timeout',
          `${p.operation} on ${this.deviceId} got no reply within ${p.timeoutMs} ms`,
          {
            details: { device: this.deviceId, operation: p.operation, messageId: id },
          },
        ),
      );
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armDeadline(next);
  }

  #armWatchdog(id: string, operation: string): void {
    const ms = this.#firstReplyWatchdogMs;
    if (ms <= 0) return;
    this.#watchdog = setTimeout(() => {
      this.#watchdog = undefined;
      if (this.#closed || this.#replied || !this.#pending.has(id)) return;
      this.#log.warn(
        { operation, ms },
        'first RPC of a fresh NETCONF session unanswered; sending a harmless RPC to nudge the server',
      );
      this.#nudged = true;
      // Its own answer (or rpc-error) does not matter: any input makes the server read both.
      this.rpc(nudge(), { allowErrors: true }).catch((err: unknown) =>
        this.#log.debug({ err: errorMessage(err) }, 'nudge RPC got no answer'),
      );
    }, ms);
    // The session's deadline timer keeps the process alive while the RPC is pending; this must not.
    this.#watchdog.unref();
  }

  #disarmWatchdog(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  /** Whether an RPC deadline is keeping the process alive, for tests and diagnostics. */
  get holdsProcess(): boolean {
    return this.#deadlineTimer?.hasRef() ?? false;
  }

  /** Whether the first-reply watchdog had to nudge the server, for tests and diagnostics. */
  get nudged(): boolean {
    return this.#nudged;
  }

  onNotification(listener: (n: Notification) => void): () => void {
    this.#notificationListeners.add(listener);
    return () => this.#notificationListeners.delete(listener);
  }

  /** Called once when the session ends; `err` is absent after a clean close. */
  onClose(listener: (err?: DcAgentError) => void): () => void {
    if (this.#closed) {
      queueMicrotask(() => listener());
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Sends close-session (bounded wait) and ends the transport. Safe to call more than once. */
  close(timeoutMs = Math.min(this.#rpcTimeoutMs, 5_000)): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#closed) return Promise.resolve();
    this.#closing = (async () => {
      try {
        await this.rpc(closeSession(), { timeoutMs });
      } catch (err) {
        this.#log.debug({ err: errorMessage(err) }, 'close-session was not acknowledged');
      }
      this.#shutdown(undefined);
    })();
    return this.#closing;
  }

  /** Drops the session at once, failing pending RPCs with `err`. */
  destroy(err?: DcAgentError): void {
    this.#shutdown(
      err ?? new DcAgentError('unreachable', `NETCONF session to ${this.deviceId} was destroyed`),
    );
  }

  #shutdown(err: DcAgentError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#disarmWatchdog();
    const failure =
      err ?? new DcAgentError('unreachable', `NETCONF session to ${this.deviceId} closed with RPCs pending`);
    this.#clearDeadline();
    for (const [id, p] of this.#pending) {
      if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
      p.reject(
        new DcAgentError(failure.code, `${p.operation} on ${this.deviceId} failed: ${failure.message}`, {
          cause: failure,
          retryable: failure.retryable,
          details: { device: this.deviceId, operation: p.operation, messageId: id },
        }),
      );
    }
    this.#pending.clear();
    try {
      this.#transport.close();
    } catch {
      // The transport may already be gone; nothing else to release.
    }
    for (const l of this.#closeListeners) l(err);
    this.#closeListeners.clear();
    this.#notificationListeners.clear();
  }
}

function abortError(signal: AbortSignal | undefined, operation: string, deviceId: string): DcAgentError {
  const reason: unknown = signal?.reason;
  if (isDcAgentError(reason)) return reason;
  return new DcAgentError('timeout', `${operation} on ${deviceId} was aborted`, {
    cause: reason,
    details: { device: deviceId, operation },
  });
}

/** Capabilities compare without their query part (`…?module=…&revision=…`). */
export function capabilityBase(uri: string): string {
  const q = uri.indexOf('?');
  return (q >= 0 ? uri.slice(0, q) : uri).trim();
}
