// Over 400 lines: the one SSH seam (host-key pinning, login order, key cache, exec and subsystem channels with deadlines and size limits), kept whole so every path shares its checks.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import ssh2, {
  type Algorithms,
  type AnyAuthMethod,
  Client,
  type ClientChannel,
  type ConnectConfig,
  type ParsedKey,
  type PseudoTtyOptions,
} from 'ssh2';
import { DcAgentError, errorMessage, isDcAgentError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type { Secret } from '../../core/secret.js';

/**
 * ssh2 sessions for device protocols (NETCONF now, CLI later). Everything that can go wrong on
 * the way to a channel becomes one DcAgentError with a contract code, and no message carries a
 * credential: ssh2's own messages name methods and levels, never values.
 */

export interface SshTarget {
  /** For logs and error details. */
  deviceId: string;
  host: string;
  port: number;
  username: string;
  password?: Secret;
  privateKey?: Secret;
  passphrase?: Secret;
  /** OpenSSH fingerprint `SHA256:<base64, no padding>`; required unless insecureAcceptAnyHostKey. */
  hostKey?: string;
  insecureAcceptAnyHostKey?: boolean;
  legacyAlgorithms?: boolean;
  connectTimeoutMs: number;
  /** 0 turns keepalive off. */
  keepaliveIntervalMs: number;
}

/** The SSH part of a device's netconf or cli settings (config/load.ts), as sshTargetFrom reads it. */
export interface SshSettings {
  port: number;
  credentials: { username: string; password?: Secret; privateKey?: Secret; passphrase?: Secret };
  hostKey?: string | undefined;
  insecureAcceptAnyHostKey?: boolean | undefined;
  legacyAlgorithms?: boolean | undefined;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
}

/** The target for one device's netconf or cli settings; the one place credentials are copied. */
export function sshTargetFrom(deviceId: string, host: string, s: SshSettings): SshTarget {
  const c = s.credentials;
  return {
    deviceId,
    host,
    port: s.port,
    username: c.username,
    ...(c.password ? { password: c.password } : {}),
    ...(c.privateKey ? { privateKey: c.privateKey } : {}),
    ...(c.passphrase ? { passphrase: c.passphrase } : {}),
    ...(s.hostKey ? { hostKey: s.hostKey } : {}),
    ...(s.insecureAcceptAnyHostKey !== undefined
      ? { insecureAcceptAnyHostKey: s.insecureAcceptAnyHostKey }
      : {}),
    ...(s.legacyAlgorithms !== undefined ? { legacyAlgorithms: s.legacyAlgorithms } : {}),
    connectTimeoutMs: s.connectTimeoutMs,
    keepaliveIntervalMs: s.keepaliveIntervalMs,
  };
}

/** `details.phase` of a deadline that expired before a session was up (TCP, SSH, or the hello). */
export const CONNECT_PHASE = 'connect';

/**
 * A connect that ran out of time: on a slow, lossy link the next try often makes it (one lost
 * SYN costs a second, a lost key-exchange packet more), so callers may try once more. A failure
 * after the session was up is not one: the device may have acted on the request.
 */
export function isConnectTimeout(err: unknown): boolean {
  return isDcAgentError(err) && err.code === 'timeout' && err.details.phase === CONNECT_PHASE;
}

export interface SshChannel {
  readonly stream: Duplex;
  /** Fingerprint of the key the server presented. */
  readonly hostKeyFingerprint: string;
  /** Ends the channel and the connection. */
  close(): void;
  /** Called once when the connection goes away for any reason. */
  onClose(listener: (err?: DcAgentError) => void): void;
}

/** OpenSSH's `SHA256:` form: base64 of sha256 over the raw public key blob, padding removed. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Accepts `SHA256:…` with or without the trailing `=`, as ssh-keygen and some tools differ. */
function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}

// Only what old network operating systems need, appended after ssh2's modern defaults so a
// capable device still negotiates the strong ones.
const LEGACY_ALGORITHMS: Algorithms = {
  kex: { append: ['diffie-hellman-group14-sha1'], prepend: [], remove: [] },
  cipher: { append: ['aes128-cbc', 'aes256-cbc'], prepend: [], remove: [] },
  serverHostKey: { append: ['ssh-rsa'], prepend: [], remove: [] },
};

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'EADDRNOTAVAIL',
]);

interface SshLikeError {
  level?: string;
  code?: string;
  message?: string;
}

