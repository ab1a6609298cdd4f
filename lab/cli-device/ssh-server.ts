import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import ssh2, {
  type AuthContext,
  type AuthenticationType,
  type Connection,
  type ParsedKey,
  type ServerChannel,
} from 'ssh2';
import { sshFingerprint } from '../../drivers/transport/ssh.js';
import { generateHostKey } from '../model/host-key.js';
import type { CliDevice } from './device.js';
import { CliShell } from './shell.js';

// ssh2 is CommonJS and Node's ESM loader only finds some of its exports by name.
const { Server, utils } = ssh2;

/**
 * Serves one emulated CLI switch over SSH, the way a network device does: password,
 * keyboard-interactive or public-key login, then an interactive shell (with or without a pty)
 * running a CliShell on the shared CliDevice. No exec, no subsystems, no port forwarding.
 */

export interface CliUser {
  username: string;
  password?: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA… comment`). */
  publicKeys?: readonly string[];
}

export interface CliSshServerOptions {
  device: CliDevice;
  users: readonly CliUser[];
  /** PEM/OpenSSH private host keys; one ed25519 key is generated when absent. */
  hostKeys?: readonly (string | Buffer)[];
  /** Software name in the greeting (`SSH-2.0-<ident>`); ssh2's own when absent. */
  ident?: string;
  /**
   * Interval of the server's keepalive pings; ssh2's default (15 s, 3 unanswered end the
   * connection) when absent. The lab turns them off so a silenced switch leaves its sessions
   * hanging instead of dropping them.
   */
  keepaliveIntervalMs?: number;
}

export interface AuthAttempt {
  method: string;
  username: string;
}

export class CliSshServer {
  readonly device: CliDevice;
  /** Fingerprint (`SHA256:…`) of the first host key, for the agent's `hostKey`. */
  readonly hostKeyFingerprint: string;
  readonly authAttempts: AuthAttempt[] = [];
  connectionCount = 0;
  readonly #server: InstanceType<typeof Server>;
  readonly #users: readonly CliUser[];
  readonly #connections = new Set<Connection>();
  readonly #shells = new Set<CliShell>();
  #nextSession = 1;
  #port = 0;

  constructor(options: CliSshServerOptions) {
    this.device = options.device;
    this.#users = options.users;
    const hostKeys = options.hostKeys?.length ? [...options.hostKeys] : [generateHostKey().privateKey];
    const first = utils.parseKey(hostKeys[0] as string | Buffer);
    if (first instanceof Error) throw first;
    const parsed = Array.isArray(first) ? first[0] : first;
    if (!parsed) throw new Error('no usable host key');
    this.hostKeyFingerprint = sshFingerprint(parsed.getPublicSSH());
    this.#server = new Server(
      {
        hostKeys,
        ...(options.ident !== undefined ? { ident: options.ident } : {}),
        ...(options.keepaliveIntervalMs !== undefined
          ? { keepaliveInterval: options.keepaliveIntervalMs }
          : {}),
      },
      (client) => this.#onClient(client),
    );
  }

  /** Serves a connection accepted elsewhere (the lab's own listener), instead of listen(). */
  injectSocket(socket: Socket): void {
    this.#server.injectSocket(socket);
  }

  get port(): number {
    return this.#port;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve(this.#port);
      });
    });
  }

  /** Drops every connection (sessions lose their uncommitted changes) and stops listening. */
  async stop(): Promise<void> {
    for (const s of this.#shells) s.close();
    for (const c of this.#connections) c.end();
    // Never listening (injected sockets only) is fine: close() then just reports it was not running.
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onClient(client: Connection): void {
    this.#connections.add(client);
    this.connectionCount++;
    // Echo goes out a keystroke at a time; with Nagle each small write would wait for the
    // client's delayed ACK (~40 ms a command). Devices send interactive output at once.
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    client.on('close', () => this.#connections.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => this.#authenticate(ctx));
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (acceptPty) => acceptPty?.());
        session.on('window-change', (acceptChange) => acceptChange?.());
        session.on('env', (acceptEnv) => acceptEnv?.());
        session.on('exec', (_accept, reject) => reject?.());
        session.on('subsystem', (_accept, reject) => reject?.());
        session.on('shell', (acceptShell) => this.#serve(acceptShell()));
      });
    });
  }

  #authenticate(ctx: AuthContext): void {
    this.authAttempts.push({ method: ctx.method, username: ctx.username });
    const user = this.#users.find((u) => u.username === ctx.username);
    const methods: AuthenticationType[] = ['password', 'keyboard-interactive', 'publickey'];
    switch (ctx.method) {
      case 'password':
        if (user?.password !== undefined && sameText(ctx.password, user.password)) {
          ctx.accept();
          return;
        }
        ctx.reject(methods);
        return;
      case 'keyboard-interactive':
        if (user?.password === undefined) {
          ctx.reject(methods);
          return;
        }
        ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
          if (sameText(answers[0] ?? '', user.password ?? '')) ctx.accept();
          else ctx.reject(methods);
        });
        return;
      case 'publickey': {
        const key = user?.publicKeys
          ?.map((k) => utils.parseKey(k))
          .map((k) => (Array.isArray(k) ? k[0] : k))
          .find(
            (k): k is ParsedKey =>
              !!k &&
              !(k instanceof Error) &&
              k.type === ctx.key.algo &&
              k.getPublicSSH().equals(ctx.key.data),
          );
        if (!key) {
          ctx.reject(methods);
          return;
        }
        // Without a signature the client only asks whether the key would do.
        if (ctx.signature && key.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo) !== true) {
          ctx.reject(methods);
          return;
        }
        ctx.accept();
        return;
      }
      default:
        ctx.reject(methods);
        return;
    }
  }

  #serve(stream: ServerChannel): void {
    const decoder = new StringDecoder('utf8');
    const shell = new CliShell(
      this.device,
      {
        write: (t) => {
          if (stream.writable) stream.write(t);
        },
        end: () => {
          stream.exit(0);
          stream.end();
        },
      },
      this.#nextSession++,
    );
    this.#shells.add(shell);
    stream.on('data', (d: Buffer) => shell.feed(decoder.write(d)));
    stream.on('close', () => {
      shell.close();
      this.#shells.delete(shell);
    });
    stream.on('error', () => {});
    shell.start();
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
