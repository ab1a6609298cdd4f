/** One valid instance of every job and event shape in CONTRACT §3–4, shared by the contract tests. */
export const provisionExample = {
  schemaVersion: 1,
  connectionId: 'hc-7f2a9c',
  device: 'dc-sw-01',
  port: '10GE1/0/1',
  portType: '10GBASE-LR',
  description: 'ACME Corp primary, rack 12',
  bandwidthMbps: 10_000,
  dryRun: false,
};

export const deprovisionExample = {
  schemaVersion: 1,
  connectionId: 'hc-7f2a9c',
  device: 'dc-sw-01',
  port: '10GE1/0/1',
};

const at = { device: 'dc-sw-01', port: '10GE1/0/1' };
const thresholds = { rx: [-14.4, 0.5], tx: [-8.2, 0.5] };

export const eventDataExamples: Record<string, Record<string, unknown>> = {
  'provision.planned': { ...at, rpc: '<rpc message-id="1"/>', diff: '--- a\n+++ b\n', changes: 2 },
  'deprovision.planned': { ...at, rpc: 'interface 10GE1/0/1\n undo description', diff: '', changes: 0 },
  'provision.succeeded': {
    ...at,
    portType: '10GBASE-LR',
    description: 'HC hc-7f2a9c ACME',
    verified: true,
    confirmedCommit: true,
    durationMs: 812,
  },
  'provision.failed': {
    ...at,
    code: 'lock-denied',
    message: 'lock held by session 12',
    retryable: true,
    attempt: 2,
    attemptsMax: 5,
  },
  'deprovision.failed': {
    ...at,
    code: 'timeout',
    message: 'rpc timed out',
    retryable: true,
    attempt: 5,
    attemptsMax: 5,
  },
  'construction.completed': {
    ...at,
    evidence: {
      adminStatus: 'up',
      operStatus: 'up',
      rxDbm: [-3.1],
      txDbm: [-2.2],
      thresholds,
      samples: 3,
      since: '2026-11-27T07:00:00.000Z',
    },
  },
  'availability.changed': {
    ...at,
    to: 'unavailable',
    reason: 'oper-down',
    rxDbm: [null],
    txDbm: [-2.2],
    flapCount: 0,
  },
  'monitoring.degraded': { ...at, reason: 'snmp-timeout', since: '2026-11-27T07:00:00Z' },
  'monitoring.restored': { ...at, reason: 'recovered', since: '2026-11-27T07:01:00Z' },
  'deprovision.succeeded': { ...at, verified: true, lightPresent: true },
  'deprovision.blocked': { ...at, reason: 'private-virtual-interfaces', subinterfaces: ['10GE1/0/1.100'] },
  'optics.changed': { ...at, change: 'inserted', module: { vendor: 'ACME', part: 'LR-10G', serial: 'X1' } },
  'optics.degrading': {
    ...at,
    lane: 1,
    direction: 'rx',
    dbm: -12.9,
    baselineDbm: -4.1,
    cause: 'trend',
    slopeDbPerDay: -0.5,
    hoursToAlarm: 72.4,
  },
  'drift.detected': {
    ...at,
    drifts: [{ field: 'enabled', expected: true, actual: false }],
    diff: '--- a\n+++ b\n@@ -1,2 +1,2 @@\n interface 10GE1/0/1\n- enabled false\n+ enabled true\n',
    detectedBy: 'audit',
    policy: 'report',
  },
  'drift.healed': { ...at, diff: '', verified: true, durationMs: 850 },
  'audit.completed': {
    device: 'dc-sw-01',
    port: null,
    jobId: 'audit-dc-sw-01-1966',
    portsAudited: 2,
    drifts: [
      {
        connectionId: 'hc-7f2a9c',
        port: '10GE1/0/1',
        drifts: [{ field: 'enabled', expected: true, actual: false }],
        published: true,
        healed: false,
      },
    ],
    healed: 0,
    detectedBy: 'audit',
    policy: 'report',
    durationMs: 120,
  },
  'audit.failed': {
    device: 'dc-sw-01',
    port: null,
    code: 'unreachable',
    message: 'connect ECONNREFUSED',
    retryable: true,
    attempt: 1,
    attemptsMax: 1,
    final: true,
  },
};

export function envelopeFor(type: string, data: Record<string, unknown>): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `agent-1:hc-7f2a9c:${type}:1`,
    source: 'dcagent/agent-1',
    type,
    subject: 'hc-7f2a9c',
    time: '2026-11-27T07:00:00.000Z',
    sequence: 1,
    dryRun: type.endsWith('.planned'),
    data,
  };
}
