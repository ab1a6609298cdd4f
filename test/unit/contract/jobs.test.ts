import { describe, expect, it } from 'vitest';
import {
  connectionOfDescription,
  DESCRIPTION_MAX,
  deprovisionJobSchema,
  descriptionSchema,
  jobIdSchema,
  NON_PRINTABLE_CLASS,
  portDescription,
  provisionJobSchema,
} from '../../../contract/jobs.js';
import { contractJsonSchemas } from '../../../contract/json-schema.js';
import { toFieldIssues } from '../../../core/zod-issues.js';
import { deprovisionExample, provisionExample } from './examples.js';

function rejectPaths(
  schema: typeof provisionJobSchema | typeof deprovisionJobSchema,
  data: unknown,
): string[] {
  const r = schema.safeParse(data);
  expect(r.success).toBe(false);
  return r.success ? [] : toFieldIssues(r.error).map((i) => i.path);
}

describe('job payloads (CONTRACT §3)', () => {
  it('accepts the contract examples', () => {
    expect(provisionJobSchema.parse(provisionExample)).toEqual(provisionExample);
    expect(
      provisionJobSchema.parse({ schemaVersion: 1, connectionId: 'hc-1a2', device: 'd', port: 'p' }),
    ).toBeTruthy();
    expect(deprovisionJobSchema.parse(deprovisionExample)).toEqual(deprovisionExample);
    expect(deprovisionJobSchema.parse({ ...deprovisionExample, dryRun: true }).dryRun).toBe(true);
    expect(jobIdSchema.parse('provision-hc-7f2a9c-1')).toBe('provision-hc-7f2a9c-1');
  });

  it('accepts a 64-character description, Unicode text and the empty string', () => {
    for (const description of ['x'.repeat(64), 'Müller GmbH – Zürich 東京', '']) {
      expect(provisionJobSchema.safeParse({ ...provisionExample, description }).success).toBe(true);
    }
  });

  const base = provisionExample;
  const { description: _d, ...noDescription } = base;
  const invalid: [string, unknown, string][] = [
    ['missing schemaVersion', { ...base, schemaVersion: undefined }, 'schemaVersion'],
    ['schemaVersion 2', { ...base, schemaVersion: 2 }, 'schemaVersion'],
    ['schemaVersion as string', { ...base, schemaVersion: '1' }, 'schemaVersion'],
    ['missing connectionId', { ...base, connectionId: undefined }, 'connectionId'],
    ['upper-case connectionId', { ...base, connectionId: 'HC-7F2A9C' }, 'connectionId'],
    ['too short connectionId', { ...base, connectionId: 'hc' }, 'connectionId'],
    ['connectionId starting with -', { ...base, connectionId: '-hc-123' }, 'connectionId'],
    ['connectionId with a space', { ...base, connectionId: 'hc 123' }, 'connectionId'],
    ['connectionId of 64 chars', { ...base, connectionId: `a${'b'.repeat(63)}` }, 'connectionId'],
    ['connectionId with a colon', { ...base, connectionId: 'hc:123' }, 'connectionId'],
    ['connectionId as number', { ...base, connectionId: 12345 }, 'connectionId'],
    ['missing device', { ...base, device: undefined }, 'device'],
    ['empty device', { ...base, device: '' }, 'device'],
    ['device as object', { ...base, device: { id: 'x' } }, 'device'],
    ['missing port', { ...base, port: undefined }, 'port'],
    ['port as number', { ...base, port: 1 }, 'port'],
    ['port of 10 KB', { ...base, port: 'p'.repeat(10_240) }, 'port'],
    ['unknown portType', { ...base, portType: '40GBASE-SR4' }, 'portType'],
    ['description of 65 chars', { ...base, description: 'x'.repeat(65) }, 'description'],
    ['description of 10 KB', { ...base, description: 'x'.repeat(10_240) }, 'description'],
    ['description with a newline', { ...base, description: 'a\nb' }, 'description'],
    ['description with a NUL', { ...base, description: 'a\u0000b' }, 'description'],
    ['description with ESC', { ...base, description: 'a\u001b[31mred' }, 'description'],
    ['description with a bidi override', { ...base, description: 'abc\u202Edcba' }, 'description'],
    ['description with a line separator', { ...base, description: 'a\u2028b' }, 'description'],
    ['description with a tab', { ...base, description: 'a\tb' }, 'description'],
    ['description as number', { ...noDescription, description: 42 }, 'description'],
    ['negative bandwidth', { ...base, bandwidthMbps: -100 }, 'bandwidthMbps'],
    ['zero bandwidth', { ...base, bandwidthMbps: 0 }, 'bandwidthMbps'],
    ['fractional bandwidth', { ...base, bandwidthMbps: 1.5 }, 'bandwidthMbps'],
    ['bandwidth as string', { ...base, bandwidthMbps: '1000' }, 'bandwidthMbps'],
    ['dryRun as string', { ...base, dryRun: 'yes' }, 'dryRun'],
    ['extra unknown key', { ...base, vlan: 100 }, 'vlan'],
    ['extra key used for injection', { ...base, __proto__x: '<x/>' }, '__proto__x'],
  ];

  it.each(invalid)('rejects %s, naming the field', (_name, data, path) => {
    expect(rejectPaths(provisionJobSchema, data)).toContain(path);
  });

  it('names every offending field at once', () => {
    const paths = rejectPaths(provisionJobSchema, { schemaVersion: 3, connectionId: 'X', port: 7, extra: 1 });
    expect(paths).toEqual(
      expect.arrayContaining(['schemaVersion', 'connectionId', 'device', 'port', 'extra']),
    );
  });

  it('deprovision has no provisioning fields', () => {
    expect(rejectPaths(deprovisionJobSchema, { ...deprovisionExample, description: 'x' })).toContain(
      'description',
    );
    expect(rejectPaths(deprovisionJobSchema, { ...deprovisionExample, connectionId: 'BAD ID' })).toContain(
      'connectionId',
    );
  });

  it('rejects non-object data', () => {
    for (const data of [null, 'provision', 42, []])
      expect(provisionJobSchema.safeParse(data).success).toBe(false);
  });

  it('job ids follow BullMQ rules', () => {
    expect(jobIdSchema.safeParse('123456').success).toBe(false);
    expect(jobIdSchema.safeParse('provision:hc-1').success).toBe(false);
    expect(jobIdSchema.safeParse('').success).toBe(false);
  });

  it('builds and recognises the port description', () => {
    expect(portDescription('hc-7f2a9c', 'ACME')).toBe('HC hc-7f2a9c ACME');
    expect(portDescription('hc-7f2a9c')).toBe('HC hc-7f2a9c');
    expect(connectionOfDescription('HC hc-7f2a9c ACME')).toBe('hc-7f2a9c');
    expect(connectionOfDescription('uplink to core')).toBeUndefined();
    expect(connectionOfDescription(undefined)).toBeUndefined();
  });
});

