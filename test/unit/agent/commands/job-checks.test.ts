import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../helpers/cli.js';

// `enqueue` makes the job's own checks before anything reaches the queue: the Redis below does
// not exist, so a command that got as far as Redis would say so instead.
const dir = mkdtempSync(join(tmpdir(), 'dcagent-job-checks-'));
writeFileSync(join(dir, 'secret'), 'x\n');
const config = join(dir, 'agent.yaml');
writeFileSync(
  config,
  `redis: { url: "redis://127.0.0.1:1", connectTimeoutMs: 500 }
devices:
  - id: dc-sw-01
    host: 192.0.2.1
    platform: cli-vrp
    portType: 10GBASE-LR
    ports: ["10GE1/0/1"]
    cli: { username: netops, passwordFile: secret, hostKey: "SHA256:${'A'.repeat(43)}" }
    snmp: { version: 2c, communityFile: secret }
    optics: huawei
`,
);
const enqueue = (...extra: string[]) =>
  runCli([
    'enqueue',
    'provision',
    '--device',
    'dc-sw-01',
    '--port',
    '10GE1/0/1',
    '--connection',
    'hc-1',
    '--config',
    config,
    ...extra,
  ]);

describe('enqueue refuses what the job would refuse, before Redis', () => {
  it('a port type the inventory contradicts: invalid-job, exit 2', async () => {
    const r = await enqueue('--port-type', '1000BASE-LX');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^dcagent: invalid-job: --port-type: port 10GE1\/0\/1 is 10GBASE-LR in the inventory\n$/,
    );
  });

  it('a bandwidth above the port speed: invalid-job, exit 2', async () => {
    const r = await enqueue('--bandwidth-mbps', '999999');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcagent: invalid-job: --bandwidth-mbps: exceeds the port speed/);
  });

  it('a description the CLI dialect cannot carry: invalid-job, as the job reports it', async () => {
    const r = await enqueue('--description', 'why?');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dcagent: invalid-job: .*context help/);
    expect(r.stderr).not.toMatch(/redis|127\.0\.0\.1:1/i);
  });
});

describe('audit', () => {
  it('checks its flags with zod: a malformed connection id is bad usage', async () => {
    const r = await runCli(['audit', '--device', 'dc-sw-01', '--connection', 'NOT OK', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dcagent: --connection: /);
  });
});
