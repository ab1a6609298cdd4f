// Over 400 lines: one wire client (encoding, retries, the in-place reader and the hand-over to net-snmp), kept whole because the reader walks the bytes the encoder wrote.
import { createSocket, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';

/**
 * SNMPv2c GETs sent and read here, on a socket of our own, instead of through a net-snmp session.
 *
 * A poll asks each device the same OIDs every interval. Through net-snmp each GET built a request
 * object, a message, a PDU and one object per OID, encoded them, looked the address up, and read
 * every answered OID into a string to compare it with the one asked (decisions 0008 and 0012).
 * Here a GET of an OID array the caller froze (the poll plan's PDUs) is encoded once; each
 * request copies those bytes and writes a fresh request id into them. An answer is read in place:
 * each answered OID's bytes are compared with the bytes the request carried at its place, and the
 * varbind carries the asked string itself.
 *
 * Only the plain answer is read here: a GetResponse with error-status 0 to a pending request, the
 * same version and community, every OID the one asked at its place, and each value of a type
 * below. Anything else (an error status, another OID, another type, too few or too many
 * varbinds) settles the request by asking the same OIDs again through net-snmp (`fallback`),
 * whose checks and errors stay the only ones. Timeouts, retries and backoff are net-snmp's rules,
 * and failures are net-snmp's own error classes, so callers handle one set of errors.
 */

interface BerReader {
  readonly offset: number;
  /** The length read by the last `readLength` (asn1-ber's getter). */
  readonly length: number;
  /** asn1-ber's own position, moved here past an element read in place. */
  _offset: number;
  readLength(offset: number): number | null;
  readSequence(tag?: number): number | null;
  readInt(): number | null;
  readString(tag?: number | null, retbuf?: boolean): Buffer | string | null;
  readByte(peek?: boolean): number | null;
  peek(): number | null;
}
interface BerWriter {
  readonly buffer: Buffer;
  startSequence(tag?: number): void;
  endSequence(): void;
  writeInt(value: number): void;
  writeString(value: string): void;
  writeOID(value: string): void;
  writeNull(): void;
}
// net-snmp's own copy of asn1-ber, whatever version an upgrade gives it: the encoding and the
// reading must agree with the library the rest of the agent's SNMP goes through.
const fromNetSnmp = createRequire(createRequire(import.meta.url).resolve('net-snmp'));
const ber = fromNetSnmp('asn1-ber') as {
  BerReader: new (data: Buffer) => BerReader;
  BerWriter: new () => BerWriter;
};
const netSnmpErrors = createRequire(import.meta.url)('net-snmp') as {
  RequestTimedOutError: new (message: string) => Error;
};

/** The answer to a GET, position by position (net-snmp's varbind shape). */
export interface GetVarbind {
  oid: string;
  type: number;
  value: unknown;
}

export type GetCallback = (err: Error | null, varbinds?: GetVarbind[]) => void;

export interface CommunityGetOptions {
  readonly host: string;
  readonly port: number;
  readonly community: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoff: number;
  /** The longest one GET may take, all tries (config/timing.ts's `snmpRequestWorstMs`). */
  readonly worstMs: number;
  /**
   * Asks the same OIDs through net-snmp, for an answer this reader does not take as plain, within
   * `leftMs`: what is left of the GET's worst case.
   */
  readonly fallback: (oids: readonly string[], cb: GetCallback, leftMs: number) => void;
  /** A datagram that is no SNMP message at all (net-snmp's session would emit it as 'error'). */
  readonly onUnreadable?: (message: string) => void;
  /** The socket failed (it is closed, and a new one is made by the next GET). */
  readonly onSocketError?: (err: Error) => void;
  readonly random?: () => number;
}

const SEQUENCE = 0x30;
const OCTET_STRING = 0x04;
const OID_TAG = 0x06;
const GET_REQUEST = 0xa0;
const GET_RESPONSE = 0xa2;
/** SNMPv2c's version field. */
const V2C = 1;
const T = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  counter32: 0x41,
  gauge32: 0x42,
  timeTicks: 0x43,
  noSuchObject: 0x80,
  noSuchInstance: 0x81,
  endOfMibView: 0x82,
} as const;

