// A scriptable NETCONF server on ssh2's Server, for the session tests that need a misbehaving
// peer: replies in one write, split chunk headers, silence, a close mid-reply, unknown
// message-ids. Tests write raw bytes on purpose, so the framing under test is not also the one
// producing the server's output.
import type { AddressInfo } from 'node:net';
import { type Connection, Server, type ServerChannel } from 'ssh2';
import { NetconfDecoder } from '../../drivers/netconf/framer.js';
import { generateHostKey } from '../../lab/model/host-key.js';

export const FAKE_USER = 'netops';
export const FAKE_PASSWORD = 'fake-pass-123';

const BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

export interface FakeRequest {
  messageId: string;
  /** Local name of the operation element (`get-config`, `lock`, …). */
  operation: string;
  xml: string;
}

export interface FakeChannel {
  /** Raw bytes, no framing added. */
  write(data: string | Buffer): void;
  /** A reply framed the way the session negotiated. */
  reply(messageId: string, body: string): void;
  /** Frames any message (notification, foreign reply) with the negotiated framing. */
  send(xml: string): void;
  framing(): 'eom' | 'chunked';
  /** Ends the channel and the connection. */
  close(): void;
}

export type RequestHandler = (req: FakeRequest, ch: FakeChannel) => void;

export interface FakeServerOptions {
  /** Advertise base:1.1 (default true). */
  base11?: boolean;
  capabilities?: string[];
  /** Extra raw bytes written in the same write as the server hello. */
  afterHello?: (ch: FakeChannel) => string | Buffer;
  sessionId?: number;
  /** Never send a hello (for the hello deadline). */
  silentHello?: boolean;
}

export interface AuthAttempt {
  method: string;
  username: string;
}

export function chunked(xml: string): string {
  return `\n#${Buffer.byteLength(xml)}\n${xml}\n##\n`;
}

export function okReply(messageId: string, body = '<ok/>'): string {
  return `<rpc-reply xmlns="${BASE_NS}" message-id="${messageId}">${body}</rpc-reply>`;
}

export class FakeNetconfServer {
  readonly hostKeyFingerprint: string;
  readonly authAttempts: AuthAttempt[] = [];
  readonly requests: FakeRequest[] = [];
  /** SSH connections accepted so far. */
  connectionCount = 0;
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  #port = 0;
  handler: RequestHandler = (req, ch) => ch.reply(req.messageId, '<ok/>');
  options: FakeServerOptions;

  constructor(options: FakeServerOptions = {}) {
    this.options = options;
    const key = generateHostKey('dcagent-test');
    this.hostKeyFingerprint = key.fingerprint;
    this.#server = new Server({ hostKeys: [key.privateKey] }, (client) => this.#onClient(client));
  }

  get port(): number {
    return this.#port;
  }

  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.#server.listen(0, '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve(this.#port);
      });
    });
  }

  async stop(): Promise<void> {
    for (const c of this.#connections) c.end();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onClient(client: Connection): void {
    this.#connections.add(client);
    this.connectionCount++;
    client.on('close', () => this.#connections.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      this.authAttempts.push({ method: ctx.method, username: ctx.username });
      if (ctx.method === 'password' && ctx.username === FAKE_USER && ctx.password === FAKE_PASSWORD)
        ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptSub, _reject, info) => {
          if (info.name !== 'netconf') return;
          this.#serve(acceptSub(), client);
        });
      });
    });
  }

  #serve(stream: ServerChannel, client: Connection): void {
    const decoder = new NetconfDecoder();
    const base11 = this.options.base11 ?? true;
    let framing: 'eom' | 'chunked' = 'eom';
    let helloSeen = false;
    const ch: FakeChannel = {
      write: (d) => {
        if (stream.writable) stream.write(d);
      },
      reply: (id, body) => ch.send(okReply(id, body)),
      send: (xml) => ch.write(framing === 'chunked' ? chunked(xml) : `${xml}]]>]]>`),
      framing: () => framing,
      close: () => {
        stream.close();
        client.end();
      },
    };
    const caps = this.options.capabilities ?? [
      'urn:ietf:params:netconf:base:1.0',
      ...(base11 ? ['urn:ietf:params:netconf:base:1.1'] : []),
      'urn:ietf:params:netconf:capability:candidate:1.0',
    ];
    const hello = `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${BASE_NS}"><capabilities>${caps
      .map((c) => `<capability>${c}</capability>`)
      .join('')}</capabilities><session-id>${this.options.sessionId ?? 7}</session-id></hello>]]>]]>`;
    const extra = this.options.afterHello?.({ ...ch, framing: () => (base11 ? 'chunked' : 'eom') });
    if (!this.options.silentHello)
      stream.write(extra ? Buffer.concat([Buffer.from(hello), Buffer.from(extra)]) : hello);
    stream.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (;;) {
        let msg: string | undefined;
        try {
          msg = decoder.next();
        } catch {
          ch.close();
          return;
        }
        if (msg === undefined) return;
        if (!helloSeen) {
          helloSeen = true;
          if (base11 && msg.includes('urn:ietf:params:netconf:base:1.1')) {
            framing = 'chunked';
            decoder.setFraming('chunked');
          }
          continue;
        }
        const messageId = /message-id="([^"]*)"/.exec(msg)?.[1] ?? '';
        const operation = /<rpc[^>]*>\s*<([A-Za-z0-9:_-]+)/.exec(msg)?.[1]?.replace(/^.*:/, '') ?? '';
        const req = { messageId, operation, xml: msg };
        this.requests.push(req);
        this.handler(req, ch);
      }
    });
  }
}
