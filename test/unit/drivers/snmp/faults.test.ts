// Fault tests against fake agents on loopback UDP: what a device that does not answer, answers
// too big, answers garbage, or rejects our v3 keys looks like to the poller.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SnmpSettings } from '../../../../config/load.js';
import { Secret } from '../../../../core/secret.js';
import { OID } from '../../../../drivers/mib/mib.js';
import { H3C_OIDS } from '../../../../drivers/optics/h3c.js';
import { DevicePoller, type PolledDevice } from '../../../../drivers/snmp/device-poller.js';
import { isSnmpError, type SnmpError, SnmpSession } from '../../../../drivers/transport/snmp.js';
import { FakeMib, FakeSnmpAgent } from '../../../../testkit/fakes/snmp-agent.js';
import {
  decodeOidContent,
  ERROR_STATUS,
  encodeInteger,
  encodeMessage,
  encodeOid,
  TAG,
  tlv,
  varbind,
} from '../../../fakes/snmp-ber.js';
import { type RunningV3Agent, startV3Agent } from '../../../fakes/snmp-v3-agent.js';
import { rejection as rejectionOf } from '../../../helpers/rejection.js';

const PORTS = 20;

function h3cMib(): { mib: FakeMib; device: PolledDevice } {
  const mib = new FakeMib();
  mib.ticks(OID.sysUpTime, 123_456);
  const ports = [];
  for (let i = 1; i <= PORTS; i++) {
    const ifIndex = 500 + i;
    mib.str(`${OID.ifName}.${ifIndex}`, `Eth${i}`);
    mib.int(`${OID.ifAdminStatus}.${ifIndex}`, 1).int(`${OID.ifOperStatus}.${ifIndex}`, 1);
    mib.int(`${H3C_OIDS.curRxPower}.${ifIndex}`, -400 - i).int(`${H3C_OIDS.curTxPower}.${ifIndex}`, -100 - i);
    ports.push({ name: `Eth${i}`, lanes: 1 });
  }
  return { mib, device: { id: 'fake', optics: 'h3c', ports } };
}

function v2c(port: number, community = 'public', timeoutMs = 150, retries = 1) {
  const snmp = {
    port,
    version: '2c',
    community: new Secret(community),
    timeoutMs,
    retries,
    backoff: 1,
  } as SnmpSettings;
  return new SnmpSession({ id: 'fake', host: '127.0.0.1', snmp });
}

const rejection = (p: Promise<unknown>): Promise<SnmpError> => rejectionOf(p, isSnmpError);

describe('a device that does not answer', () => {
  let agent: FakeSnmpAgent;
  const sessions: SnmpSession[] = [];
  beforeAll(async () => {
    agent = await FakeSnmpAgent.start({ communities: { public: h3cMib().mib }, intercept: () => null });
  });
  afterAll(() => agent.close());
  afterEach(() => {
    for (const s of sessions.splice(0)) s.close();
  });

  it('gives snmp-timeout after the configured tries, not a hang', async () => {
    const s = v2c(agent.port, 'public', 150, 1);
    sessions.push(s);
    const t0 = performance.now();
    const err = await rejection(s.get([OID.sysUpTime]));
    const took = performance.now() - t0;
    expect(err.reason).toBe('snmp-timeout');
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/no answer after 2 tries of 150 ms .*wrong community/);
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(1_500);
    expect(agent.requests).toBe(2);
  });

  it('fails every port of the poll with snmp-timeout', async () => {
    const s = v2c(agent.port);
    sessions.push(s);
    const res = await new DevicePoller(h3cMib().device, s, { varbindsPerPdu: 50 }).poll();
    expect(res).toHaveLength(PORTS);
    expect(new Set(res.map((r) => (r.ok ? 'ok' : r.reason)))).toEqual(new Set(['snmp-timeout']));
  });
});

describe('a wrong community', () => {
  it('is silence on the wire, so it is a timeout whose message names the community', async () => {
    const agent = await FakeSnmpAgent.start({ communities: { public: h3cMib().mib } });
    const s = v2c(agent.port, 'not-the-community', 100, 0);
    try {
      const err = await rejection(s.get([OID.sysUpTime]));
      expect(err.reason).toBe('snmp-timeout');
      expect(err.message).toMatch(/wrong community/);
    } finally {
      s.close();
      await agent.close();
    }
  });
});

