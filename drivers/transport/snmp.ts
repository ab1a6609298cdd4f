// Over 400 lines: the agent's one seam to net-snmp (sessions, its types, its errors translated) and to the v2c GET client, kept whole.
import type { Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import { DEFAULTS } from '../../config/defaults.js';
import type { SnmpSettings } from '../../config/load.js';
import { snmpRequestWorstMs } from '../../config/timing.js';
import { DcAgentError, type ErrorCode, type ErrorOptions } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { Semaphore } from '../../core/semaphore.js';
import { CommunityGet } from './snmp-community-get.js';

/**
 * One SNMP session per device: v2c GETs on a socket of our own (snmp-community-get.ts), walks,
 * SNMPv3 and the answers that client does not read through net-snmp. Every failure leaves as one
 * SnmpError with a contract reason (`snmp-timeout`, `snmp-auth`, `snmp-error`) and every request
 * passes the device's and the agent's in-flight caps.
 *
 * net-snmp ships no types; the slice used here is declared below and loaded through
 * createRequire so the rest of the code base never sees an untyped import.
 */

export interface Varbind {
  readonly oid: string;
  readonly type: number;
  readonly value: unknown;
}

/** ASN.1 / SMI type tags as net-snmp reports them in `Varbind.type`. */
export const VarbindType = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  OID: 6,
  IpAddress: 64,
  Counter32: 65,
  Gauge32: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;

/** RFC 3416 error-status values the poller acts on. */
export const ErrorStatus = { tooBig: 1, noSuchName: 2, genErr: 5 } as const;

type Callback<T> = (err: Error | null, result?: T) => void;

export interface NetSnmpSession {
  get(oids: readonly string[], cb: Callback<Varbind[]>): void;
  getBulk(
    oids: readonly string[],
    nonRepeaters: number,
    maxRepetitions: number,
    cb: Callback<Varbind[][]>,
  ): void;
  set(varbinds: readonly Varbind[], cb: Callback<Varbind[]>): void;
  /** Sends a trap (v2c/v3: `typeOrOid` is the snmpTrapOID; the lab's switches use it). */
  trap(typeOrOid: string, varbinds: readonly Varbind[], cb: (err: Error | null) => void): void;
  close(): void;
  on(event: 'error' | 'close', listener: (err?: Error) => void): void;
  /** Set by net-snmp once an SNMPv3 engine answered discovery (internal, read only as a hint). */
  msgSecurityParameters?: unknown;
}

export interface NetSnmpUser {
  name: string;
  level: number;
  authProtocol?: number;
  authKey?: string;
  privProtocol?: number;
  privKey?: string;
}

/** net-snmp's trap receiver (agent/traps/receiver.ts). */
export interface NetSnmpReceiver {
  getAuthorizer(): { addCommunity(c: string): void; addUser(u: NetSnmpUser): void };
  close(cb?: () => void): void;
  /** Internal: the bound sockets, read once to learn whether the bind worked. */
  listener: { sockets?: Record<string, Socket> };
}

export interface NetSnmpModule {
  Version2c: number;
  Version3: number;
  SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  AuthProtocols: Record<'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512', number>;
  PrivProtocols: Record<'des' | 'aes' | 'aes256b' | 'aes256r', number>;
  ResponseInvalidCode: Record<string, number>;
  RequestTimedOutError: new (message: string) => Error;
  createSession(host: string, community: string, options: Record<string, unknown>): NetSnmpSession;
  createV3Session(host: string, user: NetSnmpUser, options: Record<string, unknown>): NetSnmpSession;
  // biome-ignore lint/suspicious/noExplicitAny: test fakes use net-snmp's agent API as-is.
  createAgent(options: Record<string, unknown>, callback: (err: unknown) => void, mib?: unknown): any;
  createReceiver(
    options: Record<string, unknown>,
    callback: (err: unknown, data?: unknown) => void,
  ): NetSnmpReceiver;
  MibProviderType: { Scalar: number; Table: number };
  MaxAccess: Record<string, number>;
  ObjectType: Record<string, number>;
}

const require = createRequire(import.meta.url);
export const netSnmp = require('net-snmp') as NetSnmpModule;

/** Failure reasons of CONTRACT §4 that come from the transport (the poller adds `no-such-port`). */
export type SnmpFailureReason = 'snmp-timeout' | 'snmp-auth' | 'snmp-error';

export interface SnmpErrorOptions extends ErrorOptions {
  errorStatus?: number;
  errorOid?: string;
}

export class SnmpError extends DcAgentError {
  override readonly name = 'SnmpError';
  readonly reason: SnmpFailureReason;
  /** The agent's error-status when it answered with one (tooBig = 1, noSuchName = 2, …). */
  readonly errorStatus: number | undefined;
  /** The varbind the agent blamed, when it named one. */
  readonly errorOid: string | undefined;

  constructor(code: ErrorCode, reason: SnmpFailureReason, message: string, options: SnmpErrorOptions = {}) {
    super(code, message, { ...options, details: { ...(options.details ?? {}), reason } });
    this.reason = reason;
    this.errorStatus = options.errorStatus;
    this.errorOid = options.errorOid;
  }
}

export function isSnmpError(err: unknown): err is SnmpError {
  return err instanceof SnmpError || (err instanceof Error && err.name === 'SnmpError' && 'reason' in err);
}

/** Numeric, arc-by-arc OID order (string order puts 1.10 before 1.9). */
export function compareOids(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    const ea = a.indexOf('.', i);
    const eb = b.indexOf('.', j);
    const na = Number(a.slice(i, ea === -1 ? undefined : ea));
    const nb = Number(b.slice(j, eb === -1 ? undefined : eb));
    if (na !== nb) return na - nb;
    if (ea === -1 || eb === -1) {
      if (ea === eb) return 0;
      return ea === -1 ? -1 : 1;
    }
    i = ea + 1;
    j = eb + 1;
  }
}

