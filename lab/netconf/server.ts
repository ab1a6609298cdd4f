import { createHash, timingSafeEqual } from 'node:crypto';
import ssh2, { type AuthContext, type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { encode, type Framing, NetconfDecoder } from '../../drivers/netconf/framer.js';
import { CAP, NETCONF_BASE_NS } from '../../drivers/netconf/rpc.js';
import { child, childrenNamed, el, parseXml, type XmlFragment } from '../../drivers/xml/xml.js';
import type { LabSshServerOptions } from '../model/host-key.js';
import { SwitchListener } from '../model/switch-listener.js';
import { type RpcErrorSpec, renderRpcError } from './errors.js';
import type { NetconfSimSwitch } from './switch.js';

/**
 * NETCONF over SSH (RFC 6242) for one lab switch: ssh2's Server for the transport, the project's
 * own framer for base:1.0 and base:1.1, and the switch's NetconfDevice for everything else.
 * Connections come from a SwitchListener, so a silent or rebooting switch behaves like one.
 */

// ssh2 is CommonJS and Node's ESM loader only finds some of its exports by name.
const { Server, utils } = ssh2;

/** What the server advertises besides the model's modules. */
export const LAB_CAPABILITIES: readonly string[] = [
  CAP.base10,
  CAP.base11,
  CAP.candidate,
  CAP.confirmedCommit10,
  CAP.confirmedCommit11,
  CAP.validate10,
  CAP.validate11,
  CAP.rollbackOnError,
];

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

// Attributes of <rpc> that go back on <rpc-reply> (RFC 6241 §4.2); namespace declarations were
// dropped by the parser and the reply declares its own.
const SAFE_ATTR = /^[A-Za-z_][A-Za-z0-9._-]*$/;

export class LabNetconfServer {
  readonly #sw: NetconfSimSwitch;
  readonly #ssh: InstanceType<typeof Server>;
  readonly #username: string;
  readonly #password: Buffer;
  readonly #authorized: ParsedKey[];
  #listener: SwitchListener | undefined;

  private constructor(sw: NetconfSimSwitch, o: LabSshServerOptions) {
    this.#sw = sw;
    this.#username = o.username;
    this.#password = digest(o.password);
    this.#authorized = (o.authorizedKeys ?? []).map((line) => {
      const k = utils.parseKey(line);
      if (k instanceof Error) throw new Error(`unusable authorized key: ${k.message}`);
      return Array.isArray(k) ? (k[0] as ParsedKey) : k;
    });
    this.#ssh = new Server(
      {
        hostKeys: [o.hostKey.privateKey],
        ident: 'dcagent-lab',
        // No server-side keepalive: a silent switch must not keep talking, nor drop the
        // connections it is meant to leave hanging. On loopback a dead client resets anyway.
        keepaliveInterval: 2_147_483_647,
      },
      (client) => this.#onClient(client),
    );
  }

  static async start(sw: NetconfSimSwitch, o: LabSshServerOptions): Promise<LabNetconfServer> {
    const server = new LabNetconfServer(sw, o);
    server.#listener = await SwitchListener.listen(sw, o, (socket) => server.#ssh.injectSocket(socket));
    return server;
  }

  get port(): number {
    return this.#listener?.port ?? 0;
  }

  #authenticate(ctx: AuthContext): void {
    const methods: ('password' | 'publickey' | 'keyboard-interactive')[] = [
      'password',
      'keyboard-interactive',
    ];
    if (this.#authorized.length > 0) methods.push('publickey');
    const userOk = ctx.username === this.#username;
    switch (ctx.method) {
      case 'password':
        if (userOk && sameSecret(ctx.password, this.#password)) ctx.accept();
        else ctx.reject(methods);
        return;
      case 'keyboard-interactive':
        // Many network OSes only offer passwords this way; ours accepts both.
        ctx.prompt([{ prompt: 'Password: ', echo: false }], 'dcagent lab', (answers) => {
          if (userOk && answers.length === 1 && sameSecret(answers[0] ?? '', this.#password)) ctx.accept();
          else ctx.reject(methods);
        });
        return;
      case 'publickey': {
        const key = userOk
          ? this.#authorized.find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data))
          : undefined;
        // Without a signature the client only asks whether the key would do.
        if (key && (!ctx.signature || !ctx.blob || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)))
          ctx.accept();
        else ctx.reject(methods);
        return;
      }
      default:
        ctx.reject(methods);
    }
  }

  #onClient(client: Connection): void {
    client.on('error', () => {});
    client.on('authentication', (ctx) => this.#authenticate(ctx));
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptSub, rejectSub, info) => {
          if (info.name !== 'netconf') {
            rejectSub();
            return;
          }
          this.#serve(acceptSub(), client);
        });
      });
    });
  }

  #serve(stream: ServerChannel, client: Connection): void {
    const device = this.#sw.netconf;
    const decoder = new NetconfDecoder({ maxMessageBytes: 16 * 1024 * 1024 });
    let framing: Framing = 'eom';
    let helloSeen = false;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      device.endSession(sessionId);
    };
    const sessionId = device.openSession({
      terminate: () => {
        ended = true;
        stream.destroy();
        client.end();
      },
    });
    const send = (xml: string): void => {
      if (!ended && stream.writable) stream.write(encode(xml, framing));
    };
    const hello = el(
      'hello',
      { xmlns: NETCONF_BASE_NS },
      el(
        'capabilities',
        undefined,
        ...[...LAB_CAPABILITIES, ...device.platform.capabilities].map((c) => el('capability', undefined, c)),
      ),
      el('session-id', undefined, String(sessionId)),
    );
    stream.write(encode(`<?xml version="1.0" encoding="UTF-8"?>${hello.xml}`, 'eom'));

    const handle = (text: string): boolean => {
      if (!helloSeen) {
        helloSeen = true;
        let caps: string[];
        try {
          const root = parseXml(text.trim());
          // RFC 6241 §8.1: a client hello with a session-id, or none of our base versions, ends it.
          if (root.name !== 'hello' || child(root, 'session-id')) return false;
          caps = childrenNamed(child(root, 'capabilities'), 'capability').map((c) => c.text.trim());
        } catch {
          return false;
        }
        if (caps.includes(CAP.base11)) framing = 'chunked';
        else if (!caps.includes(CAP.base10)) return false;
        decoder.setFraming(framing);
        return true;
      }
      let root: ReturnType<typeof parseXml>;
      try {
        root = parseXml(text);
      } catch (err) {
        send(
          reply({}, errorBody({ type: 'rpc', tag: 'malformed-message', message: (err as Error).message })),
        );
        return true;
      }
      if (root.name !== 'rpc') {
        send(
          reply(
            {},
            errorBody({
              type: 'rpc',
              tag: 'malformed-message',
              message: `expected <rpc>, got <${root.name}>`,
            }),
          ),
        );
        return true;
      }
      const attrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(root.attrs)) if (SAFE_ATTR.test(k) && k !== 'xmlns') attrs[k] = v;
      if (attrs['message-id'] === undefined) {
        send(
          reply(
            attrs,
            errorBody({
              type: 'rpc',
              tag: 'missing-attribute',
              message: 'an <rpc> needs a message-id',
              info: { 'bad-attribute': 'message-id', 'bad-element': 'rpc' },
            }),
          ),
        );
        return true;
      }
      const op = root.children[0];
      if (!op) {
        send(
          reply(
            attrs,
            errorBody({ type: 'rpc', tag: 'missing-element', message: 'an <rpc> needs an operation' }),
          ),
        );
        return true;
      }
      const outcome = device.rpc(sessionId, op);
      send(reply(attrs, outcome.body));
      if (outcome.close) {
        end();
        stream.end();
        client.end();
        return false;
      }
      return true;
    };

    stream.on('data', (chunk: Buffer) => {
      if (ended) return;
      try {
        decoder.push(chunk);
        for (let text = decoder.next(); text !== undefined; text = decoder.next()) {
          if (!handle(text)) {
            end();
            stream.end();
            client.end();
            return;
          }
        }
      } catch {
        // A framing error leaves the stream out of step; RFC 6242 says to close the session.
        end();
        stream.destroy();
        client.end();
      }
    });
    stream.on('close', end);
    stream.on('error', end);
  }

  async close(): Promise<void> {
    await this.#listener?.close();
  }
}

function reply(attrs: Record<string, string>, body: XmlFragment): string {
  return el('rpc-reply', { xmlns: NETCONF_BASE_NS, ...attrs }, body).xml;
}

function errorBody(spec: RpcErrorSpec): XmlFragment {
  return renderRpcError(spec);
}
