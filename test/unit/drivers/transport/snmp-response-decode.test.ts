// The plain-case GetResponse reader (drivers/transport/snmp-response-decode.ts) against net-snmp's
// own: the same GETs, answered by one loopback agent, through a session with the reader and one
// without, must end alike, values and errors. The fake agent is there to send what a real agent
// will not on demand: wrong OIDs, error statuses, extra varbinds, truncated datagrams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netSnmp } from '../../../../drivers/transport/snmp.js';
import { ResponseDecoder } from '../../../../drivers/transport/snmp-response-decode.js';
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

const B = '1.3.6.1.4.1.99999.1';
const o = (i: number) => `${B}.${i}`;

/** One object per type and edge: what both readers must agree on. */
function mib(): FakeMib {
  return (
    new FakeMib()
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
      .setRaw(o(22), encodeOid('1.3.6.1.2.1.1.1'))
  );
}

type Get = (oids: string[]) => Promise<{ vbs?: unknown[]; err?: string }>;

function session(port: number, decoder?: ResponseDecoder): { get: Get; close(): void } {
  const s = netSnmp.createSession('127.0.0.1', 'public', {
    port,
    version: netSnmp.Version2c,
    // Long enough that a loaded machine never turns an answer into a timeout on one side only;
    // the faults that get no answer at all (a truncated datagram) wait it out on both.
    timeout: 2_000,
    retries: 0,
    reportOidMismatchErrors: true,
  }) as unknown as {
    get(oids: string[], cb: (err: Error | null, vbs?: unknown[]) => void): void;
    close(): void;
  };
  // net-snmp emits a datagram it cannot parse as 'error'; both sessions must survive it alike.
  (s as unknown as { on(e: 'error', f: () => void): void }).on('error', () => {});
  decoder?.attach(s);
  return {
    get: (oids) =>
      new Promise((resolve) =>
        s.get(oids, (err, vbs) =>
          resolve(err ? { err: `${err.constructor.name}: ${err.message}` } : { vbs }),
        ),
      ),
    close: () => s.close(),
  };
}

describe('GetResponses read without an OID string per varbind', () => {
  let agent: FakeSnmpAgent;
  let reply: ((req: DecodedRequest) => Buffer | undefined) | undefined;
  beforeAll(async () => {
    agent = await FakeSnmpAgent.start({
      communities: { public: mib() },
      intercept: (req) => reply?.(req),
    });
  });
  afterAll(() => agent.close());

  /** The same GET through net-snmp alone and through the reader: both outcomes, and the reader's hits. */
  async function both(oids: string[]): Promise<{ plain: unknown; ours: unknown; hits: number }> {
    const decoder = new ResponseDecoder();
    const a = session(agent.port);
    const b = session(agent.port, decoder);
    try {
      return { plain: await a.get(oids), ours: await b.get(oids), hits: decoder.hits };
    } finally {
      a.close();
      b.close();
    }
  }

  it('every plain type reads as net-snmp reads it, by the reader', async () => {
    const oids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map(o);
    const r = await both(oids);
    expect(r.ours).toEqual(r.plain);
    expect((r.ours as { vbs: { oid: string }[] }).vbs.map((v) => v.oid)).toEqual(oids);
    expect(r.hits).toBe(1);
  });

  it('other types are left to net-snmp, with the same result', async () => {
    for (const i of [20, 21, 22]) {
      const r = await both([o(1), o(i)]);
      expect(r.ours, String(i)).toEqual(r.plain);
      expect(r.hits, String(i)).toBe(0);
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
    try {
      for (const [name, make] of cases) {
        reply = make;
        const r = await both(asked);
        expect(r.ours, name).toEqual(r.plain);
        expect(r.hits, name).toBe(0);
      }
    } finally {
      reply = undefined;
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
      try {
        const r = await both([o(1)]);
        expect(r.ours, community).toEqual(r.plain);
        expect(r.hits, community).toBe(0);
      } finally {
        reply = undefined;
      }
    }
  });
});
