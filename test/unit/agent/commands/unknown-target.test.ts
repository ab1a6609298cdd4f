import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../helpers/cli.js';

// An unknown device or port is the same mistake in every command: same words, exit 2. None of
// these reach Redis or a device (the config points at neither), so the check comes first.
const dir = mkdtempSync(join(tmpdir(), 'dcagent-unknown-'));
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
    ports: ["10GE1/0/1", "10GE1/0/2"]
    cli: { username: netops, passwordFile: secret, hostKey: "SHA256:${'A'.repeat(43)}" }
    snmp: { version: 2c, communityFile: secret, port: 1, timeoutMs: 200, retries: 0 }
    optics: huawei
`,
);
const target = (device: string, port: string) => ['--device', device, '--port', port];
const COMMANDS: [string, string[]][] = [
  ['plan', ['plan', 'provision', '--connection', 'hc-1']],
  ['plan --offline', ['plan', 'provision', '--connection', 'hc-1', '--offline']],
  ['enqueue', ['enqueue', 'provision', '--connection', 'hc-1']],
  ['status', ['status']],
  ['audit', ['audit']],
];

describe('an unknown port or device', () => {
  it.each(COMMANDS)('%s: the same message and exit 2', async (_name, args) => {
    const port = await runCli([...args, ...target('dc-sw-01', '10GE9/9/9'), '--config', config]);
    expect(port.code).toBe(2);
    expect(port.stderr).toBe(
      'dcagent: --port: 10GE9/9/9 is not a port of dc-sw-01 in the inventory (ports: 10GE1/0/1, 10GE1/0/2)\n',
    );
    const device = await runCli([...args, ...target('dc-sw-99', '10GE1/0/1'), '--config', config]);
    expect(device.code).toBe(2);
    expect(device.stderr).toBe(
      `dcagent: --device: dc-sw-99 is not in the inventory of ${config} (devices: dc-sw-01)\n`,
    );
  });
});