/** Every id in [2^23, 2^31) is a four-byte INTEGER, so a template's id has one size and place. */
const ID_MIN = 0x0080_0000;
const ID_SPAN = 0x7fff_ffff - ID_MIN + 1;
/** Two ids whose four bytes all differ, each in the four-byte range. */
const PROBE_A = 0x1122_3344;
const PROBE_B = 0x2233_4455;

/** A request id: random, and always four bytes long once encoded. */
export function fourByteRequestId(random: () => number = Math.random): number {
  return ID_MIN + Math.floor(random() * ID_SPAN);
}

/** A GetRequest for some OIDs, encoded once; a request is a copy with its own id written in. */
interface Template {
  readonly bytes: Buffer;
  /** Where the four bytes of the request id's value are. */
  readonly idOffset: number;
  /** Where the community's bytes are, and how many. */
  readonly communityAt: number;
  readonly communityLength: number;
  /** Where the first varbind's SEQUENCE starts. */
  readonly varbindsAt: number;
}

function encode(community: string, id: number, oids: readonly string[]): Buffer {
  const w = new ber.BerWriter();
  w.startSequence();
  w.writeInt(V2C);
  w.writeString(community);
  w.startSequence(GET_REQUEST);
  w.writeInt(id);
  w.writeInt(0);
  w.writeInt(0);
  w.startSequence();
  for (const oid of oids) {
    w.startSequence();
    w.writeOID(oid);
    w.writeNull();
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

/**
 * The template of a GET of `oids`. The id's place is found by encoding with two ids that differ
 * in every byte, and the rest is read back from the bytes, so nothing assumes how asn1-ber
 * chose its lengths.
 */
export function templateOf(community: string, oids: readonly string[]): Template {
  const a = encode(community, PROBE_A, oids);
  const b = encode(community, PROBE_B, oids);
  let first = -1;
  let last = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (first === -1) first = i;
    last = i;
  }
  if (a.length !== b.length || last - first !== 3 || a.readUInt32BE(first) !== PROBE_A)
    throw new Error('asn1-ber encoded a four-byte request id otherwise than expected');
  const r = new ber.BerReader(a);
  r.readSequence(SEQUENCE);
  r.readInt();
  const communityAt = r.readLength(r.offset + 1)!;
  const communityLength = r.length;
  r._offset = communityAt + communityLength;
  r.readSequence(GET_REQUEST);
  r.readInt();
  r.readInt();
  r.readInt();
  r.readSequence(SEQUENCE);
  return { bytes: a, idOffset: first, communityAt, communityLength, varbindsAt: r.offset };
}

interface Pending {
  readonly id: number;
  readonly template: Template;
  readonly bytes: Buffer;
  readonly oids: readonly string[];
  readonly cb: GetCallback;
  /** performance.now() when the GET was asked. */
  readonly started: number;
  triesLeft: number;
  waitMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** Thrown inside the reader to hand the answer to net-snmp; never leaves this module. */
const NOT_PLAIN = Symbol('not plain');

function integer(r: BerReader, unsigned: boolean): number {
  const v = r.readInt();
  if (v === null || !Number.isInteger(v)) throw NOT_PLAIN;
  return unsigned ? v >>> 0 : v;
}

/** The value of type `type` as net-snmp's readVarbindValue reads it, for the plain types. */
function value(r: BerReader, type: number): unknown {
  switch (type) {
    case T.integer:
      return integer(r, false);
    case T.counter32:
    case T.gauge32:
    case T.timeTicks:
      return integer(r, true);
    case T.octetString: {
      const s = r.readString(null, true);
      if (s === null) throw NOT_PLAIN;
      return s;
    }
    case T.null:
    case T.noSuchObject:
    case T.noSuchInstance:
    case T.endOfMibView:
      // Tag and a zero length, as net-snmp reads them.
      if (r.readByte() === null || r.readByte() !== 0) throw NOT_PLAIN;
      return null;
    default:
      throw NOT_PLAIN;
  }
}

/** `a[aAt…aAt+n)` and `b[bAt…bAt+n)` hold the same bytes. */
function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}

/** The request id of a message, or undefined when it does not read as an SNMP v1/v2c message. */
function requestIdOf(buffer: Buffer): number | undefined {
  try {
    const r = new ber.BerReader(buffer);
    if (r.readSequence(SEQUENCE) === null || r.readInt() === null || r.peek() !== OCTET_STRING)
      return undefined;
    const at = r.readLength(r.offset + 1);
    if (at === null || at + r.length > buffer.length) return undefined;
    r._offset = at + r.length;
    if (r.readSequence() === null) return undefined;
    return r.readInt() ?? undefined;
  } catch {
    return undefined;
  }
}

/** The varbinds of `buffer` when it is the plain answer to `p`; else undefined. */
function plainAnswer(buffer: Buffer, p: Pending): GetVarbind[] | undefined {
  const t = p.template;
  const r = new ber.BerReader(buffer);
  if (r.readSequence(SEQUENCE) === null || r.readInt() !== V2C || r.peek() !== OCTET_STRING) return undefined;
  const communityAt = r.readLength(r.offset + 1);
  if (communityAt === null || communityAt + r.length > buffer.length) return undefined;
  if (r.length !== t.communityLength || !sameBytes(buffer, communityAt, p.bytes, t.communityAt, r.length))
    return undefined;
  r._offset = communityAt + r.length;
  if (r.peek() !== GET_RESPONSE || r.readSequence(GET_RESPONSE) === null) return undefined;
  if (r.readInt() !== p.id || r.readInt() !== 0 || r.readInt() !== 0) return undefined;
  if (r.readSequence(SEQUENCE) === null) return undefined;
  // The request's own bytes, walked alongside: equal OID bytes are the very OID asked.
  const sent = p.bytes;
  const q = new ber.BerReader(sent);
  q._offset = t.varbindsAt;
  const oids = p.oids;
  const varbinds = new Array<GetVarbind>(oids.length);
  for (let i = 0; i < oids.length; i++) {
    q.readSequence(SEQUENCE);
    const askedAt = q.readLength(q.offset + 1)!;
    const askedLength = q.length;
    // Past the OID and its NULL value, to the next varbind of the request.
    q._offset = askedAt + askedLength + 2;
    if (r.readSequence(SEQUENCE) === null || r.peek() !== OID_TAG) return undefined;
    // Compared where it lies, not sliced out: a view per varbind was a sixth of the garbage.
    const at = r.readLength(r.offset + 1);
    if (at === null || at + r.length > buffer.length) return undefined;
    if (r.length !== askedLength || !sameBytes(buffer, at, sent, askedAt, askedLength)) return undefined;
    r._offset = at + askedLength;
    const type = r.peek();
    if (type === null) return undefined;
    varbinds[i] = { oid: oids[i]!, type, value: value(r, type) };
  }
  // More varbinds than asked: net-snmp's check reports that.
  if (r.offset !== buffer.length) return undefined;
  return varbinds;
}

export class CommunityGet {
  readonly #o: CommunityGetOptions;
  readonly #random: () => number;
  readonly #pending = new Map<number, Pending>();
  /** Templates of the frozen OID arrays asked: a frozen array cannot differ from what was encoded. */
  readonly #templates = new WeakMap<readonly string[], Template>();
  #socket: Socket | undefined;
  #closed = false;
  /** Requests sent from a kept template, and answers read here (tests and the docs' figures). */
  reused = 0;
  plain = 0;

  constructor(options: CommunityGetOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    if (options.community.length === 0) throw new Error('a v2c community cannot be empty');
  }

  get(oids: readonly string[], cb: GetCallback): void {
    if (this.#closed) {
      cb(new Error('Socket forcibly closed'));
      return;
    }
    let template = this.#templates.get(oids);
    if (template) this.reused++;
    else {
      try {
        template = templateOf(this.#o.community, oids);
      } catch (err) {
        // An OID asn1-ber cannot write, failed as net-snmp fails it: through the callback.
        cb(err as Error);
        return;
      }
      if (Object.isFrozen(oids)) this.#templates.set(oids, template);
    }
    let id = fourByteRequestId(this.#random);
    while (this.#pending.has(id)) id = fourByteRequestId(this.#random);
    const bytes = Buffer.allocUnsafe(template.bytes.length);
    template.bytes.copy(bytes);
    bytes.writeUInt32BE(id, template.idOffset);
    const p: Pending = {
      id,
      template,
      bytes,
      oids,
      cb,
      started: performance.now(),
      triesLeft: this.#o.retries,
      waitMs: this.#o.timeoutMs,
      timer: undefined,
    };
    this.#pending.set(id, p);
    if (this.#pending.size === 1) this.#socket?.ref();
    this.#send(p);
  }

  /** Fails every pending GET as net-snmp's session does when closed, and frees the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = undefined;
    for (const p of [...this.#pending.values()]) this.#settle(p, new Error('Socket forcibly closed'));
    try {
      socket?.close();
    } catch {
      // Already closed by an error.
    }
  }

  #open(): Socket {
    if (this.#socket) return this.#socket;
    const socket = createSocket(isIPv6(this.#o.host) ? 'udp6' : 'udp4');
    // Like net-snmp's: the socket keeps the process alive only while a GET waits on it.
    if (this.#pending.size === 0) socket.unref();
    socket.on('message', (buffer: Buffer) => this.#onMessage(buffer));
    socket.on('error', (err) => {
      // A socket in error is closed; the pending GETs time out and the next one opens another.
      if (this.#socket === socket) this.#socket = undefined;
      try {
        socket.close();
      } catch {
        // Closed already.
      }
      this.#o.onSocketError?.(err);
    });
    this.#socket = socket;
    return socket;
  }

  #send(p: Pending): void {
    const socket = this.#socket ?? this.#open();
    clearTimeout(p.timer);
    // net-snmp's timeout, retries and backoff: each try waits `backoff` times longer than the one
    // before, same id and bytes, so a late answer to an earlier try still lands while the next try
    // is out. (The wait starts at the send, where net-snmp starts it once the send completed.)
    p.timer = setTimeout(() => this.#onTimeout(p), p.waitMs);
    p.waitMs *= Math.max(this.#o.backoff, 1);
    try {
      socket.send(p.bytes, this.#o.port, this.#o.host, (err) => {
        if (err && this.#pending.get(p.id) === p) this.#settle(p, err);
      });
    } catch (err) {
      // A send refused at once (the socket closed under us): failed as net-snmp fails it.
      this.#settle(p, err as Error);
    }
  }

  #onTimeout(p: Pending): void {
    if (this.#pending.get(p.id) !== p) return;
    if (p.triesLeft-- > 0) this.#send(p);
    else this.#settle(p, new netSnmpErrors.RequestTimedOutError('Request timed out'));
  }

  #settle(p: Pending, err: Error | null, varbinds?: GetVarbind[]): void {
    clearTimeout(p.timer);
    this.#pending.delete(p.id);
    if (this.#pending.size === 0) this.#socket?.unref();
    p.cb(err, varbinds);
  }

  #onMessage(buffer: Buffer): void {
    const id = requestIdOf(buffer);
    if (id === undefined) {
      this.#o.onUnreadable?.('a datagram that is not an SNMP v1/v2c message');
      return;
    }
    // An answer to no pending request (late, repeated, or not ours) is dropped, as net-snmp does.
    const p = this.#pending.get(id);
    if (!p) return;
    let varbinds: GetVarbind[] | undefined;
    try {
      varbinds = plainAnswer(buffer, p);
    } catch {
      varbinds = undefined;
    }
    if (varbinds) {
      this.plain++;
      this.#settle(p, null, varbinds);
      return;
    }
    // Not the plain case: net-snmp asks again and judges that answer (its errors are the contract's).
    clearTimeout(p.timer);
    this.#pending.delete(p.id);
    if (this.#pending.size === 0) this.#socket?.unref();
    this.#o.fallback(p.oids, p.cb, this.#o.worstMs - (performance.now() - p.started));
  }
}
