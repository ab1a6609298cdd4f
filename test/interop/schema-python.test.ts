// The exported JSON Schemas as another language sees them: Debian's python3-jsonschema (Draft
// 2020-12) under /usr/bin/python3 loads every file, compiles every pattern with Python's `re`,
// accepts the contract's examples and refuses invalid jobs, agreeing with zod on each. Then the
// Python consumer shown in docs/schema/README.md is run verbatim against the stream.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { EventOutbox } from '../../agent/events/outbox.js';
import { createRedis, waitReady } from '../../agent/redis.js';
import { buildConfig } from '../../config/load.js';
import { eventSchema } from '../../contract/events.js';
import { deprovisionJobSchema, provisionJobSchema } from '../../contract/jobs.js';
import { silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import {
  deprovisionExample,
  envelopeFor,
  eventDataExamples,
  provisionExample,
} from '../unit/contract/examples.js';

const PYTHON = '/usr/bin/python3';
const SCHEMA_DIR = resolve('docs/schema');
const CHECKER = resolve('test/python/check_schemas.py');

interface Case {
  name: string;
  schema: string;
  instance: unknown;
  valid: boolean;
}

const job = (extra: Record<string, unknown>) => ({ ...provisionExample, ...extra });
const without = (key: string) => {
  const d: Record<string, unknown> = { ...provisionExample };
  delete d[key];
  return d;
};

const VALID_JOBS: [string, unknown][] = [
  ['contract example', provisionExample],
  ['markup and shell text is printable', job({ description: `</description><x/> $(reboot) & "q"` })],
  ['letters of other scripts', job({ description: 'Müller 東京 Ελλάδα' })],
  ['64 emoji (64 code points)', job({ description: '\u{1F600}'.repeat(64) })],
  ['empty description', job({ description: '' })],
];

const INVALID_JOBS: [string, unknown][] = [
  ['65 characters', job({ description: 'x'.repeat(65) })],
  ['65 emoji', job({ description: '\u{1F600}'.repeat(65) })],
  ['line feed in description', job({ description: 'a\nb' })],
  ['trailing line feed in description', job({ description: 'abc\n' })],
  ['CR LF then a command', job({ description: 'a\r\nreload' })],
  ['bidi override', job({ description: 'invoice \u202Efdp.exe' })],
  ['zero-width space', job({ description: 'a\u200Bb' })],
  ['line separator', job({ description: 'a\u2028b' })],
  ['NUL', job({ description: 'a\u0000b' })],
  ['C1 control', job({ description: 'a\u0085b' })],
  ['tag character', job({ description: 'a\u{E0041}b' })],
  ['private use', job({ description: 'a\uE000b' })],
  ['trailing line feed in connectionId', job({ connectionId: 'hc-7f2a9c\n' })],
  ['upper-case connectionId', job({ connectionId: 'HC-7F2A9C' })],
  ['schemaVersion 2', job({ schemaVersion: 2 })],
  ['an extra key', job({ evil: '<x/>' })],
  ['port missing', without('port')],
  ['bandwidth 0', job({ bandwidthMbps: 0 })],
  ['fractional bandwidth', job({ bandwidthMbps: 1.5 })],
  ['unknown portType', job({ portType: '400GBASE-XX' })],
  ['dryRun as a string', job({ dryRun: 'yes' })],
  ['data as a string', JSON.stringify(provisionExample)],
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const [name, instance] of VALID_JOBS)
    out.push({ name, schema: 'job.provision.schema.json', instance, valid: true });
  for (const [name, instance] of INVALID_JOBS)
    out.push({ name, schema: 'job.provision.schema.json', instance, valid: false });
  out.push({
    name: 'deprovision example',
    schema: 'job.deprovision.schema.json',
    instance: deprovisionExample,
    valid: true,
  });
  out.push({
    name: 'deprovision with a description',
    schema: 'job.deprovision.schema.json',
    instance: { ...deprovisionExample, description: 'x' },
    valid: false,
  });
  for (const [type, data] of Object.entries(eventDataExamples)) {
    out.push({ name: `${type} data`, schema: `event-data.${type}.schema.json`, instance: data, valid: true });
    out.push({
      name: `${type} event`,
      schema: 'event.schema.json',
      instance: envelopeFor(type, data),
      valid: true,
    });
  }
  out.push({
    name: 'a failure with attemptsMax 0',
    schema: 'event.schema.json',
    instance: envelopeFor('provision.failed', { ...eventDataExamples['provision.failed'], attemptsMax: 0 }),
    valid: false,
  });
  return out;
}

