import { describe, expect, it } from 'vitest';
import { formatAudit } from '../../../../agent/commands/audit.js';
import type { AuditResult } from '../../../../jobs/handlers/audit.js';

const base: AuditResult = {
  device: 'dc-sw-01',
  port: null,
  jobId: 'audit-dc-sw-01-1',
  portsAudited: 2,
  drifts: [],
  healed: 0,
  detectedBy: 'audit',
  policy: 'report',
  durationMs: 12,
  ports: [
    {
      port: 'p1',
      exists: true,
      description: 'edited',
      enabled: false,
      connectionId: null,
      subinterfaces: [],
    },
    { port: 'p2', exists: false, description: null, enabled: null, connectionId: null, subinterfaces: [] },
  ],
};

describe('audit --wait (human output)', () => {
  it('says "no drift" when the device matched, then the ports as read', () => {
    expect(formatAudit(base)).toEqual([
      'audit dc-sw-01 (job audit-dc-sw-01-1): 2 ports read, no drift (policy report)',
      '  ports as read:',
      '    p1: shutdown, "edited"',
      '    p2: no configuration',
    ]);
  });

  it('lists every drift, field by field, before the ports', () => {
    const lines = formatAudit({
      ...base,
      policy: 'heal',
      healed: 1,
      drifts: [
        {
          connectionId: 'hc-1',
          port: 'p1',
          published: true,
          healed: true,
          drifts: [
            { field: 'description', expected: 'HC hc-1 x', actual: 'edited' },
            { field: 'enabled', expected: true, actual: false },
          ],
        },
        {
          connectionId: 'hc-2',
          port: 'p2',
          published: false,
          healed: false,
          drifts: [{ field: 'missing', expected: 'configured', actual: null }],
        },
      ],
    });
    expect(lines.slice(0, 6)).toEqual([
      'audit dc-sw-01 (job audit-dc-sw-01-1): 2 ports read, 2 connections drifted, 1 healed (policy heal)',
      '  DRIFT hc-1 on p1 (healed):',
      '    description: expected "HC hc-1 x", found "edited"',
      '    enabled: expected true, found false',
      '  DRIFT hc-2 on p2 (already reported):',
      '    missing: expected "configured", found null',
    ]);
    expect(lines[6]).toBe('  ports as read:');
  });
});
