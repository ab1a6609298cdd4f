import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigLean, parseConfigText } from '../../../config/load.js';
import { ConfigError } from '../../../core/errors.js';
import { rejection, thrown } from '../../helpers/rejection.js';

// The long-running commands parse their YAML in a worker thread; what they get must be what every
// other command gets, errors included.
const EXAMPLE = resolve('config/agent.example.yaml');
const env = {
  SW_PASS: 'pa55-word-xyz',
  SW_COMM: 'comm-unity-xyz',
  SNMP_AUTH: 'auth-key-xyz-123',
  SNMP_PRIV: 'priv-key-xyz-123',
};

/** The issues of the ConfigError a load threw or rejected with. */
function issuesIn(err: unknown): { path: string; message: string }[] {
  expect(err).toBeInstanceOf(ConfigError);
  return [...(err as ConfigError).issues];
}

describe('the lean config load (YAML parsed in a worker thread)', () => {
  it('gives the same configuration as loadConfig', async () => {
    const fullEnv = { ...process.env, ...env };
    const lean = await loadConfigLean({ path: EXAMPLE, env: fullEnv });
    const plain = loadConfig({ path: EXAMPLE, env: fullEnv });
    expect(JSON.stringify(lean)).toBe(JSON.stringify(plain));
    expect(lean.devices.length).toBeGreaterThan(0);
    expect(lean.source).toBe(EXAMPLE);
  });

  it('names a YAML syntax error by line and column exactly as the in-process parse does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcagent-lean-'));
    const path = join(dir, 'agent.yaml');
    const text = 'redis:\n  url: redis://x\ndevices:\n  - id: a\n    id: b\n  - {url: [\n';
    writeFileSync(path, text);
    const lean = issuesIn(await rejection(loadConfigLean({ path, env: {} })));
    expect(lean).toEqual(issuesIn(thrown(() => parseConfigText(text, { env: {} }))));
    expect(lean[0]?.path).toBe('(yaml line 5, column 5)');
    expect(lean[0]?.message).toMatch(/unique/i);
  });

  it('a missing file is a config error naming the path', async () => {
    const issues = issuesIn(await rejection(loadConfigLean({ path: '/nonexistent/agent.yaml', env: {} })));
    expect(issues[0]?.message).toBe('cannot read /nonexistent/agent.yaml: file not found');
  });

  it('a document the parser throws on (an alias bomb) is a config error, in the worker as in process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcagent-lean-'));
    const path = join(dir, 'agent.yaml');
    // Each level doubles the last: far past the parser's alias limit once resolved.
    const levels = Array.from({ length: 30 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}]`);
    const text = ['l0: &l0 [x]', ...levels, 'redis: *l30', ''].join('\n');
    writeFileSync(path, text);
    const lean = issuesIn(await rejection(loadConfigLean({ path, env: {} })));
    expect(lean).toEqual(issuesIn(thrown(() => parseConfigText(text, { env: {} }))));
    expect(lean[0]?.path).toBe('(yaml)');
    expect(lean[0]?.message).toMatch(/alias/i);
  });
});