describe('tooBig', () => {
  it('splits the batch and succeeds, then keeps PDUs small', async () => {
    const { mib, device } = h3cMib();
    const agent = await FakeSnmpAgent.start({ communities: { public: mib }, maxVarbinds: 24 });
    agent.recordRequests = true;
    const s = v2c(agent.port);
    try {
      const poller = new DevicePoller(device, s, { varbindsPerPdu: 50 });
      const res = await poller.poll();
      expect(res.every((r) => r.ok)).toBe(true);
      expect(res[19]).toMatchObject({ port: 'Eth20', rxDbm: [-4.2], txDbm: [-1.2] });
      const sizes = agent.received.filter((r) => r.pduType === TAG.GetRequest).map((r) => r.varbinds.length);
      // 81 varbinds: two PDUs of 41 and 40 (tooBig) → 21 + 20 and 20 + 20 (tooBig) → 11 + 10 …
      expect(sizes.filter((n) => n > 24).length).toBeGreaterThan(0);
      agent.received.length = 0;
      const again = await poller.poll();
      expect(again.every((r) => r.ok)).toBe(true);
      const later = agent.received.filter((r) => r.pduType === TAG.GetRequest).map((r) => r.varbinds.length);
      expect(Math.max(...later)).toBeLessThanOrEqual(24);
    } finally {
      s.close();
      await agent.close();
    }
  });

  it('a single varbind that is still too big is an snmp-error, not a loop', async () => {
    const agent = await FakeSnmpAgent.start({ communities: { public: h3cMib().mib }, maxVarbinds: 0 });
    const s = v2c(agent.port);
    try {
      const res = await new DevicePoller(h3cMib().device, s, { varbindsPerPdu: 50 }).poll();
      expect(res[0]).toMatchObject({ ok: false, reason: 'snmp-error' });
      expect(res[0]?.ok === false && res[0].message).toMatch(/TooBig/i);
    } finally {
      s.close();
      await agent.close();
    }
  });
});

describe('malformed replies are errors, not crashes', () => {
  const cases: [
    string,
    (req: { requestId: number; community: string; version: number; oids: Buffer[] }) => Buffer,
  ][] = [
    ['truncated garbage', () => Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01])],
    [
      'an unknown value type',
      (r) =>
        encodeMessage({
          ...r,
          varbinds: r.oids.map((o) => varbind(encodeOid(decodeOidContent(o)), tlv(0x47, Buffer.from([1])))),
        }),
    ],
    ['a PDU that is not a response', (r) => encodeMessage({ ...r, pduType: TAG.SetRequest, varbinds: [] })],
  ];
  for (const [name, reply] of cases) {
    it(`${name}: snmp-error naming the malformed reply`, async () => {
      const agent = await FakeSnmpAgent.start({
        communities: { public: h3cMib().mib },
        intercept: (req) =>
          reply({
            requestId: req.requestId,
            community: req.community,
            version: req.version,
            oids: req.varbinds.map((v) => v.content),
          }),
      });
      const s = v2c(agent.port, 'public', 150, 0);
      try {
        const err = await rejection(s.get([OID.sysUpTime, `${OID.ifOperStatus}.501`]));
        expect(err.reason).toBe('snmp-error');
        expect(err.message).toMatch(/malformed|invalid reply/);
      } finally {
        s.close();
        await agent.close();
      }
    });
  }

  it('a reply with other OIDs than asked is rejected (values never land on the wrong port)', async () => {
    const agent = await FakeSnmpAgent.start({
      communities: { public: h3cMib().mib },
      intercept: (req) =>
        encodeMessage({
          version: req.version,
          community: req.community,
          requestId: req.requestId,
          varbinds: req.varbinds.map((_, i) =>
            varbind(encodeOid(`1.3.6.1.2.1.2.2.1.8.${900 + i}`), encodeInteger(1)),
          ),
        }),
    });
    const s = v2c(agent.port, 'public', 150, 0);
    try {
      const err = await rejection(s.get([`${OID.ifOperStatus}.501`]));
      expect(err.reason).toBe('snmp-error');
      expect(err.message).toMatch(/does not match/);
    } finally {
      s.close();
      await agent.close();
    }
  });

  it('a reply with another community is rejected without quoting either community', async () => {
    const agent = await FakeSnmpAgent.start({
      communities: { 's3cret-ro': h3cMib().mib },
      intercept: (req) =>
        encodeMessage({
          version: req.version,
          community: 'other-c0mm',
          requestId: req.requestId,
          varbinds: req.varbinds.map((v) =>
            varbind(encodeOid(decodeOidContent(v.content)), encodeInteger(1)),
          ),
        }),
    });
    const s = v2c(agent.port, 's3cret-ro', 150, 0);
    try {
      const err = await rejection(s.get([`${OID.ifOperStatus}.501`]));
      expect(err.reason).toBe('snmp-error');
      expect(err.message).toMatch(/another community/);
      expect(JSON.stringify({ m: err.message, d: err.details })).not.toMatch(/s3cret-ro|other-c0mm/);
    } finally {
      s.close();
      await agent.close();
    }
  });

  it('a reply with fewer varbinds than asked is rejected', async () => {
    const agent = await FakeSnmpAgent.start({
      communities: { public: h3cMib().mib },
      intercept: (req) =>
        encodeMessage({
          version: req.version,
          community: req.community,
          requestId: req.requestId,
          varbinds: [],
        }),
    });
    const s = v2c(agent.port, 'public', 150, 0);
    try {
      const err = await rejection(s.get([`${OID.ifOperStatus}.501`, `${OID.ifOperStatus}.502`]));
      expect(err.reason).toBe('snmp-error');
    } finally {
      s.close();
      await agent.close();
    }
  });

  it('an agent error status other than tooBig fails the poll with snmp-error', async () => {
    const agent = await FakeSnmpAgent.start({
      communities: { public: h3cMib().mib },
      intercept: (req) =>
        encodeMessage({
          version: req.version,
          community: req.community,
          requestId: req.requestId,
          errorStatus: ERROR_STATUS.genErr,
          errorIndex: 1,
          varbinds: req.varbinds.map((v) =>
            varbind(encodeOid(decodeOidContent(v.content)), Buffer.from([TAG.Null, 0])),
          ),
        }),
    });
    const s = v2c(agent.port, 'public', 150, 0);
    try {
      const res = await new DevicePoller(h3cMib().device, s, { varbindsPerPdu: 50 }).poll();
      expect(res[0]).toMatchObject({ ok: false, reason: 'snmp-error' });
      expect(res[0]?.ok === false && res[0].message).toMatch(/GeneralError/);
    } finally {
      s.close();
      await agent.close();
    }
  });
});

