import { describe, expect, it } from 'vitest';
import { readTrap } from '../../../../agent/traps/trap-pdu.js';

const trapOid = (oid: string) => ({ oid: '1.3.6.1.6.3.1.1.4.1.0', value: oid });
const ifIndex = (n: number) => ({ oid: `1.3.6.1.2.1.2.2.1.1.${n}`, value: n });

describe('readTrap', () => {
  it('reads v2c/v3 linkDown and linkUp with their ifIndex', () => {
    expect(readTrap({ type: 167, varbinds: [trapOid('1.3.6.1.6.3.1.1.5.3'), ifIndex(7)] })).toEqual({
      type: 'linkDown',
      ifIndex: 7,
    });
    expect(readTrap({ type: 167, varbinds: [trapOid('1.3.6.1.6.3.1.1.5.4')] })).toEqual({
      type: 'linkUp',
      ifIndex: null,
    });
  });

  it('normalises v1 generic traps 2 and 3, and calls anything else other', () => {
    expect(readTrap({ type: 164, generic: 2, varbinds: [ifIndex(3)] })).toEqual({
      type: 'linkDown',
      ifIndex: 3,
    });
    expect(readTrap({ type: 164, generic: 3, varbinds: [] })).toEqual({ type: 'linkUp', ifIndex: null });
    expect(readTrap({ type: 164, generic: 6 }).type).toBe('other');
    expect(readTrap({ type: 167, varbinds: [trapOid('1.3.6.1.6.3.1.1.5.1')] }).type).toBe('other');
  });

  it('ignores an ifIndex varbind that is not an integer', () => {
    expect(
      readTrap({ type: 164, generic: 2, varbinds: [{ oid: '1.3.6.1.2.1.2.2.1.1.3', value: 'x' }] }).ifIndex,
    ).toBeNull();
  });
});
