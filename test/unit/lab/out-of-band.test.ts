// The faults that make drift happen (docs/lab.md "Out-of-band changes"): an engineer's edit on
// the switch, read back with the agent's own parser (NETCONF) or from the emulator's state and
// its `display`/`show` output (CLI), and a reboot that loses the last commit, on every platform.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRpcReply } from '../../../drivers/netconf/reply.js';
import * as rpc from '../../../drivers/netconf/rpc.js';
import { parseXml } from '../../../drivers/xml/xml.js';
import {
  iosLabCliPlatform,
  type LabCliPlatform,
  vrpLabCliPlatform,
} from '../../../lab/cli-device/platforms.js';
import { CliShell } from '../../../lab/cli-device/shell.js';
import { CliSimSwitch } from '../../../lab/cli-device/switch.js';
import { runAction } from '../../../lab/control-api.js';
import { LabActionError, type SimSwitch } from '../../../lab/model/switch.js';
import type { LabPlatform } from '../../../lab/netconf/platform.js';
import { LAB_PLATFORMS } from '../../../lab/netconf/platforms/index.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';

const switches: SimSwitch[] = [];
afterEach(() => {
  for (const s of switches.splice(0)) s.stop();
  vi.useRealTimers();
});

/** A switch with two 10G ports named as its platform names them, stopped after the test. */
function twoPorts<S extends SimSwitch>(
  platform: { portName(portType: '10GBASE-LR', n: number): string },
  make: (ports: { name: string; portType: '10GBASE-LR' }[]) => S,
): { sw: S; a: string; b: string } {
  const [a, b] = [platform.portName('10GBASE-LR', 1), platform.portName('10GBASE-LR', 2)];
  const sw = make([a, b].map((name) => ({ name, portType: '10GBASE-LR' as const })));
  switches.push(sw);
  return { sw, a, b };
}

const netconfSwitch = (platform: LabPlatform) =>
  twoPorts(platform, (ports) => new NetconfSimSwitch({ id: 'lab-sw-09', platform, optics: 'huawei', ports }));
const cliSwitch = (platform: LabCliPlatform) =>
  twoPorts(platform, (ports) => new CliSimSwitch({ id: 'lab-sw-10', platform, optics: 'huawei', ports }));

/** What the agent's driver reads back from the switch's running datastore. */
function read(sw: NetconfSimSwitch, port: string) {
  return sw.platform.driver.parsePort(sw.netconf.runningAsData(), port);
}

/** The agent's transaction in short: edit-config on the candidate, then commit, in one session. */
function provisionOverNetconf(sw: NetconfSimSwitch, port: string, description: string): void {
  const session = sw.netconf.openSession({ terminate: () => {} });
  for (const op of [
    rpc.editConfig({
      target: 'candidate',
      config: sw.platform.driver.intentPayload({ port, description, enabled: true, portType: '10GBASE-LR' }),
      defaultOperation: 'merge',
    }),
    rpc.commit(),
  ]) {
    const out = sw.netconf.rpc(session, parseXml(op));
    const reply = parseRpcReply(parseXml(`<rpc-reply message-id="1">${out.body.xml}</rpc-reply>`));
    expect(reply.errors).toEqual([]);
  }
  sw.netconf.endSession(session);
}

const lab = (sw: SimSwitch) => ({
  switches: [sw],
  switchById: (id: string) => {
    if (id !== sw.id) throw new LabActionError(`no switch ${id}`, 404);
    return sw;
  },
  describeDevice: () => ({}),
});

describe.each([...LAB_PLATFORMS.values()].map((p) => [p.name, p] as const))(
  'out-of-band changes on a NETCONF %s switch',
  (_name, platform) => {
    it('edit --description keeps admin state; --shutdown keeps the description; --delete removes the entry', () => {
      const { sw, a, b } = netconfSwitch(platform);
      provisionOverNetconf(sw, a, 'HC dxcon-1 customer');
      expect(read(sw, a)).toMatchObject({ exists: true, enabled: true, description: 'HC dxcon-1 customer' });

      runAction(lab(sw), 'edit', { device: sw.id, port: a, description: 'changed by hand' });
      expect(read(sw, a)).toMatchObject({ exists: true, enabled: true, description: 'changed by hand' });
      expect(sw.port(a).description).toBe('changed by hand');

      runAction(lab(sw), 'edit', { device: sw.id, port: a, shutdown: true });
      expect(read(sw, a)).toMatchObject({ enabled: false, description: 'changed by hand' });
      expect(sw.port(a).adminUp).toBe(false);

      runAction(lab(sw), 'edit', { device: sw.id, port: a, delete: true });
      expect(read(sw, a).exists).toBe(false);
      expect(read(sw, b).exists).toBe(true);
      // Configuration appearing on a cleared port is the other drift the agent looks for.
      runAction(lab(sw), 'edit', { device: sw.id, port: b, description: 'someone else' });
      expect(read(sw, b)).toMatchObject({ description: 'someone else', enabled: false });
    });

    it('reboot --lose-config: running comes back as it was before the last commit, once', async () => {
      vi.useFakeTimers();
      const { sw, a, b } = netconfSwitch(platform);
      provisionOverNetconf(sw, a, 'HC dxcon-1 first');
      provisionOverNetconf(sw, b, 'HC dxcon-2 last');
      runAction(lab(sw), 'reboot', { device: sw.id, downMs: 100, loseConfig: true });
      expect(read(sw, b).description).toBeUndefined();
      expect(read(sw, a).description).toBe('HC dxcon-1 first');
      await vi.advanceTimersByTimeAsync(100);
      expect(sw.rebooting).toBe(false);
      // Nothing further is recorded: a second lossy reboot keeps what the first came back with.
      runAction(lab(sw), 'reboot', { device: sw.id, downMs: 100, loseConfig: true });
      expect(read(sw, a).description).toBe('HC dxcon-1 first');
      await vi.advanceTimersByTimeAsync(100);
    });

    it('a plain reboot keeps the last commit', () => {
      vi.useFakeTimers();
      const { sw, a } = netconfSwitch(platform);
      provisionOverNetconf(sw, a, 'HC dxcon-1 kept');
      runAction(lab(sw), 'reboot', { device: sw.id, downMs: 100 });
      expect(read(sw, a).description).toBe('HC dxcon-1 kept');
    });
  },
);

