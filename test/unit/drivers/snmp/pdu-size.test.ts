import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { OID } from '../../../../drivers/mib/mib.js';
import { H3C_OIDS } from '../../../../drivers/optics/h3c.js';
import { DevicePoller } from '../../../../drivers/snmp/device-poller.js';
import {
  budgetFor,
  FRAME_PAYLOAD_BYTES,
  oidContentBytes,
  stringValueBytes,
  varbindAnswerBytes,
  varbindsThatFit,
} from '../../../../drivers/snmp/pdu-size.js';
import { MemorySnmp } from '../../../fakes/snmp-memory.js';

// net-snmp's own BER writer, as an encoder independent of the estimate.
const fromNetSnmp = createRequire(createRequire(import.meta.url).resolve('net-snmp'));
const { BerWriter } = fromNetSnmp('asn1-ber') as {
  BerWriter: new () => {
    buffer: Buffer;
    startSequence(tag?: number): void;
    endSequence(): void;
    writeInt(i: number, tag?: number): void;
    writeString(s: string, tag?: number): void;
    writeBuffer(b: Buffer, tag: number): void;
    writeOID(s: string, tag?: number): void;
  };
};

type Value = { kind: 'uint32max' } | { kind: 'int32min' } | { kind: 'string'; text: string };

/** A v2c GetResponse as an agent would send it, its integers at their longest. */
function encodedAnswer(community: string, varbinds: readonly { oid: string; value: Value }[]): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(1);
  w.writeString(community);
  w.startSequence(0xa2);
  w.writeInt(0x7fff_ffff);
  w.writeInt(0);
  w.writeInt(0);
  w.startSequence();
  for (const vb of varbinds) {
    w.startSequence();
    w.writeOID(vb.oid);
    if (vb.value.kind === 'uint32max') w.writeBuffer(Buffer.from([0, 0xff, 0xff, 0xff, 0xff]), 0x42);
    else if (vb.value.kind === 'int32min') w.writeInt(-0x8000_0000);
    else w.writeString(vb.value.text);
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

const OIDS = [
  '1.3.6.1.2.1.1.3.0',
  '1.3.6.1.2.1.2.2.1.8.1',
  '1.3.6.1.2.1.31.1.1.1.1.4294967295',
  '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.8.16842753',
  '1.3.6.1.4.1.25506.2.70.1.1.1.12.67108873',
  '1.0.8802.1.1.2.1.4.1.1.9',
];

describe('answer size estimates', () => {
  it('an OID takes the bytes BER gives it', () => {
    for (const oid of OIDS) {
      const w = new BerWriter();
      w.writeOID(oid);
      // Tag and a one-byte length, then the content.
      expect(oidContentBytes(oid), oid).toBe(w.buffer.length - 2);
    }
  });

  it('a varbind with an integer value is never larger than estimated, and the longest one is exact', () => {
    for (const oid of OIDS) {
      const longest = encodedAnswer('', [{ oid, value: { kind: 'uint32max' } }]);
      const negative = encodedAnswer('', [{ oid, value: { kind: 'int32min' } }]);
      const empty = encodedAnswer('', []);
      expect(varbindAnswerBytes(oid), oid).toBe(longest.length - empty.length);
      expect(negative.length - empty.length).toBeLessThanOrEqual(varbindAnswerBytes(oid));
    }
  });

  it('a name takes its own bytes', () => {
    const oid = `${OID.ifName}.7`;
    const text = 'HundredGigE0/0/0/12 – uplink ✓';
    const one = encodedAnswer('', [{ oid, value: { kind: 'string', text } }]);
    expect(varbindAnswerBytes(oid, stringValueBytes(text))).toBe(one.length - encodedAnswer('', []).length);
  });

  it('varbinds that fit: any run of that many fits the budget, one more does not', () => {
    expect(varbindsThatFit([10, 10, 10, 10], 60, 1000)).toBe(60);
    expect(varbindsThatFit([10, 10, 10, 10], 3, 1000)).toBe(3);
    expect(varbindsThatFit([10, 10, 50, 10, 10], 60, 70)).toBe(3);
    expect(varbindsThatFit([10, 10, 50, 10, 10], 60, 69)).toBe(2);
    // A varbind larger than the budget goes alone.
    expect(varbindsThatFit([10, 2000, 10], 60, 1000)).toBe(1);
  });
});

describe('DevicePoller: PDUs sized to fit a frame', () => {
  /** An H3C-like device whose ports carry long names, as some platforms' ifName does. */
  function longNames(n: number, name: (i: number) => string) {
    const mem = new MemorySnmp();
    mem.ticks(OID.sysUpTime, 100_000);
    const ports = [];
    for (let i = 1; i <= n; i++) {
      const ifIndex = 100_000 + i;
      mem.str(`${OID.ifName}.${ifIndex}`, name(i));
      mem.int(`${OID.ifAdminStatus}.${ifIndex}`, 1).int(`${OID.ifOperStatus}.${ifIndex}`, 1);
      mem.int(`${H3C_OIDS.curRxPower}.${ifIndex}`, -300).int(`${H3C_OIDS.curTxPower}.${ifIndex}`, -200);
      ports.push({ name: name(i), lanes: 1 });
    }
    return { mem, device: { id: 'sw1', optics: 'h3c' as const, ports } };
  }

  it('asks fewer varbinds a PDU than the count allows when the answer would not fit, and every answer fits', async () => {
    const community = 'c'.repeat(20);
    const name = (i: number) => `TwentyFiveGigabitEthernet1/0/${i} to customer cross-connect`;
    const { mem, device } = longNames(24, name);
    const poller = new DevicePoller(device, mem, {
      varbindsPerPdu: 60,
      answerBytes: budgetFor('2c', community.length),
    });
    await poller.poll();
    mem.gets.length = 0;
    const res = await poller.poll();
    expect(res.every((r) => r.ok)).toBe(true);
    const sizes = mem.gets.map((g) => g.length);
    // 1 + 24 × 5 = 121 varbinds: three PDUs by count alone; by size, more.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(121);
    expect(sizes.length).toBeGreaterThan(3);
    for (const oids of mem.gets) {
      const answer = encodedAnswer(
        community,
        oids.map((oid) => {
          const v = mem.values.get(oid);
          return {
            oid,
            value:
              v && Buffer.isBuffer(v.value)
                ? { kind: 'string', text: v.value.toString('utf8') }
                : { kind: 'uint32max' },
          };
        }),
      );
      expect(answer.length).toBeLessThanOrEqual(FRAME_PAYLOAD_BYTES);
    }
  });

  it('short names and OIDs: the count is the limit', async () => {
    const { mem, device } = longNames(10, (i) => `Eth${i}`);
    const poller = new DevicePoller(device, mem, { varbindsPerPdu: 20 });
    await poller.poll();
    mem.gets.length = 0;
    await poller.poll();
    expect(mem.gets.map((g) => g.length)).toEqual([20, 20, 11]);
  });
});
