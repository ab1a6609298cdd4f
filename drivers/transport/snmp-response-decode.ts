import { createRequire } from 'node:module';

/**
 * GetResponses to our own v1/v2c GETs, read without an OID string per varbind. net-snmp turns
 * every answered OID into a string (asn1-ber's `readOID`: an array of arcs, then a join) only to
 * compare it with the OID asked; at 10,000 ports that was half of everything the agent allocated,
 * and most of its garbage collection (docs/decisions/0008). Here asn1-ber still reads every
 * element; each answered OID's bytes are compared with those of the OID the request carried at
 * its place (net-snmp's encoding of the string asked), and the varbind carries the asked string
 * itself.
 *
 * Only the plain case is read here: a v1/v2c GetResponse with error-status 0 to a pending simple
 * GET of this session, the same version and community, every OID the one asked at its place, and
 * each value of a type below. Anything else (an error status, a mismatch, an unknown type, a
 * malformed datagram, SNMPv3) goes to net-snmp's own `onMsg` untouched, so its errors and checks
 * stay the only ones.
 */

interface BerReader {
  readonly offset: number;
  /** The length read by the last `readLength` (asn1-ber's getter). */
  readonly length: number;
  /** asn1-ber's own position, moved here past an OID read in place. */
  _offset: number;
  /** The offset just past the length octets that start at `offset`; sets `length`. */
  readLength(offset: number): number | null;
  readSequence(tag?: number): number | null;
  readInt(): number | null;
  readString(tag?: number | null, retbuf?: boolean): Buffer | string | null;
  readByte(peek?: boolean): number | null;
  peek(): number | null;
}
// net-snmp's own copy of asn1-ber, resolved from net-snmp: the reader that must agree with it
// is the one it parses with, whatever version an upgrade gives it.
const fromNetSnmp = createRequire(createRequire(import.meta.url).resolve('net-snmp'));
const { BerReader } = fromNetSnmp('asn1-ber') as { BerReader: new (data: Buffer) => BerReader };
/** The asn1-ber internal the reader moves past an OID read in place; checked once. */
const READER_HAS_OFFSET = typeof (new BerReader(Buffer.alloc(1)) as Partial<BerReader>)._offset === 'number';

/** The slice of net-snmp's Session (internal) this touches. */
interface NetSnmpSessionInternals {
  dgram?: { listeners(event: 'message'): ((...args: unknown[]) => void)[] } & NodeJS.EventEmitter;
  reqs?: Record<number, PendingRequest | undefined>;
  proxy?: unknown;
  onSimpleGetResponse?: (req: PendingRequest, message: unknown) => void;
  unregisterRequest?: (id: number) => PendingRequest | null;
}

interface PendingRequest {
  message: {
    version: number;
    community?: string;
    pdu: { type: number; varbinds: readonly { oid: string }[] };
    /** The request as sent (net-snmp's Message keeps its encoding once sent). */
    buffer?: Buffer;
  };
  onResponse: (req: PendingRequest, message: unknown) => void;
  /** The caller's callback (Session.get's `responseCb`), which its feedCb calls on success. */
  responseCb: (err: Error | null, varbinds?: unknown) => void;
}

const SEQUENCE = 0x30;
const GET_REQUEST = 0xa0;
const GET_RESPONSE = 0xa2;
const OID_TAG = 0x06;
const NULL_TAG = 0x05;
const OCTET_STRING = 0x04;
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

/** Thrown inside the reader to hand the datagram to net-snmp; never leaves this module. */
const NOT_PLAIN = Symbol('not plain');

function integer(r: BerReader, unsigned: boolean): number {
  const v = r.readInt();
  if (v === null || !Number.isInteger(v)) throw NOT_PLAIN;
  return unsigned ? v >>> 0 : v;
}

/** Reads the value of type `type` as net-snmp's readVarbindValue would, for the plain types. */
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

/** What `read` found: the pending request and its varbinds, or nothing (net-snmp's turn). */
interface Plain {
  readonly id: number;
  readonly req: PendingRequest;
  readonly varbinds: { oid: string; type: number; value: unknown }[];
}

/**
 * `bytes[start…end)` are `text`, an ASCII string, byte for byte. A text with any other character is
 * never a match here: net-snmp decodes the community as UTF-8 and compares, so that case is its.
 */
function asciiBytesAre(bytes: Uint8Array, start: number, end: number, text: string | undefined): boolean {
  if (text === undefined || end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f || bytes[start + i] !== c) return false;
  }
  return true;
}

/** `a[aAt…aAt+n)` and `b[bAt…bAt+n)` hold the same bytes. */
function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}

/**
 * Moves `q`, a reader of a GetRequest this session sent, to its first varbind. The request was
 * encoded by net-snmp (or copied from its encoding, snmp-request-cache.ts), so a failure here is
 * only a net-snmp that encodes otherwise: the answer then goes to net-snmp.
 */