/** Types lines into a session on the switch, as the agent's CLI driver does; returns the output. */
function type(sw: CliSimSwitch, ...lines: string[]): string {
  let out = '';
  const shell = new CliShell(sw.cli, { write: (t) => (out += t), end: () => {} }, 7);
  shell.start();
  for (const l of lines) shell.feed(`${l}\r`);
  return out;
}

/** Provision and save, in each dialect's words. */
function provisionOverCli(sw: CliSimSwitch, port: string, description: string): void {
  if (sw.platform.profile.commit === 'two-stage') {
    type(
      sw,
      'system-view',
      `interface ${port}`,
      `description ${description}`,
      'undo shutdown',
      'commit',
      'return',
      'save',
      'y',
    );
  } else {
    type(
      sw,
      'configure terminal',
      `interface ${port}`,
      `description ${description}`,
      'no shutdown',
      'end',
      'write memory',
    );
  }
}

describe.each([
  ['cli-vrp', vrpLabCliPlatform],
  ['cli-ios', iosLabCliPlatform],
] as const)('out-of-band changes on a CLI %s switch', (_name, platform) => {
  it('edit changes running and the saved config, so a reload keeps it; --delete clears the port', async () => {
    vi.useFakeTimers();
    const { sw, a, b } = cliSwitch(platform);
    provisionOverCli(sw, a, 'HC dxcon-1 customer');
    expect(sw.cli.port(a)).toMatchObject({ enabled: true, description: 'HC dxcon-1 customer' });

    runAction(lab(sw), 'edit', { device: sw.id, port: a, description: 'changed by hand' });
    expect(sw.cli.port(a)).toMatchObject({ enabled: true, description: 'changed by hand' });
    expect(sw.cli.startup.get(a)).toMatchObject({ description: 'changed by hand' });
    runAction(lab(sw), 'edit', { device: sw.id, port: a, shutdown: true });
    expect(sw.cli.port(a)).toMatchObject({ enabled: false, description: 'changed by hand' });
    expect(sw.port(a).adminUp).toBe(false);

    const reboot = sw.reboot(100);
    await vi.advanceTimersByTimeAsync(100);
    await reboot;
    expect(sw.cli.port(a)).toMatchObject({ enabled: false, description: 'changed by hand' });

    runAction(lab(sw), 'edit', { device: sw.id, port: a, delete: true });
    expect(sw.cli.port(a)).toMatchObject({ enabled: false, lines: [] });
    expect(sw.cli.port(a)?.description).toBeUndefined();
    expect(sw.cli.port(b)?.description).toBeUndefined();
    // The agent reads the port through the running config; the edit is there as typed.
    runAction(lab(sw), 'edit', { device: sw.id, port: b, description: 'someone else' });
    const shown =
      platform.profile.commit === 'two-stage'
        ? type(sw, 'screen-length 0 temporary', `display current-configuration interface ${b}`)
        : type(sw, 'terminal length 0', `show running-config interface ${b}`);
    expect(shown).toContain('description someone else');
  });

  it('an over-long description is refused as an engineer would be', () => {
    const { sw, a } = cliSwitch(platform);
    expect(() =>
      runAction(lab(sw), 'edit', {
        device: sw.id,
        port: a,
        description: 'x'.repeat(platform.profile.descriptionMaxLength + 1),
      }),
    ).toThrow(/longer than/);
  });

  it('reboot --lose-config: the saved config comes back without the last commit, once', async () => {
    vi.useFakeTimers();
    const { sw, a, b } = cliSwitch(platform);
    provisionOverCli(sw, a, 'HC dxcon-1 first');
    provisionOverCli(sw, b, 'HC dxcon-2 last');
    expect(sw.cli.startup.get(b)).toMatchObject({ description: 'HC dxcon-2 last' });
    const reboot = sw.reboot(100, { loseConfig: true });
    expect(sw.cli.port(b)).toMatchObject({ enabled: false });
    expect(sw.cli.port(b)?.description).toBeUndefined();
    expect(sw.cli.startup.get(b)?.description).toBeUndefined();
    expect(sw.cli.port(a)).toMatchObject({ enabled: true, description: 'HC dxcon-1 first' });
    await vi.advanceTimersByTimeAsync(100);
    await reboot;
    const again = sw.reboot(100, { loseConfig: true });
    expect(sw.cli.port(a)).toMatchObject({ enabled: true, description: 'HC dxcon-1 first' });
    await vi.advanceTimersByTimeAsync(100);
    await again;
  });
});

describe('the edit action', () => {
  it('takes exactly one of description, shutdown, delete', () => {
    const { sw, a } = cliSwitch(vrpLabCliPlatform);
    expect(() => runAction(lab(sw), 'edit', { device: sw.id, port: a })).toThrow(/exactly one/);
    expect(() =>
      runAction(lab(sw), 'edit', { device: sw.id, port: a, shutdown: true, delete: true }),
    ).toThrow(/exactly one/);
    expect(() => runAction(lab(sw), 'edit', { device: sw.id, port: 'nope', shutdown: true })).toThrow(
      /no port nope/,
    );
  });
});
