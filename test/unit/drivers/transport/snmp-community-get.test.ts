// v2c GETs on a socket of our own (drivers/transport/snmp-community-get.ts) against net-snmp's own
// session: the same GETs, answered by one loopback agent, through net-snmp alone and through the
// client (with net-snmp behind it for what it does not read), must end alike, values and errors.
// The fake agent is there to see the raw datagrams and to send what a real agent will not on
// demand: wrong OIDs, error statuses, extra varbinds, truncated datagrams, a lost first try.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SnmpSettings } from '../../../../config/load.js';
import { Secret } from '../../../../core/secret.js';
import { OID } from '../../../../drivers/mib/mib.js';
import { netSnmp, SnmpSession } from '../../../../drivers/transport/snmp.js';
import {
  CommunityGet,
  fourByteRequestId,
  type GetCallback,
  templateOf,
} from '../../../../drivers/transport/snmp-community-get.js';
import { FakeMib, FakeSnmpAgent } from '../../../../testkit/fakes/snmp-agent.js';
import {
  type DecodedRequest,
  encodeInteger,
  encodeMessage,
  encodeNull,
  encodeOctets,
  encodeOid,
  oidContent,
  TAG,
  tlv,
  varbind,
} from '../../../fakes/snmp-ber.js';

// Below the interface table, so a walk of it never runs into these.
const B = '1.3.6.1.2.1.1.99';
const o = (i: number) => `${B}.${i}`;
const IFS = [501, 502, 503, 504];
const oper = (i: number) => `${OID.ifOperStatus}.${i}`;
const admin = (i: number) => `${OID.ifAdminStatus}.${i}`;

/** One object per type and edge: what both readers must agree on; and a few interfaces. */
function mib(): FakeMib {
  const m = new FakeMib()
    .setRaw(o(1), encodeInteger(-2_147_483_648))
    .setRaw(o(2), encodeInteger(2_147_483_647))
    .setRaw(o(3), encodeInteger(-3))
    .setRaw(o(4), encodeInteger(4_294_967_295, TAG.Counter32))
    .setRaw(o(5), encodeInteger(0, TAG.Gauge32))
    .setRaw(o(6), encodeInteger(123_456, TAG.TimeTicks))
    .setRaw(o(7), encodeOctets('100GE1/0/5'))
    .setRaw(o(8), encodeOctets(Buffer.alloc(0)))
    .setRaw(o(9), encodeOctets(Buffer.from([0, 0xff, 0x80])))
    .setRaw(o(10), encodeNull(TAG.NoSuchObject))
    .setRaw(o(11), encodeNull(TAG.NoSuchInstance))
    .setRaw(o(12), encodeNull(TAG.EndOfMibView))
    .setRaw(o(13), encodeNull())
    // Four bytes with the top bit set, as some agents send a Counter32: unsigned all the same.
    .setRaw(o(14), tlv(TAG.Counter32, Buffer.from([0xff, 0xff, 0xff, 0xfe])))
    .setRaw(o(20), tlv(TAG.IpAddress, Buffer.from([10, 0, 0, 1])))
    .setRaw(o(21), tlv(TAG.Counter64, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 1])))
    .setRaw(o(22), encodeOid('1.3.6.1.2.1.1.1'));
  m.ticks(OID.sysUpTime, 4242);
  for (const i of IFS) m.int(admin(i), 1).int(oper(i), i % 2 ? 1 : 2);
  return m;
}

type Outcome = { vbs?: unknown[]; err?: string };
const outcome =
  (resolve: (o: Outcome) => void): GetCallback =>
  (err, vbs) =>
    resolve(err ? { err: `${err.constructor.name}: ${err.message}` } : { vbs: vbs! });

interface RawSession {
  get(oids: readonly string[], cb: GetCallback): void;
  close(): void;
  on(e: 'error', f: () => void): void;
}

function netSnmpSession(port: number): RawSession {
  const s = netSnmp.createSession('127.0.0.1', 'public', {
    port,
    version: netSnmp.Version2c,
    // Long enough that a loaded machine never turns an answer into a timeout on one side only;
    // the faults that get no answer at all (a truncated datagram) wait it out on both.
    timeout: 2_000,
    retries: 0,
    reportOidMismatchErrors: true,
  }) as unknown as RawSession;
  // net-snmp emits a datagram it cannot parse as 'error'; both sides must survive it alike.
  s.on('error', () => {});
  return s;
}

