// An in-memory SNMP "session" with the get/walk surface the resolver, the adapters and the
// poller use. It reads .snmprec text, so unit tests run on the same fixtures as the interop
// tests against snmpsimd, without a socket. Every request is logged for assertions on batching.
import { readFileSync } from 'node:fs';
import { compareOids, SnmpError, type Varbind, VarbindType } from '../../drivers/transport/snmp.js';

const SNMPREC_TYPES: Record<string, number> = {
  '2': VarbindType.Integer,
  '4': VarbindType.OctetString,
  '6': VarbindType.OID,
  '64': VarbindType.IpAddress,
  '65': VarbindType.Counter32,
  '66': VarbindType.Gauge32,
  '67': VarbindType.TimeTicks,
  '70': VarbindType.Counter64,
};

/** One snmprec line's value the way net-snmp would hand it over. */
function parseValue(tag: string, raw: string): Varbind['value'] & unknown {
  const [type, variation] = tag.split(':');
  let text = raw;
  let hex = type?.endsWith('x') ?? false;
  if (variation === 'writecache') {
    const settings = Object.fromEntries(raw.split(',').map((kv) => kv.split('=') as [string, string]));
    if (settings.hexvalue !== undefined) {
      text = settings.hexvalue;
      hex = true;
    } else text = settings.value ?? '';
  }
  const base = (type ?? '').replace(/x$/, '');
  if (base === '4') return hex ? Buffer.from(text, 'hex') : Buffer.from(text, 'latin1');
  if (base === '6') return text;
  if (base === '70') return Buffer.from(BigInt(text).toString(16).padStart(16, '0'), 'hex');
  return Number(text);
}

export function parseSnmprec(text: string): Map<string, Varbind> {
  const out = new Map<string, Varbind>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const first = line.indexOf('|');
    const second = line.indexOf('|', first + 1);
    const oid = line.slice(0, first);
    const tag = line.slice(first + 1, second);
    const type = SNMPREC_TYPES[(tag.split(':')[0] ?? '').replace(/x$/, '')];
    if (type === undefined) throw new Error(`unsupported snmprec type ${tag} at ${oid}`);
    out.set(oid, { oid, type, value: parseValue(tag, line.slice(second + 1)) });
  }
  return out;
}

export class MemorySnmp {
  readonly values: Map<string, Varbind>;
  readonly gets: string[][] = [];
  readonly walks: string[] = [];
  /** A GET with more varbinds than this fails with tooBig. */
  maxVarbinds = Number.POSITIVE_INFINITY;
  /** Every request fails with this while set. */
  failWith: Error | undefined;
  #sorted: Varbind[] | undefined;

  constructor(values: Map<string, Varbind> = new Map()) {
    this.values = values;
  }

  static fromSnmprec(text: string): MemorySnmp {
    return new MemorySnmp(parseSnmprec(text));
  }

  static fromFixture(path: string): MemorySnmp {
    return MemorySnmp.fromSnmprec(readFileSync(path, 'utf8'));
  }

  set(oid: string, type: number, value: unknown): this {
    if (!this.values.has(oid)) this.#sorted = undefined;
    this.values.set(oid, { oid, type, value });
    return this;
  }
  int(oid: string, value: number): this {
    return this.set(oid, VarbindType.Integer, value);
  }
  str(oid: string, value: string | Buffer): this {
    return this.set(
      oid,
      VarbindType.OctetString,
      typeof value === 'string' ? Buffer.from(value, 'latin1') : value,
    );
  }
  ticks(oid: string, value: number): this {
    return this.set(oid, VarbindType.TimeTicks, value);
  }
  delete(oid: string): this {
    if (this.values.delete(oid)) this.#sorted = undefined;
    return this;
  }

  get requestCount(): number {
    return this.gets.length + this.walks.length;
  }

  async get(oids: readonly string[]): Promise<Varbind[]> {
    this.gets.push([...oids]);
    if (this.failWith) throw this.failWith;
    if (oids.length > this.maxVarbinds) {
      throw new SnmpError('rpc-error', 'snmp-error', 'agent answered TooBig', { errorStatus: 1 });
    }
    return oids.map((oid) => this.values.get(oid) ?? { oid, type: VarbindType.NoSuchInstance, value: null });
  }

  async walk(baseOid: string): Promise<Varbind[]> {
    this.walks.push(baseOid);
    if (this.failWith) throw this.failWith;
    this.#sorted ??= [...this.values.values()].sort((a, b) => compareOids(a.oid, b.oid));
    const prefix = `${baseOid}.`;
    return this.#sorted.filter((vb) => vb.oid.startsWith(prefix));
  }

  close(): void {}
}
