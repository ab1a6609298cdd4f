import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../../../core/logger.js';
import { OID } from '../../../../drivers/mib/mib.js';
import { H3C_OIDS } from '../../../../drivers/optics/h3c.js';
import { DevicePoller } from '../../../../drivers/snmp/device-poller.js';
import {
  balancedPduSize,
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

  /** Each GET the device was asked, encoded as its answer with every integer at its longest. */
  function answers(mem: MemorySnmp, community: string): Buffer[] {
    return mem.gets.map((oids) =>
      encodedAnswer(
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
      ),
    );
  }

  function logLines(): { logger: Logger; lines: () => Record<string, unknown>[] } {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    });
    return {
      logger: createLogger({ destination, level: 'info' }),
      lines: () =>
        chunks
          .join('')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  const community = 'c'.repeat(20);

  /** A device of `ports` ports named by `name`, at 60 varbinds a GET: its second poll, and the log. */
  async function steadyPoll(ports: number, name: (i: number) => string) {
    const { mem, device } = longNames(ports, name);
    const log = logLines();
    const poller = new DevicePoller(device, mem, {
      varbindsPerPdu: 60,
      answerBytes: budgetFor('2c', community.length),
      logger: log.logger,
    });
    await poller.poll();
    mem.gets.length = 0;
    const res = await poller.poll();
    return { mem, log, res };
  }

  it('as few PDUs as the count allows, filled evenly; with short names each answer fits a frame', async () => {
    const { mem, log } = await steadyPoll(20, (i) => `Eth${i}`);
    // 1 + 20 × 5 = 101 varbinds: two PDUs by the count, of 51 and 50 rather than 60 and 41.
    expect(mem.gets.map((g) => g.length)).toEqual([51, 50]);
    for (const a of answers(mem, community)) expect(a.length).toBeLessThanOrEqual(FRAME_PAYLOAD_BYTES);
    expect(log.lines().filter((l) => String(l.msg).includes('one frame'))).toEqual([]);
  });

  it('long names: the PDUs the count gives, and a log line with the count that would fit a frame', async () => {
    const name = (i: number) => `TwentyFiveGigabitEthernet1/0/${i} to customer cross-connect`;
    const { mem, log, res } = await steadyPoll(24, name);
    expect(res.every((r) => r.ok)).toBe(true);
    // 1 + 24 × 5 = 121 varbinds: three PDUs, as config/timing.ts counts them.
    expect(mem.gets.map((g) => g.length)).toEqual([41, 41, 39]);
    const said = log.lines().filter((l) => String(l.msg).includes('one frame'));
    expect(said).toHaveLength(1);
    const fits = said[0]!.fits as number;
    expect(fits).toBeLessThan(41);
    // The count it names does fit: every run of that many varbinds, encoded, is within a frame.
    const oids = mem.gets.flat();
    for (let at = 0; at + fits <= oids.length; at++) {
      mem.gets.length = 0;
      mem.gets.push(oids.slice(at, at + fits));
      expect(answers(mem, community)[0]!.length).toBeLessThanOrEqual(FRAME_PAYLOAD_BYTES);
    }
    // And one more does not, somewhere.
    let over = false;
    for (let at = 0; at + fits + 1 <= oids.length; at++) {
      mem.gets.length = 0;
      mem.gets.push(oids.slice(at, at + fits + 1));
      over ||= answers(mem, community)[0]!.length > FRAME_PAYLOAD_BYTES;
    }
    expect(over).toBe(true);
  });

  it('a lane list counts at its own length, not as an integer', () => {
    expect(varbindAnswerBytes(OIDS[3]!, 2 + 7 * 8)).toBeGreaterThan(varbindAnswerBytes(OIDS[3]!) + 50);
    expect(balancedPduSize(101, 50)).toBe(34);
    expect(balancedPduSize(102, 60)).toBe(51);
    expect(balancedPduSize(60, 60)).toBe(60);
    expect(balancedPduSize(1, 60)).toBe(1);
  });
});
