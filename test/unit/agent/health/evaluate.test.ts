import { describe, expect, it } from 'vitest';
import { evaluateHealth, type HealthInput } from '../../../../agent/health/evaluate.js';
import { DEFAULT_THRESHOLDS } from '../../../../config/defaults.js';

const TEN_G = DEFAULT_THRESHOLDS['10GBASE-LR']; // rx -14.4…0.5, tx -8.2…0.5
const LR4 = DEFAULT_THRESHOLDS['100GBASE-LR4']; // rx -10.6…4.5, tx -4.3…4.5

const port = (over: Partial<HealthInput> = {}): HealthInput => ({
  adminStatus: 'up',
  operStatus: 'up',
  lanes: [{ rxDbm: -3, txDbm: -2 }],
  opticsRead: true,
  ...over,
});

describe('evaluateHealth', () => {
  it('healthy: admin up, oper up, every lane inside the thresholds', () => {
    expect(evaluateHealth(port(), TEN_G)).toEqual({ healthy: true, reasons: [] });
  });

  it('thresholds are inclusive', () => {
    expect(evaluateHealth(port({ lanes: [{ rxDbm: -14.4, txDbm: 0.5 }] }), TEN_G).healthy).toBe(true);
    expect(evaluateHealth(port({ lanes: [{ rxDbm: -14.41, txDbm: 0.5 }] }), TEN_G).reasons).toEqual([
      'rx-low',
    ]);
    expect(evaluateHealth(port({ lanes: [{ rxDbm: -3, txDbm: 0.51 }] }), TEN_G).reasons).toEqual(['tx-high']);
  });

  it('admin down is admin-down and nothing else: optics are judged only when admin is up', () => {
    expect(
      evaluateHealth(
        port({ adminStatus: 'down', operStatus: 'down', lanes: [{ rxDbm: null, txDbm: 9 }] }),
        TEN_G,
      ),
    ).toEqual({
      healthy: false,
      reasons: ['admin-down'],
    });
    expect(evaluateHealth(port({ adminStatus: 'testing' }), TEN_G).reasons).toEqual(['admin-down']);
  });

  it('oper not up is oper-down, and optics are still judged', () => {
    expect(
      evaluateHealth(port({ operStatus: 'lowerLayerDown', lanes: [{ rxDbm: null, txDbm: -2 }] }), TEN_G)
        .reasons,
    ).toEqual(['oper-down', 'rx-low']);
    expect(evaluateHealth(port({ operStatus: 'dormant' }), TEN_G).reasons).toEqual(['oper-down']);
  });

  it('a null reading on an admin-up port is rx-low / tx-low (no light is no light)', () => {
    expect(evaluateHealth(port({ lanes: [{ rxDbm: null, txDbm: null }] }), TEN_G).reasons).toEqual([
      'rx-low',
      'tx-low',
    ]);
    expect(evaluateHealth(port({ lanes: [] }), TEN_G).reasons).toEqual(['rx-low', 'tx-low']);
  });

  it('the worst lane decides; reasons are unique and ordered by severity', () => {
    const lanes = [
      { rxDbm: 1, txDbm: 1 },
      { rxDbm: -11, txDbm: 4.6 },
      { rxDbm: 4.6, txDbm: -5 },
      { rxDbm: -12, txDbm: 1 },
    ];
    expect(evaluateHealth(port({ lanes }), LR4)).toEqual({
      healthy: false,
      reasons: ['rx-low', 'rx-high', 'tx-low', 'tx-high'],
    });
    expect(evaluateHealth(port({ lanes: lanes.slice(0, 1) }), LR4).healthy).toBe(true);
  });

  it('per-port thresholds (already resolved by the config) are the ones applied', () => {
    const strict = { rx: [-5, 0], tx: [-3, 0] } as const;
    expect(evaluateHealth(port({ lanes: [{ rxDbm: -6, txDbm: -2 }] }), strict).reasons).toEqual(['rx-low']);
  });

  it('a device whose optics are not read is judged on status alone', () => {
    expect(evaluateHealth(port({ lanes: [], opticsRead: false }), TEN_G)).toEqual({
      healthy: true,
      reasons: [],
    });
  });
});
