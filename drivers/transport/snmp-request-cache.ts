import { createRequire } from 'node:module';

/**
 * Encoded SNMP GET requests, reused. A poll asks a device the same OIDs every interval, and
 * net-snmp encodes each request from scratch (one BER writer pass per OID), which was a seventh of
 * the agent's CPU at 10,000 ports. A v1/v2c GetRequest differs from the previous one with the same
 * OIDs only in its request id, so the bytes net-snmp encoded once are copied and only the id is
 * written again.
 *
 * No BER is written here: the template is net-snmp's own encoding, and the id's place in it is
 * found by encoding the message twice with two ids that differ in every byte and comparing. Ids
 * are drawn from a range whose INTEGER encoding is always four bytes, so the id fits the same
 * place and no length changes. Anything else (SNMPv3, GETBULK, a message net-snmp encoded another
 * way) goes through net-snmp unchanged.
 */

interface BerReader {
  readonly offset: number;
  readSequence(tag?: number): number | null;
  readInt(): number | null;
  readString(): string | null;
  readOID(): string | null;
  readByte(): number | null;
}
// net-snmp's own copy of asn1-ber, the reader its messages are parsed with.
const fromNetSnmp = createRequire(createRequire(import.meta.url).resolve('net-snmp'));
const { BerReader } = fromNetSnmp('asn1-ber') as { BerReader: new (data: Buffer) => BerReader };

/** The slice of net-snmp's Message (internal: `req.message` of Session.send) this touches. */
export interface NetSnmpMessage {
  version: number;
  pdu: { type: number; id: number; varbinds: readonly { oid: string }[] };
  /** net-snmp's own cache of the encoded message: toBuffer returns it when set. */
  buffer?: Buffer;
  toBuffer(): Buffer;
}

interface Template {
  readonly bytes: Buffer;
  /** Where the four bytes of the request id's value are. */
  readonly idOffset: number;
}

const PDU_GET_REQUEST = 0xa0;
const SNMP_V3 = 3;
/** Every id in [2^23, 2^31) is a four-byte INTEGER (the top bit clear, the top byte needed). */
const ID_MIN = 0x0080_0000;
const ID_SPAN = 0x7fff_ffff - ID_MIN + 1;
/** Two ids whose four bytes all differ, each in the four-byte range. */
const PROBE_A = 0x1122_3344;
const PROBE_B = 0x2233_4455;

/** A request id net-snmp may use as its own: random, and always four bytes long once encoded. */
export function fourByteRequestId(random: () => number = Math.random): number {
  return ID_MIN + Math.floor(random() * ID_SPAN);
}

/**
 * The template of `message`, or undefined when its encoding does not hold the id as four bytes at
 * one place (then it is always left to net-snmp). Leaves the message without a buffer.
 */
export function templateOf(message: NetSnmpMessage): Template | undefined {
  const id = message.pdu.id;
  const encode = (probe: number) => {
    message.pdu.id = probe;
    message.buffer = undefined;
    return message.toBuffer();
  };
  const a = encode(PROBE_A);
  const b = encode(PROBE_B);
  message.pdu.id = id;
  message.buffer = undefined;
  if (a.length !== b.length) return undefined;
  let first = -1;
  let last = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (first === -1) first = i;
    last = i;
  }
  if (first === -1 || last - first !== 3 || a.readUInt32BE(first) !== PROBE_A) return undefined;
  // Read back once: the answer reader compares answered OIDs with these bytes (not with the
  // strings), so a template must be proven to spell the very OIDs asked.
  if (!spells(a, message.pdu.varbinds)) return undefined;
  return { bytes: a, idOffset: first };
}

/** The encoded GetRequest `bytes` asks exactly `varbinds`' OIDs, in order, with NULL values. */
function spells(bytes: Buffer, varbinds: readonly { oid: string }[]): boolean {
  try {
    const r = new BerReader(bytes);
    r.readSequence();
    r.readInt();
    r.readString();
    r.readSequence(PDU_GET_REQUEST);
    r.readInt();
    r.readInt();
    r.readInt();
    r.readSequence();
    for (const vb of varbinds) {
      r.readSequence();
      if (r.readOID() !== vb.oid || r.readByte() !== 0x05 || r.readByte() !== 0) return false;
    }
    return r.offset === bytes.length;
  } catch {
    return false;
  }
}

