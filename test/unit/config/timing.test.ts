import { describe, expect, it } from 'vitest';
import { buildConfig, pollShapeOf } from '../../../config/load.js';
import {
  inventoryPollLeaseMs,
  leaseRenewMs,
  pollLeaseMs,
  pollWaves,
  snmpRequestWorstMs,
  worstCasePollMs,
} from '../../../config/timing.js';
import { ConfigError } from '../../../core/errors.js';

const FP = 'SHA256:Ra3YvU1tUYxT5hZb2cU0qW8bN6m1FV8s1v0gq7JzK9A';
const env = { SW_PASS: 'pa55-word-xyz', SW_COMM: 'comm-unity-xyz' };

function config(snmp: Record<string, unknown>, monitoring: Record<string, unknown> = {}, ports = ['p1']) {
  return {
    monitoring,
    devices: [
      {
        id: 'sw1',
        host: '127.0.0.1',
        platform: 'ietf-interfaces',
        portType: '10GBASE-LR',
        ports,
        netconf: { username: 'netops', passwordEnv: 'SW_PASS', hostKey: FP },
        snmp: { version: '2c', communityEnv: 'SW_COMM', ...snmp },
        optics: 'huawei',
      },
    ],
  };
}

describe('worst-case poll time', () => {
  it('sums the tries with backoff: timeoutMs × (1 + b + … + b^retries)', () => {
    expect(snmpRequestWorstMs({ timeoutMs: 1000, retries: 2, backoff: 1.5 })).toBe(4750);
    expect(snmpRequestWorstMs({ timeoutMs: 2000, retries: 1, backoff: 1 })).toBe(4000);
    expect(snmpRequestWorstMs({ timeoutMs: 400, retries: 0, backoff: 3 })).toBe(400);
  });

  it('counts waves of PDUs: 2 + (3 + 2 × lanes) per port varbinds, maxInFlightPerDevice at a time', () => {
    const shape = { portLanes: Array(30).fill(1), varbindsPerPdu: 50, maxInFlightPerDevice: 2 };
    // 2 + 30 × 5 = 152 varbinds → 4 PDUs → 2 waves.
    expect(pollWaves(shape)).toBe(2);
    expect(worstCasePollMs({ timeoutMs: 1000, retries: 1, backoff: 2 }, shape)).toBe(6000);
    // 19 ports: 2 + 19 × 5 = 97 → 2 PDUs, one wave; with ifInErrors 2 + 19 × 6 = 116 → 3 PDUs, two.
    const small = { ...shape, portLanes: Array(19).fill(1) };
    expect(pollWaves(small)).toBe(1);
    expect(pollWaves({ ...small, countsErrors: true })).toBe(2);
  });

  it('the lease outlives the worst-case poll and one renewal period', () => {
    expect(pollLeaseMs(2000, 1900)).toBe(3000);
    expect(pollLeaseMs(10_000, 4750)).toBe(15_000);
  });

  it('the defaults fit the default interval', () => {
    const cfg = buildConfig(config({}), { env });
    expect(cfg.devices[0]?.snmp).toMatchObject({ timeoutMs: 1000, retries: 2, backoff: 1.5 });
  });

  it('refuses a device whose worst-case poll cannot fit the interval, naming the knobs', () => {
    let err: unknown;
    try {
      buildConfig(config({ timeoutMs: 2000, retries: 1, backoff: 1 }, { intervalSeconds: 2 }), { env });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('devices[0] (sw1).snmp.timeoutMs');
    expect(issues[0]?.message).toMatch(
      /worst-case poll of 4000 ms .* does not fit monitoring\.intervalSeconds \(2000 ms\)/,
    );
    expect(issues[0]?.message).toMatch(/lower devices\[0\]\.snmp\.timeoutMs, \.retries or \.backoff/);
  });

  it('names the PDU knobs when many ports need several waves', () => {
    const ports = Array.from({ length: 60 }, (_, i) => `p${i}`);
    // 2 + 60 × 6 (error counters on by default) = 362 varbinds → 37 PDUs of 10 → 19 waves of 2.
    expect(() =>
      buildConfig(
        config({ timeoutMs: 1000, retries: 0 }, { intervalSeconds: 2, varbindsPerPduV2c: 10 }, ports),
        {
          env,
        },
      ),
    ).toThrow(/× 19 waves of PDUs.*raise monitoring\.maxInFlightPerDevice or varbindsPerPdu/);
  });

  it('accepts a fast config on a short interval', () => {
    expect(() =>
      buildConfig(config({ timeoutMs: 400, retries: 2, backoff: 1.5 }, { intervalSeconds: 2 }), { env }),
    ).not.toThrow();
  });
});

describe('the poll lease across config reloads', () => {
  // Reloads go through the same validation as a start, and the interval cannot change at run
  // time, so the slowest device a reload can add has a worst-case poll of one interval.
  it('covers the slowest device any loadable inventory can hold, so a reload never needs a longer one', () => {
    // 2000 + 3000 + 4500 = 9500 ms: close to the 10 s interval, the most that loads.
    const edge = buildConfig(config({ timeoutMs: 2000, retries: 2, backoff: 1.5 }), { env });
    const d = edge.devices[0]!;
    const worst = worstCasePollMs(d.snmp, pollShapeOf(d, edge.monitoring));
    const lease = inventoryPollLeaseMs(edge.monitoring);
    expect(worst).toBeLessThanOrEqual(edge.monitoring.intervalSeconds * 1000);
    expect(lease).toBeGreaterThanOrEqual(worst + leaseRenewMs(edge.monitoring.intervalSeconds * 1000));
    // The same lease as an inventory of only fast devices: what was added does not matter.
    const fast = buildConfig(config({ timeoutMs: 200, retries: 0 }), { env });
    expect(inventoryPollLeaseMs(fast.monitoring)).toBe(lease);
    // One step slower does not load, at start or on a reload.
    expect(() => buildConfig(config({ timeoutMs: 2000, retries: 3, backoff: 1.5 }), { env })).toThrow(
      ConfigError,
    );
  });
});