describe('SNMPv3 keys', () => {
  const user = { name: 'dcagent', authKey: 'right-auth-key', privKey: 'right-priv-key' };
  let agent: RunningV3Agent;
  beforeAll(async () => {
    agent = await startV3Agent(user);
  });
  afterAll(() => agent.close());

  function v3(authKey: string, privKey: string, name = user.name) {
    const snmp = {
      port: agent.port,
      version: '3',
      user: name,
      authProtocol: 'sha',
      authKey: new Secret(authKey),
      privProtocol: 'aes',
      privKey: new Secret(privKey),
      timeoutMs: 200,
      retries: 0,
      backoff: 1,
    } as SnmpSettings;
    return new SnmpSession({ id: 'v3dev', host: '127.0.0.1', snmp });
  }

  it('authPriv SHA/AES with the right keys reads', async () => {
    const s = v3(user.authKey, user.privKey);
    try {
      const [vb] = await s.get(['1.3.6.1.2.1.1.1.0']);
      expect(Buffer.from(vb?.value as Buffer).toString()).toBe('dcagent fake v3 agent');
    } finally {
      s.close();
    }
  });

  for (const [what, auth, priv, name] of [
    ['a wrong auth key', 'wrong-auth-key', user.privKey, user.name],
    ['a wrong priv key', user.authKey, 'wrong-priv-key', user.name],
    ['an unknown user', user.authKey, user.privKey, 'nobody-here'],
  ] as const) {
    it(`${what} is snmp-auth, quickly, with a message that says so`, async () => {
      const s = v3(auth, priv, name);
      try {
        const t0 = performance.now();
        const err = await rejection(s.get(['1.3.6.1.2.1.1.1.0']));
        expect(err.reason).toBe('snmp-auth');
        expect(err.code).toBe('auth-failed');
        expect(err.message).toMatch(/authentication failed|wrong user, auth\/priv key/);
        expect(performance.now() - t0).toBeLessThan(1_500);
        // Keys never leak into messages.
        expect(err.message).not.toMatch(/wrong-auth-key|wrong-priv-key|right-/);
        expect(JSON.stringify(err)).not.toMatch(/wrong-auth-key|wrong-priv-key|right-/);
      } finally {
        s.close();
      }
    });
  }

  it('a v3 device that stops answering after working is snmp-timeout, not snmp-auth', async () => {
    const own = await startV3Agent(user);
    const snmp = {
      port: own.port,
      version: '3',
      user: user.name,
      authProtocol: 'sha',
      authKey: new Secret(user.authKey),
      privProtocol: 'aes',
      privKey: new Secret(user.privKey),
      timeoutMs: 150,
      retries: 0,
      backoff: 1,
    } as SnmpSettings;
    const s = new SnmpSession({ id: 'v3dev', host: '127.0.0.1', snmp });
    try {
      await s.get(['1.3.6.1.2.1.1.1.0']);
      await own.close();
      const err = await rejection(s.get(['1.3.6.1.2.1.1.1.0']));
      expect(err.reason).toBe('snmp-timeout');
    } finally {
      s.close();
    }
  });
});

describe('session lifecycle', () => {
  it('a closed session refuses requests with a clear error', async () => {
    const s = v2c(9);
    s.close();
    s.close();
    const err = await rejection(s.get([OID.sysUpTime]));
    expect(err.message).toMatch(/session is closed/);
  });
});