export interface SnmpTarget {
  /** Device id, for messages. */
  readonly id: string;
  readonly host: string;
  readonly snmp: Readonly<SnmpSettings>;
}

export interface SnmpSessionOptions {
  /** Cap on this device's requests in flight (config monitoring.maxInFlightPerDevice). */
  maxInFlight?: number;
  /** The agent-wide cap, shared by every session (config monitoring.maxInFlight). */
  agentLimit?: Semaphore;
  logger?: Logger;
  /** Test hook: a monotonic clock in ms. */
  now?: () => number;
}

/** Rows per GETBULK of a walk: 25 short column values fit a 1,500-byte datagram with room to spare. */
const WALK_MAX_REPETITIONS = 25;
/** Far more rows than any interface or entity table holds; beyond it the agent is looping. */
const WALK_MAX_ROWS = 200_000;

export interface WalkOptions {
  maxRepetitions?: number;
  /** A walk that grows beyond this is an agent looping or a table far bigger than expected. */
  maxRows?: number;
}

/** The device's SNMPv3 user as net-snmp takes it (sessions, and the trap receiver's authorizer). */
export function v3User(t: SnmpTarget): NetSnmpUser {
  const s = t.snmp;
  if (!s.user) throw new DcAgentError('invalid-config', `device ${t.id}: SNMPv3 needs a user`);
  const user: NetSnmpUser = { name: s.user, level: netSnmp.SecurityLevel.noAuthNoPriv };
  if (s.authProtocol && s.authKey) {
    user.level = netSnmp.SecurityLevel.authNoPriv;
    user.authProtocol = netSnmp.AuthProtocols[s.authProtocol];
    user.authKey = s.authKey.reveal();
    if (s.privProtocol && s.privKey) {
      user.level = netSnmp.SecurityLevel.authPriv;
      user.privProtocol = netSnmp.PrivProtocols[s.privProtocol];
      user.privKey = s.privKey.reveal();
    }
  }
  return user;
}

interface NodeSystemError extends Error {
  code?: string;
  status?: number;
}

/** net-snmp's session lent to one request, and the function that gives it back (once). */
interface Borrowed {
  readonly session: NetSnmpSession;
  readonly giveBack: () => void;
}

/** What the agent asks of an SNMP session: SnmpSession answers it, tests hand in fakes. */
export interface SnmpReader {
  get(oids: readonly string[]): Promise<Varbind[]>;
  walk(baseOid: string): Promise<Varbind[]>;
}

export class SnmpSession implements SnmpReader {
  readonly deviceId: string;
  readonly host: string;
  readonly port: number;
  readonly version: '2c' | '3';
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoff: number;
  /**
   * net-snmp's session. SNMPv3: every request, for the session's life. v2c: only walks and the
   * answers CommunityGet leaves to it, so it is opened for those and closed once none runs (a
   * socket per device is enough for the polls).
   */
  #session: NetSnmpSession | undefined;
  #sessionUsers = 0;
  readonly #openSession: () => NetSnmpSession;
  /** v2c GETs: encoded once per OID set and read in place (snmp-community-get.ts). */
  readonly #community: CommunityGet | undefined;
  readonly #deviceLimit: Semaphore;
  readonly #agentLimit: Semaphore | undefined;
  readonly #log: Logger;
  readonly #now: () => number;
  #closed = false;
  /** Whether an authenticated request ever got an answer on this session. */
  #answered = false;
  #lastMalformedAt = Number.NEGATIVE_INFINITY;
  #lastMalformed = '';