export class EncodedRequestCache {
  readonly #limit: number;
  /** By the OIDs asked, in order; Map order is insertion order, so the first key is the oldest. */
  readonly #templates = new Map<string, Template | null>();
  readonly #random: () => number;
  /**
   * The same templates by the caller's OID array: a poll asks each PDU's OIDs from one array that
   * lives as long as the device's poll plan, so the key string of ~50 OIDs (built and hashed per
   * request, the cache's own main cost) is needed only the first time.
   */
  readonly #byArray = new WeakMap<
    readonly string[],
    { oids: readonly string[]; template: Template | null }
  >();
  /** The OID array of the request being sent now (set around net-snmp's synchronous send). */
  #asked: readonly string[] | undefined;
  /** Requests whose bytes came from a template, for tests and the docs' figures. */
  hits = 0;

  /**
   * `limit` bounds the OID sets kept per session: a device's poll plan has a handful of PDUs, and a
   * rediscovery or an optics change makes new sets, after which the old ones are never asked again.
   */
  constructor(limit = 64, random: () => number = Math.random) {
    this.#limit = limit;
    this.#random = random;
  }

  get size(): number {
    return this.#templates.size;
  }

  /**
   * Gives a message about to be sent its bytes. A message that has them already is a
   * retransmission: it keeps its bytes and its id, so a late answer to the first try still matches.
   */
  prepare(message: NetSnmpMessage): void {
    if (message.buffer || message.version === SNMP_V3 || message.pdu.type !== PDU_GET_REQUEST) return;
    const asked = this.#asked;
    // What the array held when its template was made: an array changed since is not trusted.
    const known = asked && this.#byArray.get(asked);
    // A frozen array cannot have changed since its template was made: only its length is checked
    // (net-snmp's varbinds were built from it); any other is compared OID by OID.
    let template =
      known &&
      (known.oids === asked
        ? asked.length === message.pdu.varbinds.length
        : sameOids(known.oids, message.pdu.varbinds))
        ? known.template
        : undefined;
    if (template === undefined) {
      const key = oidKey(message.pdu.varbinds);
      template = this.#templates.get(key);
      if (template === undefined) {
        template = templateOf(message) ?? null;
        if (this.#templates.size >= this.#limit) this.#templates.delete(this.#templates.keys().next().value!);
        this.#templates.set(key, template);
      }
      if (asked && sameOids(asked, message.pdu.varbinds)) {
        this.#byArray.set(asked, { oids: Object.isFrozen(asked) ? asked : [...asked], template });
      }
    }
    if (template === null) return;
    const id = fourByteRequestId(this.#random);
    const bytes = Buffer.allocUnsafe(template.bytes.length);
    template.bytes.copy(bytes);
    bytes.writeUInt32BE(id, template.idOffset);
    message.pdu.id = id;
    message.buffer = bytes;
    this.hits++;
  }

  /**
   * Runs `send` (which must send synchronously, as net-snmp's v1/v2c get does) with `oids` known
   * as the request's OID array.
   */
  asking<T>(oids: readonly string[], send: () => T): T {
    this.#asked = oids;
    try {
      return send();
    } finally {
      this.#asked = undefined;
    }
  }
}

/**
 * The message asks exactly `oids`, in order. net-snmp's varbinds carry the very strings of the
 * array, so this is a pointer comparison per OID, against an array mutated after its first use.
 */
function sameOids(oids: readonly string[], varbinds: readonly { oid: string }[]): boolean {
  if (oids.length !== varbinds.length) return false;
  for (let i = 0; i < oids.length; i++) if (oids[i] !== varbinds[i]!.oid) return false;
  return true;
}

/**
 * One flat string (join): built by `+=` it was a rope of two objects per OID, and the templates'
 * keys alone were a tenth of the agent's live objects at 10,000 ports.
 */
function oidKey(varbinds: readonly { oid: string }[]): string {
  return varbinds.map((vb) => vb.oid).join(' ');
}

type Send = (req: { message: NetSnmpMessage }, noWait?: boolean) => unknown;

/**
 * Routes one net-snmp v1/v2c session's sends through `cache`: Session.send (internal) is wrapped on
 * that instance only, the one place every request and retransmission passes before its bytes
 * are taken. A net-snmp without it is left as it is.
 */
export function encodeThrough(session: object, cache: EncodedRequestCache): void {
  const s = session as { send?: Send };
  const send = s.send;
  if (typeof send !== 'function') return;
  s.send = function (this: unknown, req, noWait) {
    cache.prepare(req.message);
    return send.call(this, req, noWait);
  };
}