function v2c(port: number, timeoutMs = 300): SnmpSession {
  const snmp = {
    port,
    version: '2c',
    community: new Secret('public'),
    timeoutMs,
    retries: 2,
    backoff: 1,
  } as SnmpSettings;
  return new SnmpSession({ id: 'fake', host: '127.0.0.1', snmp });
}

describe('v2c GETs on a socket of our own', () => {
  let agent: FakeSnmpAgent;
  let reply: ((req: DecodedRequest) => Buffer | null | undefined) | undefined;
  const raw: { id: number; bytes: Buffer }[] = [];
  const closers: { close(): void }[] = [];
  beforeAll(async () => {
    agent = await FakeSnmpAgent.start({
      communities: { public: mib() },
      intercept: (req, bytes) => {
        raw.push({ id: req.requestId, bytes: Buffer.from(bytes) });
        return reply?.(req);
      },
    });
  });
  afterAll(() => agent.close());
  afterEach(() => {
    for (const c of closers.splice(0)) c.close();
    raw.length = 0;
    reply = undefined;
  });

  /** The same GET through net-snmp alone and through the client: both outcomes, and the client's reads. */
  async function both(oids: string[]): Promise<{ plain: Outcome; ours: Outcome; read: number }> {
    const a = netSnmpSession(agent.port);
    const behind = netSnmpSession(agent.port);
    const client = new CommunityGet({
      host: '127.0.0.1',
      port: agent.port,
      community: 'public',
      timeoutMs: 2_000,
      retries: 0,
      backoff: 1,
      worstMs: 2_000,
      fallback: (x, cb) => behind.get(x, cb),
    });
    closers.push(a, behind, client);
    const plain = await new Promise<Outcome>((r) => a.get(oids, outcome(r)));
    const ours = await new Promise<Outcome>((r) => client.get(oids, outcome(r)));
    return { plain, ours, read: client.plain };
  }

  it('encodes a GET byte for byte as net-snmp does', async () => {
    const session = netSnmp.createSession('127.0.0.1', 'public', {
      port: agent.port,
      version: netSnmp.Version2c,
    }) as unknown as RawSession & {
      send: (req: { message: { pdu: { id: number }; buffer?: Buffer; toBuffer(): Buffer } }) => unknown;
    };
    closers.push(session);
    const oids = [OID.sysUpTime, ...IFS.map(oper), o(7)];
    const t = templateOf('public', oids);
    // net-snmp's id is its own; its message encoded again with the template's probe id must match.
    let theirs: Buffer | undefined;
    const send = session.send;
    session.send = function (this: unknown, req) {
      req.message.pdu.id = t.bytes.readUInt32BE(t.idOffset);
      req.message.buffer = undefined;
      theirs = req.message.toBuffer();
      return send.call(this, req);
    };
    await new Promise<Outcome>((r) => session.get(oids, outcome(r)));
    expect(theirs?.toString('hex')).toBe(t.bytes.toString('hex'));
  });

  it('every plain type reads as net-snmp reads it, here', async () => {
    const oids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map(o);
    const r = await both(oids);
    expect(r.ours).toEqual(r.plain);
    expect((r.ours.vbs as { oid: string }[]).map((v) => v.oid)).toEqual(oids);
    expect(r.read).toBe(1);
  });

  it('other types are asked again through net-snmp, with the same result', async () => {
    for (const i of [20, 21, 22]) {
      const r = await both([o(1), o(i)]);
      expect(r.ours, String(i)).toEqual(r.plain);
      expect(r.read, String(i)).toBe(0);
    }
  });

  it('faults end as net-snmp ends them: wrong OID, error status, extra or missing varbinds, wrong community, garbage', async () => {
    const asked = [o(1), o(3)];
    const answer = (req: DecodedRequest, over: Partial<Parameters<typeof encodeMessage>[0]>) =>
      encodeMessage({
        version: req.version,
        community: req.community,
        requestId: req.requestId,
        varbinds: asked.map((x) => varbind(encodeOid(x), encodeInteger(7))),
        ...over,
      });
    const cases: [string, (req: DecodedRequest) => Buffer][] = [
      [
        'wrong OID',
        (req) => answer(req, { varbinds: [o(1), o(4)].map((x) => varbind(encodeOid(x), encodeInteger(7))) }),
      ],
      // OIDs the byte compare must tell apart: a longer last arc, one arc more, one arc less, and
      // the asked OID's bytes with a sub-identifier padded (the same arcs, spelt otherwise).
      ...[`${o(3)}0`, `${o(3)}.0`, o(3).slice(0, o(3).lastIndexOf('.'))].map(
        (other): [string, (req: DecodedRequest) => Buffer] => [
          `OID ${other} for ${o(3)}`,
          (req) =>
            answer(req, { varbinds: [o(1), other].map((x) => varbind(encodeOid(x), encodeInteger(7))) }),
        ],
      ),
      [
        'an OID with a padded sub-identifier',
        (req) => {
          const content = oidContent(o(3));
          const padded = tlv(
            TAG.OID,
            Buffer.concat([content.subarray(0, 1), Buffer.from([0x80]), content.subarray(1)]),
          );
          return answer(req, {
            varbinds: [varbind(encodeOid(o(1)), encodeInteger(7)), varbind(padded, encodeInteger(7))],
          });
        },
      ],
      ['error status', (req) => answer(req, { errorStatus: 5, errorIndex: 2 })],
      ['SNMPv1 in the answer', (req) => answer(req, { version: 0 })],
      [
        'an extra varbind',
        (req) =>
          answer(req, { varbinds: [...asked, o(9)].map((x) => varbind(encodeOid(x), encodeInteger(7))) }),
      ],
      [
        'a missing varbind',
        (req) => answer(req, { varbinds: [varbind(encodeOid(asked[0]!), encodeInteger(7))] }),
      ],
      ['truncated', (req) => answer(req, {}).subarray(0, 30)],
    ];
    for (const [name, make] of cases) {
      reply = make;
      const r = await both(asked);
      expect(r.ours, name).toEqual(r.plain);
      expect(r.read, name).toBe(0);
    }
  });

  it('a reply for another community is not taken as the answer, whatever its length', async () => {
    // 'publik' is as long as the session's 'public': the bytes themselves are compared.
    for (const community of ['other', 'publik', 'publicc']) {
      reply = (req) =>
        encodeMessage({
          version: req.version,
          community,
          requestId: req.requestId,
          varbinds: [varbind(encodeOid(o(1)), encodeInteger(7))],
        });
      const r = await both([o(1)]);
      expect(r.ours, community).toEqual(r.plain);
      expect(r.read, community).toBe(0);
    }
  });

  it('answers every poll right, with a fresh four-byte id each time, and net-snmp stays closed', async () => {
    const s = v2c(agent.port);
    closers.push(s);
    const oids = Object.freeze(IFS.flatMap((i) => [admin(i), oper(i)]));
    for (let round = 0; round < 5; round++) {
      const vbs = await s.get(oids);
      expect(vbs.map((v) => v.oid)).toEqual(oids);
      expect(vbs.map((v) => v.value)).toEqual(IFS.flatMap((i) => [1, i % 2 ? 1 : 2]));
    }
    // Encoded once: the four later GETs copied the first one's bytes.
    expect(s.reusedRequests).toBe(4);
    expect(s.plainResponses).toBe(5);
    expect(s.netSnmpOpen).toBe(false);
    const ids = raw.map((r) => r.id);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(0x80_0000);
  });

  it('a retransmission repeats the first try byte for byte (same id), and its answer is taken', async () => {
    const s = v2c(agent.port);
    closers.push(s);
    const oids = Object.freeze(IFS.map(oper));
    await s.get(oids);
    const firstTries = new Set<number>();
    reply = (req) => {
      if (firstTries.has(req.requestId)) return undefined;
      firstTries.add(req.requestId);
      return null;
    };
    raw.length = 0;
    const vbs = await s.get(oids);
    expect(vbs.map((v) => v.value)).toEqual(IFS.map((i) => (i % 2 ? 1 : 2)));
    expect(raw).toHaveLength(2);
    expect(raw[1]!.id).toBe(raw[0]!.id);
    expect(raw[1]!.bytes.equals(raw[0]!.bytes)).toBe(true);
  });

  it('no answer at all ends as net-snmp’s timeout after every try', async () => {
    const s = v2c(agent.port, 50);
    closers.push(s);
    reply = () => null;
    await expect(s.get([oper(501)])).rejects.toMatchObject({ reason: 'snmp-timeout' });
    // retries 2: three tries, one id.
    expect(raw).toHaveLength(3);
    expect(new Set(raw.map((r) => r.id)).size).toBe(1);
  });

  it('an unfrozen OID array is encoded on each GET, so a change to it is always asked as it is', async () => {
    const s = v2c(agent.port);
    closers.push(s);
    const oids = IFS.map(oper);
    await s.get(oids);
    oids[1] = admin(502);
    const vbs = await s.get(oids);
    expect(vbs.map((v) => v.oid)).toEqual([oper(501), admin(502), oper(503), oper(504)]);
    expect(vbs.map((v) => v.value)).toEqual([1, 1, 1, 2]);
    expect(s.reusedRequests).toBe(0);
  });

  it('walks go through net-snmp, whose session is closed again once they are done', async () => {
    const s = v2c(agent.port);
    closers.push(s);
    const [a, b] = await Promise.all([s.walk(OID.ifOperStatus), s.walk(OID.ifAdminStatus)]);
    expect(a.map((r) => r.oid)).toEqual(IFS.map(oper));
    expect(b.map((r) => r.oid)).toEqual(IFS.map(admin));
    expect(s.netSnmpOpen).toBe(false);
    expect(s.reusedRequests).toBe(0);
  });

  it('a datagram that is no SNMP message is named when the GET then times out', async () => {
    const s = v2c(agent.port, 50);
    closers.push(s);
    reply = () => Buffer.from('not snmp at all');
    await expect(s.get([oper(501)])).rejects.toThrow(/malformed reply/);
  });

  it('an answer asked again through net-snmp still ends within the GET’s worst case', async () => {
    const s = v2c(agent.port, 100);
    closers.push(s);
    // Our GET is answered with an error status (so it is asked again); the second ask never is.
    let first = true;
    reply = (req) => {
      if (!first) return null;
      first = false;
      return encodeMessage({
        version: req.version,
        community: req.community,
        requestId: req.requestId,
        errorStatus: 5,
        errorIndex: 1,
        varbinds: [varbind(encodeOid(oper(501)), encodeNull())],
      });
    };
    await expect(s.get([oper(501)])).rejects.toThrow(/asked again got no answer within the rest of 300 ms/);
  });

  it('close while a walk waits for a permit: the walk fails and opens nothing', async () => {
    const snmp = {
      port: agent.port,
      version: '2c',
      community: new Secret('public'),
      timeoutMs: 5_000,
      retries: 0,
      backoff: 1,
    } as SnmpSettings;
    const s = new SnmpSession({ id: 'fake', host: '127.0.0.1', snmp }, { maxInFlight: 1 });
    reply = () => null;
    const get = s.get([oper(501)]);
    const walk = s.walk(OID.ifOperStatus);
    s.close();
    await expect(get).rejects.toMatchObject({ code: 'lifecycle' });
    await expect(walk).rejects.toMatchObject({ code: 'lifecycle' });
    expect(s.netSnmpOpen).toBe(false);
  });

  it('close fails a pending GET as a closed session', async () => {
    const s = v2c(agent.port, 5_000);
    reply = () => null;
    const pending = s.get([oper(501)]);
    s.close();
    await expect(pending).rejects.toMatchObject({ code: 'lifecycle' });
  });
});

describe('fourByteRequestId', () => {
  it('stays in the range whose INTEGER encoding is four bytes', () => {
    expect(fourByteRequestId(() => 0)).toBe(0x80_0000);
    expect(fourByteRequestId(() => 0.999_999_999_9)).toBeLessThanOrEqual(0x7fff_ffff);
  });
});