/** Maps an ssh2 or socket error to the contract's codes. */
export function mapSshError(
  err: unknown,
  target: Pick<SshTarget, 'deviceId' | 'host' | 'port'>,
): DcAgentError {
  if (isDcAgentError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SshLikeError;
  const where = `${target.host}:${target.port}`;
  const details = {
    device: target.deviceId,
    host: target.host,
    port: target.port,
    level: e.level,
    errno: e.code,
  };
  if (e.level === 'client-authentication') {
    return new DcAgentError(
      'auth-failed',
      `SSH authentication to ${where} failed (all offered methods refused)`,
      {
        cause: err,
        details,
      },
    );
  }
  if (e.level === 'client-timeout' || e.code === 'ETIMEDOUT') {
    return new DcAgentError('timeout', `SSH connection to ${where} timed out`, { cause: err, details });
  }
  if (e.code && UNREACHABLE_CODES.has(e.code)) {
    return new DcAgentError('unreachable', `cannot reach ${where} (${e.code})`, { cause: err, details });
  }
  if (e.level === 'client-dns') {
    return new DcAgentError('unreachable', `cannot resolve ${target.host}`, { cause: err, details });
  }
  return new DcAgentError('unreachable', `SSH connection to ${where} failed: ${errorMessage(err)}`, {
    cause: err,
    details,
  });
}

/**
 * A private key parsed once per process: ssh2 parses the PEM (and decrypts it with the passphrase,
 * a deliberately slow KDF for encrypted keys) on every connect otherwise, which was paid again for
 * every session of every device. Keyed by the config's Secret, so a reload with a new key parses
 * the new one and the old entry goes with the old config.
 */
const parsedKeys = new WeakMap<Secret, { passphrase: Secret | undefined; key: ParsedKey }>();

/** Throws an Error naming the problem (never the key) when the key cannot be used. */
export function parsedPrivateKey(privateKey: Secret, passphrase?: Secret): ParsedKey {
  const cached = parsedKeys.get(privateKey);
  if (cached && cached.passphrase === passphrase) return cached.key;
  const parsed = ssh2.utils.parseKey(privateKey.reveal(), passphrase?.reveal());
  if (parsed instanceof Error) throw new Error(`cannot parse the private key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw new Error('the privateKey holds no private key');
  parsedKeys.set(privateKey, { passphrase, key });
  return key;
}

/**
 * The login methods to try, in order, each with its credential: public key, then password, then
 * keyboard-interactive answered with the password (many network OSes put password login behind it,
 * with one prompt). No `none` probe first, as ssh2 sends by default: it only asks the server which
 * methods it takes, and costs every new session a round trip and two packets.
 */
export function authMethods(target: SshTarget): AnyAuthMethod[] {
  const username = target.username;
  const methods: AnyAuthMethod[] = [];
  if (target.privateKey) {
    methods.push({
      type: 'publickey',
      username,
      key: parsedPrivateKey(target.privateKey, target.passphrase),
    });
  }
  const password = target.password;
  if (password) {
    methods.push({ type: 'password', username, password: password.reveal() });
    methods.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password.reveal())),
    });
  }
  return methods;
}

/**
 * The ssh2 options for a target: credentials from Secrets, keepalive, the connect deadline, and
 * the legacy algorithms only when the device opted in. Exported so the choices are testable.
 * Throws when the configured key cannot be parsed.
 */
export function sshConnectConfig(target: SshTarget, hostVerifier: (key: Buffer) => boolean): ConnectConfig {
  return {
    host: target.host,
    port: target.port,
    username: target.username,
    readyTimeout: target.connectTimeoutMs,
    keepaliveInterval: target.keepaliveIntervalMs,
    keepaliveCountMax: 3,
    hostVerifier,
    authHandler: authMethods(target),
    ...(target.legacyAlgorithms ? { algorithms: LEGACY_ALGORITHMS } : {}),
  };
}

export interface OpenOptions {
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Connects, checks the host key before any credential is offered (ssh2 verifies during key
 * exchange, which precedes user authentication), authenticates and opens `subsystem`. The whole
 * sequence is bounded by connectTimeoutMs.
 */
export function openSubsystem(
  target: SshTarget,
  subsystem: string,
  options: OpenOptions = {},
): Promise<SshChannel> {
  return openChannel(
    target,
    subsystem,
    `the ${subsystem} subsystem`,
    (c, cb) => c.subsys(subsystem, cb),
    options,
  );
}

export type PtyOptions = Pick<PseudoTtyOptions, 'term' | 'cols' | 'rows'>;

/**
 * Like openSubsystem, for an interactive shell on a pseudo-terminal: network CLIs only show
 * prompts, pagers and line editing to a pty. Same host-key, auth and deadline handling.
 */
export function openShell(
  target: SshTarget,
  pty: PtyOptions,
  options: OpenOptions = {},
): Promise<SshChannel> {
  return openChannel(target, 'shell', 'an interactive shell', (c, cb) => c.shell(pty, cb), options);
}

type ChannelOpener = (
  client: Client,
  callback: (err: Error | undefined, stream: ClientChannel) => void,
) => void;

function openChannel(
  target: SshTarget,
  subsystem: string,
  refusedWhat: string,
  open: ChannelOpener,
  options: OpenOptions,
): Promise<SshChannel> {
  // A child logger only when there is something to say: most connections never log.
  let child: Logger | undefined;
  const log = (): Logger => {
    child ??= (options.logger ?? silentLogger).child({ device: target.deviceId });
    return child;
  };
  if (!target.hostKey && !target.insecureAcceptAnyHostKey) {
    return Promise.reject(
      new DcAgentError(
        'host-key-mismatch',
        `no pinned host key for ${target.deviceId} and insecureAcceptAnyHostKey is off`,
        {
          details: { device: target.deviceId },
        },
      ),
    );
  }
  return new Promise<SshChannel>((resolve, reject) => {
    const client = new Client();
    let seenFingerprint = '';
    let hostKeyRejected = false;
    let settled = false;
    const closeListeners: Array<(err?: DcAgentError) => void> = [];
    let lastError: DcAgentError | undefined;

    const fail = (err: DcAgentError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // destroy() alone: ssh2's destroy() is a no-op once end() has half-closed the socket, and a
      // peer that never answers (a hung device) then kept the socket, and the process, alive.
      client.destroy();
      reject(err);
    };

    const timer = setTimeout(() => {
      fail(
        new DcAgentError(
          'timeout',
          `SSH to ${target.host}:${target.port} did not open ${subsystem} within ${target.connectTimeoutMs} ms`,
          {
            details: { device: target.deviceId, phase: CONNECT_PHASE },
          },
        ),
      );
    }, target.connectTimeoutMs);

    const onAbort = (): void => {
      const reason: unknown = options.signal?.reason;
      fail(
        isDcAgentError(reason)
          ? reason
          : new DcAgentError('timeout', `connecting to ${target.deviceId} was aborted`, { cause: reason }),
      );
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const hostVerifier = (key: Buffer): boolean => {
      seenFingerprint = sshFingerprint(key);
      if (target.hostKey) {
        if (sameFingerprint(seenFingerprint, target.hostKey)) return true;
        hostKeyRejected = true;
        log().error(
          { expected: target.hostKey, presented: seenFingerprint },
          'SSH host key does not match the pinned key',
        );
        return false;
      }
      log().warn(
        { presented: seenFingerprint },
        'accepting SSH host key without verification (insecureAcceptAnyHostKey); pin it with hostKey',
      );
      return true;
    };

    client.on('error', (err: Error) => {
      const mapped = hostKeyRejected
        ? new DcAgentError(
            'host-key-mismatch',
            `host key of ${target.host}:${target.port} is ${seenFingerprint}, not the pinned ${target.hostKey}`,
            {
              cause: err,
              details: { device: target.deviceId, presented: seenFingerprint, expected: target.hostKey },
            },
          )
        : mapSshError(err, target);
      lastError = mapped;
      if (!settled) fail(mapped);
      else log().warn({ err: mapped.message, code: mapped.code }, 'SSH connection error');
    });

    client.on('close', () => {
      if (!settled) {
        fail(
          lastError ??
            new DcAgentError(
              'unreachable',
              `SSH connection to ${target.host}:${target.port} closed during setup`,
            ),
        );
        return;
      }
      for (const l of closeListeners.splice(0)) l(lastError);
    });

    client.on('ready', () => {
      open(client, (err, stream: ClientChannel) => {
        if (err) {
          fail(
            new DcAgentError(
              'unreachable',
              `device ${target.deviceId} refused ${refusedWhat}: ${err.message}`,
              {
                cause: err,
                details: { device: target.deviceId },
              },
            ),
          );
          return;
        }
        if (settled) {
          stream.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        stream.on('close', () => client.end());
        resolve({
          stream,
          hostKeyFingerprint: seenFingerprint,
          close: () => {
            stream.end();
            client.end();
          },
          onClose: (l) => closeListeners.push(l),
        });
      });
    });

    try {
      client.connect(sshConnectConfig(target, hostVerifier));
    } catch (err) {
      // A malformed key throws here; the message names the problem, not the key.
      fail(
        new DcAgentError('auth-failed', `cannot use the configured SSH credentials: ${errorMessage(err)}`, {
          cause: err,
          details: { device: target.deviceId },
        }),
      );
    }
  });
}
