// `dcagent plan … --offline` for the CLI platforms prints the native lines the driver would type,
// and for the NETCONF platforms the exact edit-config (each model's YANG paths are cited in
// golden/<platform>.md); the golden files pin them. DCAGENT_UPDATE_GOLDEN=1 rewrites the files
// after a deliberate change.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseXml, serialize } from '../../../../drivers/xml/xml.js';
import { runCli } from '../../../helpers/cli.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const dir = mkdtempSync(join(tmpdir(), 'cli-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'secret'), 'not-used-offline\n');
const NETCONF_DEVICES = [
  ['ietf-interfaces', 'sw-ietf', '10GE1/0/1', 'huawei'],
  ['openconfig', 'sw-oc', '10GE1/0/1', 'huawei'],
  ['huawei-vrp', 'sw-huawei', '10GE1/0/1', 'huawei'],
  ['junos', 'sw-junos', 'xe-0/0/0', 'juniper'],
  ['iosxr', 'sw-xr', 'TenGigE0/0/0/0', 'cisco'],
] as const;
const config = join(dir, 'agent.yaml');
writeFileSync(
  config,
  `devices:
  - id: sw-vrp
    host: 192.0.2.10
    platform: cli-vrp
    portType: 10GBASE-LR
    ports: ["10GE1/0/1"]
    cli: { username: netops, passwordFile: secret, hostKey: "SHA256:${'A'.repeat(43)}" }
    snmp: { version: 2c, communityFile: secret }
    optics: huawei
  - id: sw-ios
    host: 192.0.2.11
    platform: cli-ios
    portType: 10GBASE-LR
    ports: ["TenGigabitEthernet1/0/1"]
    cli: { username: netops, passwordFile: secret, hostKey: "SHA256:${'B'.repeat(43)}" }
    snmp: { version: 2c, communityFile: secret }
    optics: cisco
${NETCONF_DEVICES.map(
  ([platform, id, port, optics], i) => `  - id: ${id}
    host: 192.0.2.${20 + i}
    platform: ${platform}
    portType: 10GBASE-LR
    ports: ["${port}"]
    netconf: { username: netops, passwordFile: secret, hostKey: "SHA256:${'C'.repeat(43)}" }
    snmp: { version: 2c, communityFile: secret }
    optics: ${optics}
`,
).join('')}`,
);

const cases = [
  ['cli-vrp', 'sw-vrp', '10GE1/0/1'],
  ['cli-ios', 'sw-ios', 'TenGigabitEthernet1/0/1'],
] as const;
const everyPlatform = [
  ...cases,
  ...NETCONF_DEVICES.map(([platform, id, port]) => [platform, id, port] as const),
];

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.DCAGENT_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('dcagent plan --offline', () => {
  it.each(everyPlatform)('%s provision prints the exact native payload', async (platform, device, port) => {
    const r = await runCli([
      'plan',
      'provision',
      '--device',
      device,
      '--port',
      port,
      '--connection',
      'hc-7f2a9c',
      '--description',
      'Acme <primary> & "uplink" ]]>',
      '--offline',
      '--config',
      config,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    golden(`${platform}-provision.txt`, r.stdout);
  });

  it.each(everyPlatform)('%s deprovision prints the exact native payload', async (platform, device, port) => {
    const r = await runCli([
      'plan',
      'deprovision',
      '--device',
      device,
      '--port',
      port,
      '--connection',
      'hc-7f2a9c',
      '--offline',
      '--config',
      config,
    ]);
    expect(r.code).toBe(0);
    golden(`${platform}-deprovision.txt`, r.stdout);
  });

  it.each(cases)('%s --json carries the lines as rpc, one per line', async (_platform, device, port) => {
    const r = await runCli([
      'plan',
      'provision',
      '--device',
      device,
      '--port',
      port,
      '--connection',
      'hc-7f2a9c',
      '--offline',
      '--json',
      '--config',
      config,
    ]);
    const plan = JSON.parse(r.stdout) as { rpc: string; diff: string; changes: number };
    expect(plan.rpc.split('\n')).toContain('description HC hc-7f2a9c');
    expect(plan).toMatchObject({ diff: '', changes: 0 });
  });

  it.each(NETCONF_DEVICES)(
    '%s: the terminal shows the payload indented, --json carries it exactly as sent; both are the same XML',
    async (_platform, device, port) => {
      const args = ['plan', 'provision', '--device', device, '--port', port, '--connection', 'hc-7f2a9c'];
      const common = ['--description', 'a  b & <c>', '--offline', '--config', config];
      const human = (await runCli([...args, ...common])).stdout;
      const plan = JSON.parse((await runCli([...args, ...common, '--json'])).stdout) as { rpc: string };
      expect(plan.rpc).not.toContain('\n');
      const shown = human.slice(human.indexOf('rpc:\n') + 5, human.indexOf('\ndiff:'));
      expect(shown.split('\n').length).toBeGreaterThan(5);
      expect(shown).toContain('<description>HC hc-7f2a9c a  b &amp; &lt;c&gt;</description>');
      expect(serialize(parseXml(shown))).toBe(serialize(parseXml(plan.rpc)));
    },
  );

  it('refuses a description a CLI line cannot carry, without contacting the device', async () => {
    const r = await runCli([
      'plan',
      'provision',
      '--device',
      'sw-ios',
      '--port',
      'TenGigabitEthernet1/0/1',
      '--connection',
      'hc-7f2a9c',
      '--description',
      'what?',
      '--offline',
      '--config',
      config,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/description.*context help/);
  });
});
