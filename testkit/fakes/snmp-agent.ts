// A scriptable SNMP v1/v2c agent on a raw UDP socket. Real agents never send a malformed packet
// or a tooBig on demand, so fault tests drive this one instead; the benchmark simulator reuses
// it because answering from prebuilt byte strings is far cheaper than a full agent.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { firstAfter } from '../../lab/snmp/wire.js';
import {
  compareArcs,
  type DecodedRequest,
  decodeMessage,
  decodeOidContent,
  ERROR_STATUS,
  encodeInteger,
  encodeMessage,
  encodeNull,
  encodeOctets,
  encodeOid,
  oidContent,
  TAG,
  varbind,
} from '../../test/fakes/snmp-ber.js';

interface Entry {
  arcs: number[];
  oidTlv: Buffer;
  valueTlv: Buffer;
  /** The whole varbind, prebuilt: a GET answer is then one concat of these. */
  varbindTlv: Buffer;
}

/** One simulated device's objects, kept sorted for GETNEXT/GETBULK and hashed for GET. */
export class FakeMib {
  readonly #byKey = new Map<string, Entry>();
  #sorted: Entry[] | null = null;

  setRaw(oid: string, valueTlv: Buffer): this {
    const content = oidContent(oid);
    const key = content.toString('latin1');
    const existing = this.#byKey.get(key);
    if (existing) {
      existing.valueTlv = valueTlv;
      existing.varbindTlv = varbind(existing.oidTlv, valueTlv);
    } else {
      const oidTlv = encodeOid(oid);
      this.#byKey.set(key, {
        arcs: oid.split('.').map(Number),
        oidTlv,
        valueTlv,
        varbindTlv: varbind(oidTlv, valueTlv),
      });
      this.#sorted = null;
    }
    return this;
  }

  int(oid: string, value: number): this {
    return this.setRaw(oid, encodeInteger(value));
  }
  str(oid: string, value: string | Buffer): this {
    return this.setRaw(oid, encodeOctets(value));
  }
  ticks(oid: string, value: number): this {
    return this.setRaw(oid, encodeInteger(value, TAG.TimeTicks));
  }
  gauge(oid: string, value: number): this {
    return this.setRaw(oid, encodeInteger(value, TAG.Gauge32));
  }
  oid(oid: string, value: string): this {
    return this.setRaw(oid, encodeOid(value));
  }

  delete(oid: string): this {
    if (this.#byKey.delete(oidContent(oid).toString('latin1'))) this.#sorted = null;
    return this;
  }

  get size(): number {
    return this.#byKey.size;
  }

  getByKey(key: string): Entry | undefined {
    return this.#byKey.get(key);
  }

  /** The first entry strictly after `arcs`. */
  next(arcs: readonly number[]): Entry | undefined {
    if (!this.#sorted) this.#sorted = [...this.#byKey.values()].sort((a, b) => compareArcs(a.arcs, b.arcs));
    return firstAfter(this.#sorted, arcs);
  }
}

const NO_SUCH_INSTANCE = encodeNull(TAG.NoSuchInstance);
const END_OF_MIB = encodeNull(TAG.EndOfMibView);

/** Answers one decoded request from a MIB, the way a v2c agent does. */
export function answer(req: DecodedRequest, mib: FakeMib, maxVarbinds = Number.POSITIVE_INFINITY): Buffer {
  const base = { version: req.version, community: req.community, requestId: req.requestId };
  const out: Buffer[] = [];
  if (req.pduType === TAG.GetRequest) {
    if (req.varbinds.length > maxVarbinds)
      return encodeMessage({ ...base, errorStatus: ERROR_STATUS.tooBig, varbinds: [] });
    for (const vb of req.varbinds) {
      const e = mib.getByKey(vb.key);
      out.push(
        e
          ? varbind(e.oidTlv, e.valueTlv)
          : varbind(encodeOid(decodeOidContent(vb.content)), NO_SUCH_INSTANCE),
      );
    }
  } else if (req.pduType === TAG.GetNextRequest || req.pduType === TAG.GetBulkRequest) {
    const bulk = req.pduType === TAG.GetBulkRequest;
    const nonRep = bulk ? Math.max(0, req.field2) : req.varbinds.length;
    const reps = bulk ? Math.max(0, req.field3) : 0;
    const cursors = req.varbinds.map((vb) => decodeOidContent(vb.content));
    const step = (i: number) => {
      const e = mib.next(cursors[i]!);
      if (e) {
        cursors[i] = e.arcs;
        out.push(e.varbindTlv);
      } else out.push(varbind(encodeOid(cursors[i]!), END_OF_MIB));
    };
    for (let i = 0; i < Math.min(nonRep, cursors.length); i++) step(i);
    for (let r = 0; r < reps && out.length < maxVarbinds; r++) {
      for (let i = nonRep; i < cursors.length && out.length < maxVarbinds; i++) step(i);
    }
  } else if (req.pduType === TAG.SetRequest) {
    return encodeMessage({ ...base, errorStatus: ERROR_STATUS.readOnly, errorIndex: 1, varbinds: [] });
  } else {
    return encodeMessage({ ...base, errorStatus: ERROR_STATUS.genErr, varbinds: [] });
  }
  return encodeMessage({ ...base, varbinds: out });
}

export interface FakeAgentOptions {
  /** community → MIB; an unknown community gets no answer, as on real agents. */
  communities: Record<string, FakeMib>;
  /** A GET with more varbinds than this gets tooBig, like an agent whose reply would not fit. */
  maxVarbinds?: number;
  /**
   * Replaces the normal answer: return a Buffer to send instead, `null` to stay silent, or
   * `undefined` for the normal answer.
   */
  intercept?: (req: DecodedRequest, raw: Buffer, rinfo: RemoteInfo) => Buffer | null | undefined;
  host?: string;
  /** 0 picks a free port (dgram semantics, unlike net-snmp's createAgent). */
  port?: number;
}

export class FakeSnmpAgent {
  requests = 0;
  readonly received: DecodedRequest[] = [];
  recordRequests = false;

  private constructor(
    private readonly socket: Socket,
    private readonly options: FakeAgentOptions,
  ) {}

  static start(options: FakeAgentOptions): Promise<FakeSnmpAgent> {
    const socket = createSocket('udp4');
    const agent = new FakeSnmpAgent(socket, options);
    socket.on('message', (msg, rinfo) => agent.onMessage(msg, rinfo));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(agent);
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    this.requests++;
    let req: DecodedRequest;
    try {
      req = decodeMessage(msg);
    } catch {
      return;
    }
    if (this.recordRequests) this.received.push(req);
    const custom = this.options.intercept?.(req, msg, rinfo);
    if (custom === null) return;
    let reply = custom;
    if (reply === undefined) {
      const mib = this.options.communities[req.community];
      if (!mib) return;
      reply = answer(req, mib, this.options.maxVarbinds);
    }
    this.socket.send(reply, rinfo.port, rinfo.address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
