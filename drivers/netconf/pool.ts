import type { DeviceConfig, NetconfSettings } from '../../config/load.js';
import { DcAgentError, errorMessage, isDcAgentError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { type SshTarget, sshTargetFrom } from '../transport/ssh.js';
import { NetconfSession, type SessionOptions } from './session.js';

/**
 * One long-lived NETCONF session per device, shared by every job for that device. Session setup
 * costs ~150 ms on loopback and far more across a WAN, against ~1 ms per RPC, so reuse is where
 * the speed comes from. A session idle for idleCloseSeconds is closed; a dead one is replaced on
 * the next use.
 */

export type SessionConnector = (device: DeviceConfig, signal?: AbortSignal) => Promise<NetconfSession>;

export interface NetconfPoolOptions {
  logger?: Logger;
  /** How sessions are made; the default dials the device over SSH. Tests inject their own. */
  connect?: SessionConnector;
}

interface Entry {
  device: DeviceConfig;
  session?: NetconfSession;
  connecting?: Promise<NetconfSession>;
  users: number;
  idleTimer?: NodeJS.Timeout;
}

function netconfOf(device: DeviceConfig): NetconfSettings {
  const nc = device.netconf;
  if (!nc) throw new DcAgentError('unsupported-platform', `device ${device.id} has no netconf settings`);
  return nc;
}

export function sshTargetFor(device: DeviceConfig): SshTarget {
  return sshTargetFrom(device.id, device.host, netconfOf(device));
}

export function sessionOptionsFor(
  device: DeviceConfig,
  logger?: Logger,
  signal?: AbortSignal,
): SessionOptions {
  const nc = netconfOf(device);
  return {
    deviceId: device.id,
    rpcTimeoutMs: nc.rpcTimeoutMs,
    helloTimeoutMs: nc.helloTimeoutMs,
    maxMessageBytes: nc.maxMessageBytes,
    firstReplyWatchdogMs: nc.firstReplyWatchdogMs,
    ...(logger ? { logger } : {}),
    ...(signal ? { signal } : {}),
  };
}

export class NetconfPool {
  readonly #entries = new Map<string, Entry>();
  readonly #log: Logger;
  readonly #connect: SessionConnector;
  #closed = false;
  /** Aborts every dial under way when the pool closes. */
  readonly #dials = new AbortController();

  constructor(options: NetconfPoolOptions = {}) {
    this.#log = options.logger ?? silentLogger;
    this.#connect =
      options.connect ??
      ((device, signal) =>
        NetconfSession.connect(sshTargetFor(device), sessionOptionsFor(device, this.#log, signal)));
  }

  /** Sessions currently open, for metrics and tests. */
  get size(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.session && !e.session.closed) n++;
    return n;
  }

  /**
   * Runs `fn` with the device's session, connecting first if there is none or it died. A session
   * that ends in a transport failure or a timeout is dropped, so the next call starts clean.
   */
  async withSession<T>(
    device: DeviceConfig,
    fn: (s: NetconfSession) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#closed) throw new DcAgentError('lifecycle', 'the NETCONF pool is closed');
    const entry = this.#entry(device);
    entry.users++;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    try {
      const session = await this.#sessionFor(entry, signal);
      try {
        return await fn(session);
      } catch (err) {
        // After a timeout the device may still be working on our RPC (and holding our lock);
        // only a fresh session is known to be in step.
        if (
          isDcAgentError(err) &&
          (err.code === 'timeout' || err.code === 'unreachable') &&
          !session.closed
        ) {
          this.#log.warn({ device: device.id, err: err.message }, 'dropping NETCONF session after failure');
          session.destroy(err);
        }
        throw err;
      }
    } finally {
      entry.users--;
      if (entry.users === 0) this.#armIdle(entry);
    }
  }

  #entry(device: DeviceConfig): Entry {
    let e = this.#entries.get(device.id);
    if (!e) {
      e = { device, users: 0 };
      this.#entries.set(device.id, e);
    }
    // The newest config wins, so a reload with a new password or host key takes effect on reconnect.
    e.device = device;
    return e;
  }

  /**
   * The device's session, dialling when there is none. One dial serves every caller that waits
   * for it, so it runs on the pool's own deadline (connect plus hello) and ends only with the pool,
   * never with one caller's signal: a caller that gives up stops waiting, the dial goes on for the
   * others, and its session stays in the pool for the next call.
   */
  #sessionFor(entry: Entry, signal?: AbortSignal): Promise<NetconfSession> {
    if (entry.session && !entry.session.closed) return Promise.resolve(entry.session);
    entry.session = undefined;
    if (!entry.connecting) {
      const id = entry.device.id;
      const nc = netconfOf(entry.device);
      const dialSignal = AbortSignal.any([
        this.#dials.signal,
        // ssh connect and the hello exchange each have connectTimeoutMs; this only backs them up.
        AbortSignal.timeout(2 * nc.connectTimeoutMs),
      ]);
      entry.connecting = this.#connect(entry.device, dialSignal)
        .then((s) => {
          entry.session = s;
          s.onClose((err) => {
            if (entry.session === s) entry.session = undefined;
            if (err) this.#log.info({ device: id, err: err.message }, 'NETCONF session ended');
          });
          this.#log.info({ device: id, sessionId: s.sessionId, framing: s.framing }, 'NETCONF session open');
          return s;
        })
        .finally(() => {
          entry.connecting = undefined;
        });
      // Every caller may have left by the time the dial fails; that must not be an unhandled rejection.
      entry.connecting.catch(() => {});
    }
    return raceSignal(entry.connecting, signal, entry.device.id);
  }

  #armIdle(entry: Entry): void {
    const seconds = netconfOf(entry.device).idleCloseSeconds;
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (entry.users > 0) return;
      const s = entry.session;
      entry.session = undefined;
      if (s && !s.closed) {
        this.#log.debug({ device: entry.device.id }, 'closing idle NETCONF session');
        s.close().catch((err: unknown) => this.#log.debug({ err: errorMessage(err) }, 'idle close failed'));
      }
    }, seconds * 1000);
    // An idle session must never keep the process alive on its own.
    entry.idleTimer.unref();
  }

  /** Closes one device's session (e.g. after its config changed). */
  async closeDevice(deviceId: string): Promise<void> {
    const e = this.#entries.get(deviceId);
    if (!e) return;
    this.#entries.delete(deviceId);
    if (e.idleTimer) clearTimeout(e.idleTimer);
    const s = e.session ?? (await e.connecting?.catch(() => undefined));
    await s?.close();
  }

  /** For shutdown: closes every session with close-session, in parallel. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    this.#dials.abort(new DcAgentError('lifecycle', 'the NETCONF pool is closed'));
    await Promise.all([...this.#entries.keys()].map((id) => this.closeDevice(id)));
  }
}

/** `p`, unless `signal` fires first: then this caller alone gets its abort reason. */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, deviceId: string): Promise<T> {
  if (!signal) return p;
  const aborted = (): DcAgentError => {
    const reason: unknown = signal.reason;
    if (isDcAgentError(reason)) return reason;
    return new DcAgentError('timeout', `waiting for the NETCONF session to ${deviceId} was aborted`, {
      cause: reason,
    });
  };
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
