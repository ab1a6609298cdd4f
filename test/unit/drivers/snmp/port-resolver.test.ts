import { describe, expect, it } from 'vitest';
import { hexDumpText, OID, octetText } from '../../../../drivers/mib/mib.js';
import { InterfaceIndex, PortResolver, restarted } from '../../../../drivers/snmp/port-resolver.js';
import { VarbindType } from '../../../../drivers/transport/snmp.js';
import { MemorySnmp } from '../../../fakes/snmp-memory.js';

const nameRow = (i: number, v: string | Buffer) => ({
  oid: `${OID.ifName}.${i}`,
  type: VarbindType.OctetString,
  value: typeof v === 'string' ? Buffer.from(v) : v,
});
const descrRow = (i: number, v: string) => ({
  oid: `${OID.ifDescr}.${i}`,
  type: VarbindType.OctetString,
  value: Buffer.from(v),
});

describe('octet strings as names', () => {
  it('strips NUL padding and keeps printable text', () => {
    expect(octetText(Buffer.from('Fa3/0/1\0\0'))).toBe('Fa3/0/1');
    expect(octetText(Buffer.from('100GE1/0/1'))).toBe('100GE1/0/1');
    expect(octetText(Buffer.from([0xff, 0x01, 0x80]))).toBeNull();
    expect(octetText(Buffer.from('Порт1', 'utf8'))).toBe('Порт1');
  });
  it('decodes hex dumps of printable names', () => {
    expect(hexDumpText('46 61 33 2F 30 2F 31')).toBe('Fa3/0/1');
    expect(hexDumpText('0x4661332f302f31')).toBe('Fa3/0/1');
    expect(hexDumpText('46:61:33:2f:30:2f:31')).toBe('Fa3/0/1');
    expect(hexDumpText('ae10')).toBeNull();
    expect(hexDumpText('Fa3/0/1')).toBeNull();
  });
});

describe('InterfaceIndex', () => {
  it('prefers ifName, then ifDescr, then hex spellings, then case-insensitive', () => {
    const idx = new InterfaceIndex(
      [nameRow(1, 'Te1/1'), nameRow(2, '4661332f302f31'), nameRow(3, 'xe-0/0/3'), nameRow(4, '4142')],
      [descrRow(1, 'TenGigabitEthernet1/1'), descrRow(5, 'Te1/1'), descrRow(9, 'AB')],
    );
    expect(idx.lookup('Te1/1')?.ifIndex).toBe(1);
    expect(idx.lookup('TenGigabitEthernet1/1')?.ifIndex).toBe(1);
    expect(idx.lookup('Fa3/0/1')?.ifIndex).toBe(2);
    expect(idx.lookup('XE-0/0/3')?.ifIndex).toBe(3);
    // The exact ifDescr "AB" wins over the hex reading of ifName "4142".
    expect(idx.lookup('AB')?.ifIndex).toBe(9);
    expect(idx.lookup('4142')?.ifIndex).toBe(4);
    expect(idx.lookup('nope')).toBeUndefined();
  });
  it('matches binary names by their hex spelling', () => {
    const idx = new InterfaceIndex([nameRow(7, Buffer.from([0xde, 0xad, 0xbe, 0xef]))], []);
    expect(idx.lookup('deadbeef')?.ifIndex).toBe(7);
  });
  it('with duplicate names, the lowest ifIndex wins', () => {
    const idx = new InterfaceIndex([nameRow(20, 'eth0'), nameRow(3, 'eth0')], []);
    expect(idx.lookup('eth0')?.ifIndex).toBe(3);
  });
});

describe('restarted', () => {
  it('is a reboot when sysUpTime goes back, but not a 32-bit wrap', () => {
    expect(restarted(500_000, 100)).toBe(true);
    expect(restarted(100, 500_000)).toBe(false);
    expect(restarted(2 ** 32 - 100, 50)).toBe(false);
  });
});

describe('PortResolver', () => {
  const device = () => {
    const mem = new MemorySnmp();
    mem.str(`${OID.ifName}.5`, 'Eth5').str(`${OID.ifName}.6`, 'Eth6').str(`${OID.ifDescr}.5`, 'Ethernet 5');
    return mem;
  };

  it('walks once and caches', async () => {
    const mem = device();
    const r = new PortResolver(mem);
    expect((await r.resolve(['Eth5', 'Eth6'])).get('Eth6')?.ifIndex).toBe(6);
    await r.resolve(['Eth5']);
    expect(mem.walks).toEqual([OID.ifName, OID.ifDescr]);
    expect(r.generation).toBe(1);
  });

  it('refreshes on a miss, rate-limited', async () => {
    let now = 0;
    const mem = device();
    const r = new PortResolver(mem, { now: () => now, missRefreshMs: 60_000 });
    await r.resolve(['Eth5']);
    mem.str(`${OID.ifName}.7`, 'Eth7');
    now = 1_000;
    expect((await r.resolve(['Eth7'])).has('Eth7')).toBe(false);
    expect(mem.walks).toHaveLength(2);
    now = 61_000;
    expect((await r.resolve(['Eth7'])).get('Eth7')?.ifIndex).toBe(7);
    expect(mem.walks).toHaveLength(4);
    expect(r.generation).toBe(2);
  });

  it('drops the cache when sysUpTime goes backwards (ifIndex may be renumbered)', async () => {
    const mem = device();
    const r = new PortResolver(mem);
    await r.resolve(['Eth5']);
    expect(r.noteUptime(1_000_000)).toBe(false);
    expect(r.noteUptime(1_000_500)).toBe(false);
    mem.delete(`${OID.ifName}.5`).str(`${OID.ifName}.50`, 'Eth5');
    expect(r.noteUptime(300)).toBe(true);
    expect((await r.resolve(['Eth5'])).get('Eth5')?.ifIndex).toBe(50);
  });

  it('shares one walk between concurrent callers', async () => {
    const mem = device();
    const r = new PortResolver(mem);
    await Promise.all([r.resolve(['Eth5']), r.resolve(['Eth6'])]);
    expect(mem.walks).toEqual([OID.ifName, OID.ifDescr]);
  });
});