function toRequestVarbinds(q: BerReader): boolean {
  if (q.readSequence(SEQUENCE) === null || q.readInt() === null || q.peek() !== OCTET_STRING) return false;
  const at = q.readLength(q.offset + 1);
  if (at === null) return false;
  q._offset = at + q.length;
  if (q.readSequence(GET_REQUEST) === null) return false;
  if (q.readInt() === null || q.readInt() === null || q.readInt() === null) return false;
  return q.readSequence(SEQUENCE) !== null;
}

function read(session: NetSnmpSessionInternals, buffer: Buffer): Plain | undefined {
  const r = new BerReader(buffer);
  if (r.readSequence(SEQUENCE) === null) return undefined;
  const version = r.readInt();
  if (version !== 0 && version !== 1) return undefined;
  // The community is compared where it lies once the request is known, not read into a string.
  if (r.peek() !== OCTET_STRING) return undefined;
  const communityAt = r.readLength(r.offset + 1);
  if (communityAt === null || communityAt + r.length > buffer.length) return undefined;
  const communityEnd = communityAt + r.length;
  r._offset = communityEnd;
  if (r.peek() !== GET_RESPONSE) return undefined;
  r.readSequence(GET_RESPONSE);
  const id = r.readInt();
  if (id === null || r.readInt() !== 0 || r.readInt() !== 0) return undefined;
  const req = session.reqs?.[id];
  if (
    !req ||
    req.onResponse !== session.onSimpleGetResponse ||
    typeof req.responseCb !== 'function' ||
    req.message.pdu.type !== GET_REQUEST ||
    req.message.version !== version ||
    !asciiBytesAre(buffer, communityAt, communityEnd, req.message.community)
  )
    return undefined;
  const asked = req.message.pdu.varbinds;
  // Each answered OID is compared, byte for byte where it lies, with the OID the request carried
  // at its place: the bytes net-snmp encoded from the very string asked, so equal bytes are that
  // OID, with no decoding on either side.
  const sent = req.message.buffer;
  if (!sent) return undefined;
  const q = new BerReader(sent);
  if (!toRequestVarbinds(q)) return undefined;
  const varbinds: Plain['varbinds'] = new Array(asked.length);
  if (r.readSequence(SEQUENCE) === null) return undefined;
  for (let i = 0; i < asked.length; i++) {
    if (q.readSequence(SEQUENCE) === null || q.peek() !== OID_TAG) return undefined;
    const askedAt = q.readLength(q.offset + 1);
    if (askedAt === null || askedAt + q.length > sent.length) return undefined;
    const askedLength = q.length;
    // Past the OID and its NULL value, to the next varbind of the request.
    q._offset = askedAt + askedLength;
    if (q.readByte() !== NULL_TAG || q.readByte() !== 0) return undefined;
    if (r.readSequence(SEQUENCE) === null || r.peek() !== OID_TAG) return undefined;
    // Compared where it lies, not sliced out: a view per varbind was a sixth of the garbage.
    const at = r.readLength(r.offset + 1);
    if (at === null || at + r.length > buffer.length) return undefined;
    if (r.length !== askedLength || !sameBytes(buffer, at, sent, askedAt, askedLength)) return undefined;
    const oid = asked[i]!.oid;
    r._offset = at + r.length;
    const type = r.peek();
    if (type === null) return undefined;
    varbinds[i] = { oid, type, value: value(r, type) };
  }
  // More varbinds than asked: net-snmp's check reports that.
  if (r.offset !== buffer.length) return undefined;
  return { id, req, varbinds };
}

/**
 * Routes one net-snmp v1/v2c session's datagrams through the plain-case reader. A net-snmp
 * without the internals this needs is left as it is.
 */
export class ResponseDecoder {
  /** Responses read here rather than by net-snmp, for tests and the docs' figures. */
  hits = 0;

  /** False when this net-snmp lacks what the reader needs: the session then reads as before. */
  attach(session: object): boolean {
    const s = session as NetSnmpSessionInternals;
    const dgram = s.dgram;
    if (!dgram || typeof s.onSimpleGetResponse !== 'function' || typeof s.unregisterRequest !== 'function')
      return false;
    if (!READER_HAS_OFFSET) return false;
    const listeners = dgram.listeners('message');
    if (listeners.length !== 1) return false;
    const fallback = listeners[0]!;
    dgram.removeListener('message', fallback);
    dgram.on('message', (buffer: Buffer, rinfo: unknown) => {
      let plain: Plain | undefined;
      try {
        plain = s.proxy ? undefined : read(s, buffer);
      } catch {
        plain = undefined;
      }
      if (!plain) return fallback.call(dgram, buffer, rinfo);
      this.hits++;
      // What net-snmp's onMsg, onSimpleGetResponse and Session.get's feedCb do with a v1/v2c
      // GetResponse with error-status 0 and the OIDs asked, in order (all checked by `read`):
      // unregister the request, then hand the varbinds to its callback.
      const req = s.unregisterRequest!(plain.id);
      if (!req) return;
      req.responseCb(null, plain.varbinds);
    });
    return true;
  }
}
