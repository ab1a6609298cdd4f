// Reused GET encodings (drivers/transport/snmp-request-cache.ts) on real net-snmp sessions against a
// loopback agent: the fake agent is there to see the raw datagrams and to lose a first try,
// which a real agent cannot be told to do.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SnmpSettings } from '../../../../config/load.js';
import { Secret } from '../../../../core/secret.js';
import { OID } from '../../../../drivers/mib/mib.js';
import { netSnmp, SnmpSession } from '../../../../drivers/transport/snmp.js';
import {
  EncodedRequestCache,
  encodeThrough,
  fourByteRequestId,
  type NetSnmpMessage,
} from '../../../../drivers/transport/snmp-request-cache.js';
import { FakeMib, FakeSnmpAgent } from '../../../../testkit/fakes/snmp-agent.js';

const IFS = [501, 502, 503, 504];

function mib(): FakeMib {
  const m = new FakeMib();
  m.ticks(OID.sysUpTime, 4242);
  for (const i of IFS) m.int(`${OID.ifAdminStatus}.${i}`, 1).int(`${OID.ifOperStatus}.${i}`, i % 2 ? 1 : 2);
  return m;
}

const oper = (i: number) => `${OID.ifOperStatus}.${i}`;
const admin = (i: number) => `${OID.ifAdminStatus}.${i}`;

function v2c(port: number): SnmpSession {
  const snmp = {
    port,
    version: '2c',
    community: new Secret('public'),
    timeoutMs: 300,
    retries: 2,
    backoff: 1,
  } as SnmpSettings;
  return new SnmpSession({ id: 'fake', host: '127.0.0.1', snmp });
}