describe('the printable rule without \\p{..} classes (portable to every regex engine)', () => {
  it('refuses exactly Unicode Cc, Cf, Co, Zl and Zp, and lone surrogates', () => {
    const unicode = /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]/u;
    const wrong: string[] = [];
    for (let c = 0; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCodePoint(c);
      const refused = !descriptionSchema.safeParse(ch).success;
      if (refused !== unicode.test(ch)) wrong.push(c.toString(16));
    }
    expect(wrong).toEqual([]);
    expect(descriptionSchema.safeParse('a\uD800b').success).toBe(false);
    expect(descriptionSchema.safeParse('ok \u{1F600}').success).toBe(true);
  });

  it('counts the 64 characters in code points, as JSON Schema maxLength does', () => {
    expect(descriptionSchema.safeParse('\u{1F600}'.repeat(DESCRIPTION_MAX)).success).toBe(true);
    expect(descriptionSchema.safeParse('\u{1F600}'.repeat(DESCRIPTION_MAX + 1)).success).toBe(false);
  });

  it('the exported pattern is the same class, in the recommended regex subset', () => {
    const text = JSON.stringify(contractJsonSchemas()['job.provision.schema.json']);
    expect(text).not.toMatch(/\\\\p\{/);
    expect(text).toContain(JSON.stringify(NON_PRINTABLE_CLASS));
  });
});
