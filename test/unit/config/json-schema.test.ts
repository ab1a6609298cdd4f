import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../../../config/json-schema.js';
import { renderJsonSchema } from '../../../contract/json-schema.js';
import { startLab } from '../../../lab/index.js';

// The config file's JSON Schema (docs/schema/config.schema.json) checked with an independent
// validator, ajv: it is what editors use through the example's yaml-language-server modeline.
const ROOT = resolve(import.meta.dirname, '../../..');
const onDisk = JSON.parse(readFileSync(join(ROOT, 'docs/schema', CONFIG_SCHEMA_FILE), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(onDisk);

function problems(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('config JSON Schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-config-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on disk matches the zod schema (run `npm run build && npm run schema:export` if not)', () => {
    expect(readFileSync(join(ROOT, 'docs/schema', CONFIG_SCHEMA_FILE), 'utf8')).toBe(
      renderJsonSchema(configJsonSchema()),
    );
  });

  it('is named by the example config in a yaml-language-server modeline that resolves', () => {
    const text = readFileSync(join(ROOT, 'config/agent.example.yaml'), 'utf8');
    const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text);
    expect(m, 'modeline').not.toBeNull();
    expect(resolve(ROOT, 'config', m![1]!)).toBe(join(ROOT, 'docs/schema', CONFIG_SCHEMA_FILE));
  });

  it('accepts config/agent.example.yaml', () => {
    const doc = parse(readFileSync(join(ROOT, 'config/agent.example.yaml'), 'utf8')) as unknown;
    expect(problems(doc)).toEqual([]);
  });

  it('accepts the config the lab writes (NETCONF and CLI switches, secrets in files)', async () => {
    const configOut = join(dir, 'agent.yaml');
    const lab = await startLab({
      devices: 3,
      ports: 2,
      platform: ['ietf-interfaces', 'cli-vrp', 'cli-ios'],
      configOut,
      secrets: 'files',
      controlPort: false,
      stateFile: join(dir, 'state.json'),
    });
    try {
      const doc = parse(readFileSync(configOut, 'utf8')) as { devices: unknown[] };
      expect(doc.devices).toHaveLength(3);
      expect(problems(doc)).toEqual([]);
    } finally {
      await lab.stop();
    }
  });

  it('rejects a typo in a key, naming where it is', () => {
    const doc = parse(readFileSync(join(ROOT, 'config/agent.example.yaml'), 'utf8')) as {
      devices: Record<string, Record<string, unknown>>[];
    };
    const netconf = doc.devices[0]!.netconf!;
    netconf.pasword_env = netconf.passwordEnv ?? 'X';
    const found = problems(doc);
    expect(found.join('\n')).toMatch(/^\/devices\/0\/netconf must NOT have additional properties$/m);
    expect(validate.errors?.[0]?.params).toMatchObject({ additionalProperty: 'pasword_env' });
  });

  it('rejects a wrong value type and an unknown top-level section', () => {
    expect(problems({ agent: { httpPort: 'ninety' } }).join('\n')).toMatch(
      /\/agent\/httpPort must be integer/,
    );
    expect(problems({ monitorng: {} }).join('\n')).toMatch(/must NOT have additional properties/);
  });
});