  constructor(target: SnmpTarget, options: SnmpSessionOptions = {}) {
    const s = target.snmp;
    this.deviceId = target.id;
    this.host = target.host;
    this.port = s.port;
    this.version = s.version;
    this.timeoutMs = s.timeoutMs;
    this.retries = s.retries;
    this.backoff = s.backoff;
    this.#deviceLimit = new Semaphore(options.maxInFlight ?? DEFAULTS.snmpMaxInFlightPerDevice);
    this.#agentLimit = options.agentLimit;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => performance.now());
    const common: Record<string, unknown> = {
      port: s.port,
      timeout: s.timeoutMs,
      retries: s.retries,
      // net-snmp multiplies the wait by this on each retransmission, keeping the request id, so a
      // late answer to an earlier try still lands while the next try is out.
      backoff: this.backoff,
      // Reject a reply whose OIDs are not the ones asked for, position by position: otherwise a
      // confused agent's values would land on the wrong ports.
      reportOidMismatchErrors: true,
      transport: isIPv6(target.host) ? 'udp6' : 'udp4',
    };
    // An unparsable datagram surfaces as an 'error' event, which would crash the process if
    // nobody listened. It cannot be tied to a request (its request id is unreadable), so it is
    // remembered and named when a request then times out.
    const unreadable = (message: string) => {
      this.#lastMalformedAt = this.#now();
      this.#lastMalformed = message;
      this.#log.warn({ device: this.deviceId, err: message }, 'malformed SNMP datagram dropped');
    };
    const listen = (session: NetSnmpSession) => {
      session.on('error', (err) => unreadable(err instanceof Error ? err.message : String(err)));
      return session;
    };
    if (s.version === '3') {
      const user = v3User(target);
      const options = { ...common, version: netSnmp.Version3, ...(s.context ? { context: s.context } : {}) };
      this.#openSession = () => listen(netSnmp.createV3Session(target.host, user, options));
      this.#session = this.#openSession();
      this.#community = undefined;
    } else {
      // net-snmp defaults to SNMPv1; the version is always set explicitly.
      const community = s.community?.reveal();
      if (!community)
        throw new DcAgentError('invalid-config', `device ${target.id}: SNMP v2c needs a community`);
      const options = { ...common, version: netSnmp.Version2c };
      this.#openSession = () => listen(netSnmp.createSession(target.host, community, options));
      this.#community = new CommunityGet({
        host: target.host,
        port: s.port,
        community,
        timeoutMs: s.timeoutMs,
        retries: s.retries,
        backoff: s.backoff,
        worstMs: snmpRequestWorstMs(s),
        fallback: (oids, cb, leftMs) => this.#askAgain(oids, cb, leftMs),
        onUnreadable: unreadable,
        onSocketError: (err) =>
          this.#log.warn(
            { device: this.deviceId, err: err.message },
            'SNMP socket failed; a new one is opened',
          ),
      });
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** GET requests sent from an encoded template rather than encoded again (tests, benches). */
  get reusedRequests(): number {
    return this.#community?.reused ?? 0;
  }

  /** GetResponses read in place rather than by net-snmp (tests, benches). */
  get plainResponses(): number {
    return this.#community?.plain ?? 0;
  }

  /** Whether net-snmp's session is open now (v2c: only while a walk or a fallback runs). */
  get netSnmpOpen(): boolean {
    return this.#session !== undefined;
  }

  get(oids: readonly string[]): Promise<Varbind[]> {
    const community = this.#community;
    if (community) return this.#request((cb) => community.get(oids, cb));
    return this.#request((cb) => this.#session!.get(oids, cb));
  }

  getBulk(oids: readonly string[], nonRepeaters: number, maxRepetitions: number): Promise<Varbind[][]> {
    return this.#request((cb) => {
      const { session, giveBack } = this.#borrow();
      session.getBulk(oids, nonRepeaters, maxRepetitions, (err, rows) => {
        giveBack();
        cb(err, rows);
      });
    });
  }

  /**
   * An answer CommunityGet does not read: the same GET through net-snmp, which judges that answer,
   * within what is left of the GET's worst case (`leftMs`), so the bound config/timing.ts gives a
   * poll (and the poll lease relies on) holds however the device answers.
   */
  #askAgain(oids: readonly string[], cb: Callback<Varbind[]>, leftMs: number): void {
    let borrowed: Borrowed;
    try {
      borrowed = this.#borrow();
    } catch (err) {
      cb(err as Error);
      return;
    }
    let settled = false;
    const askedAt = this.#now();
    const deadline = setTimeout(
      () => {
        if (settled) return;
        settled = true;
        // net-snmp's request runs on to its own end (and gives its session back then); its answer
        // is dropped. An answer it could not parse is named as its timeout would name it (#translate).
        if (this.#lastMalformedAt >= askedAt) {
          cb(new netSnmp.RequestTimedOutError('Request timed out'));
          return;
        }
        cb(
          new SnmpError(
            'timeout',
            'snmp-timeout',
            this.#where(
              `answered in a form only net-snmp reads, and the same GET asked again got no answer within the rest of ${snmpRequestWorstMs(this)} ms`,
            ),
            { details: { device: this.deviceId } },
          ),
        );
      },
      Math.max(1, leftMs),
    );
    borrowed.session.get(oids, (err, varbinds) => {
      borrowed.giveBack();
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      cb(err, varbinds);
    });
  }

  /**
   * net-snmp's session, opened if need be. Each borrow is given back once its request ended, at
   * most once however often net-snmp calls back (a failed resend calls back and stays registered).
   */
  #borrow(): Borrowed {
    if (this.#closed) throw new SnmpError('lifecycle', 'snmp-error', this.#where('session is closed'));
    const giveBack = this.#hold();
    this.#session ??= this.#openSession();
    return { session: this.#session, giveBack };
  }

  /** Keeps net-snmp's session from closing until the returned function is called (once counts). */
  #hold(): () => void {
    this.#sessionUsers++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      if (--this.#sessionUsers > 0 || !this.#community) return;
      // v2c: a socket held between walks would be a second one per device for nothing.
      const session = this.#session;
      this.#session = undefined;
      this.#closeSession(session);
    };
  }

  #closeSession(session: NetSnmpSession | undefined): void {
    try {
      session?.close();
    } catch {
      // Closing a socket that failed to open throws; there is nothing left to release.
    }
  }

  /** Every object under `baseOid`, in order, by GETBULK. */
  async walk(baseOid: string, options: WalkOptions = {}): Promise<Varbind[]> {
    const maxRepetitions = options.maxRepetitions ?? WALK_MAX_REPETITIONS;
    const maxRows = options.maxRows ?? WALK_MAX_ROWS;
    // One net-snmp session for every page of the walk, not one per GETBULK.
    const release = this.#hold();
    try {
      return await this.#pages(baseOid, maxRepetitions, maxRows);
    } finally {
      release();
    }
  }

  async #pages(baseOid: string, maxRepetitions: number, maxRows: number): Promise<Varbind[]> {
    const prefix = `${baseOid}.`;
    const rows: Varbind[] = [];
    let cursor = baseOid;
    for (;;) {
      const [column] = await this.getBulk([cursor], 0, maxRepetitions);
      if (!column || column.length === 0) return rows;
      for (const vb of column) {
        if (vb.type >= VarbindType.NoSuchObject || !vb.oid.startsWith(prefix)) return rows;
        // An agent that answers GETNEXT with the same or an earlier OID would loop us forever.
        if (compareOids(vb.oid, cursor) <= 0) {
          throw new SnmpError(
            'rpc-error',
            'snmp-error',
            this.#where(`walk of ${baseOid} went backwards at ${vb.oid}`),
          );
        }
        rows.push(vb);
        cursor = vb.oid;
      }
      if (rows.length > maxRows) {
        throw new SnmpError(
          'rpc-error',
          'snmp-error',
          this.#where(`walk of ${baseOid} exceeded ${maxRows} rows`),
        );
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#community?.close();
    const session = this.#session;
    this.#session = undefined;
    this.#closeSession(session);
  }

  async #request<T>(send: (cb: Callback<T>) => void): Promise<T> {
    if (this.#closed) throw new SnmpError('lifecycle', 'snmp-error', this.#where('session is closed'));
    // The fast path takes both permits synchronously: no promise, no queue, nearly always.
    if (!this.#deviceLimit.tryAcquire()) await this.#deviceLimit.acquire();
    const agent = this.#agentLimit;
    if (agent && !agent.tryAcquire()) {
      try {
        await agent.acquire();
      } catch (err) {
        this.#deviceLimit.release();
        throw err;
      }
    }
    if (this.#closed) {
      // Closed while this request waited for a permit: nothing may open a socket now.
      agent?.release();
      this.#deviceLimit.release();
      throw new SnmpError('lifecycle', 'snmp-error', this.#where('session is closed'));
    }
    const started = this.#now();
    try {
      return await new Promise<T>((resolve, reject) => {
        send((err, result) => {
          // Our own errors (a closed session, the second ask's deadline) are already the contract's.
          if (err) reject(isSnmpError(err) ? err : this.#translate(err, started));
          else {
            this.#answered = true;
            resolve(result as T);
          }
        });
      });
    } finally {
      agent?.release();
      this.#deviceLimit.release();
    }
  }

  #where(message: string): string {
    return `device ${this.deviceId} (${this.host}:${this.port}, SNMP v${this.version}): ${message}`;
  }

  /** The one place where net-snmp's errors become project errors. */
  #translate(raw: Error, started: number): SnmpError {
    const err = raw as NodeSystemError;
    const details = { device: this.deviceId };
    switch (err.name) {
      case 'RequestTimedOutError': {
        if (this.#lastMalformedAt >= started) {
          return new SnmpError(
            'rpc-error',
            'snmp-error',
            this.#where(`malformed reply (${this.#lastMalformed}); no usable answer`),
            { details, retryable: true },
          );
        }
        const tries = `${this.retries + 1} tr${this.retries === 0 ? 'y' : 'ies'}`;
        const waited =
          this.backoff === 1 || this.retries === 0
            ? `${tries} of ${this.timeoutMs} ms`
            : `${tries} from ${this.timeoutMs} ms with backoff ${this.backoff} (${snmpRequestWorstMs(this)} ms)`;
        // A v3 engine that answered discovery but never a request drops our packets for a
        // security reason: USM discards a wrong key or user silently in most agents (RFC 3414
        // only reports them when it can). Once a request has been answered, the same silence
        // is an outage instead.
        if (this.version === '3' && !this.#answered && this.#session?.msgSecurityParameters !== undefined) {
          return new SnmpError(
            'auth-failed',
            'snmp-auth',
            this.#where(
              `the engine answered discovery but not the request (${waited}): most likely a wrong user, auth/priv key or protocol, or context (USM drops those silently)`,
            ),
            { details },
          );
        }
        const hint =
          this.version === '3'
            ? 'device down, unreachable, or not speaking SNMPv3'
            : 'device down, unreachable, wrong community, or an ACL dropping us';
        return new SnmpError('timeout', 'snmp-timeout', this.#where(`no answer after ${waited} (${hint})`), {
          details,
        });
      }
      case 'ResponseInvalidError': {
        const code = (err as { code?: number }).code;
        const rc = netSnmp.ResponseInvalidCode;
        if (code === rc.EAuthFailure || code === rc.ECouldNotDecrypt) {
          // net-snmp's own wording carries digests or cipher internals; say what an operator checks.
          const what =
            code === rc.ECouldNotDecrypt
              ? 'the reply could not be decrypted (wrong priv key or priv protocol)'
              : err.message.startsWith('Authentication digest')
                ? 'the reply failed authentication (wrong auth key or auth protocol)'
                : `the agent reported ${err.message}`;
          return new SnmpError('auth-failed', 'snmp-auth', this.#where(`authentication failed: ${what}`), {
            details,
          });
        }
        // net-snmp's wording for this one quotes both communities, ours included.
        const why =
          code === rc.ECommunityNoMatch
            ? 'the reply carried another community than the request'
            : err.message;
        return new SnmpError('rpc-error', 'snmp-error', this.#where(`invalid reply: ${why}`), {
          details,
          retryable: true,
        });
      }
      case 'RequestFailedError': {
        const status = err.status;
        // net-snmp names the blamed varbind only inside the message ("NoSuchName: 1.3.6…").
        const blamed = /: ([0-9.]+)$/.exec(err.message)?.[1];
        return new SnmpError('rpc-error', 'snmp-error', this.#where(`agent answered ${err.message}`), {
          details,
          retryable: true,
          ...(status !== undefined ? { errorStatus: status } : {}),
          ...(blamed ? { errorOid: blamed } : {}),
        });
      }
      default: {
        if (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
          return new SnmpError(
            'unreachable',
            'snmp-error',
            this.#where(`cannot send: ${err.code} ${err.message}`),
            {
              details,
            },
          );
        }
        if (err.message === 'Socket forcibly closed') {
          return new SnmpError(
            'lifecycle',
            'snmp-error',
            this.#where('session closed while a request was pending'),
            {
              details,
            },
          );
        }
        // No `cause`: net-snmp attaches the v3 user (keys included) to some of its errors.
        return new SnmpError('rpc-error', 'snmp-error', this.#where(err.message), { details });
      }
    }
  }
}