/** What zod says of a case, for the same instance. */
function zodSays(c: Case): boolean {
  if (c.schema === 'job.provision.schema.json') return provisionJobSchema.safeParse(c.instance).success;
  if (c.schema === 'job.deprovision.schema.json') return deprovisionJobSchema.safeParse(c.instance).success;
  if (c.schema === 'event.schema.json') return eventSchema.safeParse(c.instance).success;
  return c.valid;
}

describe('the exported JSON Schemas in Python (python3-jsonschema, Draft 2020-12)', () => {
  it('every schema loads, every pattern compiles, and Python agrees with the contract and with zod', () => {
    const all = cases();
    const out = execFileSync(PYTHON, [CHECKER, SCHEMA_DIR], {
      input: JSON.stringify(all.map((c) => ({ schema: c.schema, instance: c.instance }))),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const report = JSON.parse(out) as {
      loaded: string[];
      problems: string[];
      results: (true | string | null)[];
    };
    expect(report.problems).toEqual([]);
    expect(report.loaded.length).toBeGreaterThanOrEqual(14);
    const wrong = all.flatMap((c, i) => {
      const py = report.results[i];
      const ok = py === true;
      const issues: string[] = [];
      if (py === null) issues.push(`${c.name}: schema ${c.schema} not loaded`);
      else if (ok !== c.valid)
        issues.push(`${c.name}: Python says ${ok ? 'valid' : py}, expected ${c.valid ? 'valid' : 'invalid'}`);
      if (zodSays(c) !== c.valid) issues.push(`${c.name}: zod says ${!c.valid ? 'valid' : 'invalid'}`);
      return issues;
    });
    expect(wrong).toEqual([]);
  });
});

describe('the Python consumer in docs/schema/README.md, run verbatim', () => {
  it('reads the stream through a consumer group, validates each event and acknowledges it', async () => {
    const readme = readFileSync(resolve('docs/schema/README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    const dir = mkdtempSync(join(tmpdir(), 'dcagent-pyconsumer-'));
    const script = join(dir, 'consumer.py');
    writeFileSync(script, blocks[0]!);

    const { url } = inject('peers').redis;
    const prefix = `pycons${Date.now()}`;
    const cfg = buildConfig({ redis: { url, prefix } }, { env: {} });
    const redis = createRedis(cfg.redis, 'fast');
    await waitReady(redis, 5_000);
    const keys = new RedisKeys(prefix, 'events');
    const outbox = new EventOutbox({
      redis,
      keys,
      agentId: 'py-test',
      maxLen: 1_000,
      spillFile: join(dir, 'spill.jsonl'),
      logger: silentLogger,
    });
    outbox.open();
    const types = ['provision.succeeded', 'construction.completed', 'availability.changed'] as const;
    for (const type of types)
      await outbox.publish({
        type,
        subject: 'hc-7f2a9c',
        id: `py-${type}`,
        data: eventDataExamples[type] as never,
      });
    // Something no agent wrote: the consumer must flag it, not trust it.
    const raw = new Redis(url);
    await raw.xadd(
      keys.events,
      '*',
      'event',
      JSON.stringify({ specversion: '1.0', type: 'provision.succeeded' }),
    );

    const run = () =>
      spawnSync(PYTHON, [script], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, REDIS_URL: url, DCAGENT_PREFIX: prefix, SCHEMA_DIR, EXIT_WHEN_IDLE: '1' },
      });
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('event ')).map((l) => l.split(' ').slice(2).join(' '))).toEqual([
      'provision.succeeded hc-7f2a9c 1',
      'construction.completed hc-7f2a9c 2',
      'availability.changed hc-7f2a9c 3',
    ]);
    expect(lines.filter((l) => l.startsWith('invalid '))).toHaveLength(1);
    expect(await raw.xpending(keys.events, 'control-plane')).toEqual([0, null, null, null]);

    // A second run resumes after what the group acknowledged: nothing is read twice.
    await outbox.publish({
      type: 'monitoring.degraded',
      subject: 'hc-7f2a9c',
      data: eventDataExamples['monitoring.degraded'] as never,
    });
    const second = run();
    expect(second.status).toBe(0);
    expect(
      second.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ').slice(2).join(' ')),
    ).toEqual(['monitoring.degraded hc-7f2a9c 4']);
    await outbox.close();
    raw.disconnect();
    redis.disconnect();
  });
});