describe('encoded GET requests, reused', () => {
  let agent: FakeSnmpAgent;
  let drop: (requestId: number) => boolean = () => false;
  const raw: { id: number; bytes: Buffer }[] = [];
  const sessions: { close(): void }[] = [];
  beforeAll(async () => {
    agent = await FakeSnmpAgent.start({
      communities: { public: mib() },
      intercept: (req, bytes) => {
        raw.push({ id: req.requestId, bytes: Buffer.from(bytes) });
        return drop(req.requestId) ? null : undefined;
      },
    });
  });
  afterAll(() => agent.close());
  afterEach(() => {
    for (const s of sessions.splice(0)) s.close();
    raw.length = 0;
    drop = () => false;
  });

  it('sends exactly the bytes net-snmp would encode for the same id', async () => {
    const session = netSnmp.createSession('127.0.0.1', 'public', {
      port: agent.port,
      version: netSnmp.Version2c,
    }) as unknown as { send: (req: { message: NetSnmpMessage }, noWait?: boolean) => unknown };
    sessions.push(session as unknown as { close(): void });
    const sent: NetSnmpMessage[] = [];
    const send = session.send;
    session.send = function (this: unknown, req, noWait) {
      sent.push(req.message);
      return send.call(this, req, noWait);
    };
    const cache = new EncodedRequestCache();
    encodeThrough(session, cache);
    const get = (oids: string[]) =>
      new Promise<unknown[]>((resolve, reject) =>
        (
          session as unknown as { get: (o: string[], cb: (e: Error | null, v?: unknown[]) => void) => void }
        ).get(oids, (err, vbs) => (err ? reject(err) : resolve(vbs!))),
      );
    const oids = [OID.sysUpTime, ...IFS.map(oper)];
    for (let i = 0; i < 3; i++) await get(oids);
    expect(cache.hits).toBe(3);
    expect(sent).toHaveLength(3);
    for (const m of sent) {
      const ours = Buffer.from(m.buffer!);
      m.buffer = undefined;
      expect(m.toBuffer().equals(ours)).toBe(true);
    }
    expect(new Set(sent.map((m) => m.pdu.id)).size).toBe(3);
  });

  it('answers every poll right, with a fresh four-byte id each time', async () => {
    const s = v2c(agent.port);
    sessions.push(s);
    const oids = IFS.flatMap((i) => [admin(i), oper(i)]);
    for (let round = 0; round < 5; round++) {
      const vbs = await s.get(oids);
      expect(vbs.map((v) => v.oid)).toEqual(oids);
      expect(vbs.map((v) => v.value)).toEqual(IFS.flatMap((i) => [1, i % 2 ? 1 : 2]));
    }
    expect(s.reusedRequests).toBe(5);
    // Every answer was read by the plain-answer reader, which walks the request's own bytes.
    expect(s.plainResponses).toBe(5);
    const ids = raw.map((r) => r.id);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(0x80_0000);
  });

  it('a retransmission repeats the first try byte for byte (same id), and its answer is taken', async () => {
    const s = v2c(agent.port);
    sessions.push(s);
    const oids = IFS.map(oper);
    await s.get(oids); // the template
    const firstTries = new Set<number>();
    drop = (id) => {
      if (firstTries.has(id)) return false;
      firstTries.add(id);
      return true;
    };
    raw.length = 0;
    const vbs = await s.get(oids);
    expect(vbs.map((v) => v.value)).toEqual(IFS.map((i) => (i % 2 ? 1 : 2)));
    expect(raw).toHaveLength(2);
    expect(raw[1]!.id).toBe(raw[0]!.id);
    expect(raw[1]!.bytes.equals(raw[0]!.bytes)).toBe(true);
  });

  it('another OID set (a rediscovery, an optics change) gets its own template; the oldest go past the bound', async () => {
    const session = netSnmp.createSession('127.0.0.1', 'public', {
      port: agent.port,
      version: netSnmp.Version2c,
    });
    sessions.push(session);
    const cache = new EncodedRequestCache(2);
    encodeThrough(session, cache);
    const get = (oids: string[]) =>
      new Promise<{ oid: string; value: unknown }[]>((resolve, reject) =>
        session.get(oids, (err, vbs) => (err ? reject(err) : resolve(vbs!))),
      );
    const sets = [[oper(501)], [oper(502), admin(502)], [oper(503)], [oper(501)]];
    for (const oids of sets) {
      const vbs = await get(oids);
      expect(vbs.map((v) => v.oid)).toEqual(oids);
    }
    expect(cache.size).toBe(2);
    expect(cache.hits).toBe(4);
    // The renumbered port answers with its own value, not the old set's bytes.
    expect((await get([oper(502)]))[0]!.value).toBe(2);
  });

  it('finds the template by the OID array it was asked from, and never by an array changed since', async () => {
    const s = v2c(agent.port);
    sessions.push(s);
    const oids = IFS.map(oper);
    await s.get(oids);
    await s.get(oids);
    // A second array with the same OIDs is found by its text, as before.
    await s.get([...oids]);
    expect(s.reusedRequests).toBe(3);
    // The same array, rewritten in the middle: the bytes follow the new OIDs, not the remembered array.
    oids[1] = admin(502);
    const vbs = await s.get(oids);
    expect(vbs.map((v) => v.oid)).toEqual([oper(501), admin(502), oper(503), oper(504)]);
    expect(vbs.map((v) => v.value)).toEqual([1, 1, 1, 2]);
  });

  it("trusts a frozen OID array as it is, the poll plan's PDUs", async () => {
    const s = v2c(agent.port);
    sessions.push(s);
    const oids = Object.freeze(IFS.map(oper));
    for (let round = 0; round < 3; round++) {
      const vbs = await s.get(oids);
      expect(vbs.map((v) => v.oid)).toEqual(oids);
    }
    expect(s.reusedRequests).toBe(3);
    expect(s.plainResponses).toBe(3);
  });

  it('leaves GETBULK (walks) to net-snmp', async () => {
    const s = v2c(agent.port);
    sessions.push(s);
    const rows = await s.walk(OID.ifOperStatus);
    expect(rows.map((r) => r.oid)).toEqual(IFS.map(oper));
    expect(s.reusedRequests).toBe(0);
  });
});

describe('fourByteRequestId', () => {
  it('stays in the range whose INTEGER encoding is four bytes', () => {
    expect(fourByteRequestId(() => 0)).toBe(0x80_0000);
    expect(fourByteRequestId(() => 0.999_999_999_9)).toBeLessThanOrEqual(0x7fff_ffff);
  });
});
