// The CLI driver's fault behaviour against the emulated switches over real SSH on loopback
// (ssh2 server with a pty shell, see test/fakes/cli-server.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidJobError } from '../../../../core/errors.js';
import type { DeviceDriver, PortIntent } from '../../../../drivers/driver.js';
import { createDriver } from '../../../../drivers/factory/factory.js';
import type { CliFault, CliProfileName } from '../../../../lab/cli-device/index.js';
import {
  type CliSettingsOverrides,
  DEFAULT_PORTS,
  type FakeCli,
  startFakeCli,
} from '../../../fakes/cli-server.js';

const open: Array<{ fake: FakeCli; driver: DeviceDriver }> = [];

async function rig(
  profile: CliProfileName,
  o: {
    faults?: CliFault[];
    settings?: CliSettingsOverrides;
    enableSecret?: string;
    askPasswordChange?: boolean;
  } = {},
) {
  const fake = await startFakeCli({
    profile,
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.enableSecret ? { enableSecret: o.enableSecret } : {}),
    ...(o.askPasswordChange ? { askPasswordChange: true } : {}),
  });
  const driver = createDriver(fake.deviceConfig(o.settings));
  open.push({ fake, driver });
  const port = DEFAULT_PORTS[profile][0]!;
  const intent = (description: string): PortIntent => ({
    port,
    description,
    enabled: true,
    portType: '10GBASE-LR',
  });
  return { fake, driver, port, intent, device: fake.device };
}

afterEach(async () => {
  for (const { fake, driver } of open.splice(0)) {
    await driver.close();
    await fake.stop();
  }
});

const PREVIOUS = 'HC hc-old-0001 previous customer';
const NEXT = 'HC hc-new-0002 next customer';

const enableWord: Record<CliProfileName, RegExp> = {
  vrp8: /^undo shutdown$/,
  vrp5: /^undo shutdown$/,
  ios: /^no shutdown$/,
};

describe('a refusal in the middle of a change', () => {
  it.each([
    ['vrp8', ['Error: The interface is error-down and cannot be enabled.']],
    ['vrp5', ['Error: The interface is error-down and cannot be enabled.']],
    ['ios', ['% Interface is error-disabled, cannot be enabled']],
  ] as const)('%s: restores the port and reports rpc-error with the device text', async (profile, text) => {
    const { driver, device, port, intent } = await rig(profile, {
      faults: [{ match: enableWord[profile], action: 'error', text, modes: ['interface'] }],
    });
    device.setPort(port, { description: PREVIOUS, enabled: false });

    const err = await driver.apply(intent(NEXT)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'rpc-error', retryable: false });
    expect((err as Error).message).toContain(text[0]);

    expect(device.port(port)).toMatchObject({ description: PREVIOUS, enabled: false });
    const typed = device.configLines();
    const failedAt = typed.findIndex((l) => enableWord[profile].test(l));
    const after = typed.slice(failedAt + 1);
    if (profile === 'vrp8') {
      // Two-stage: nothing was committed, so dropping the candidate is the whole restore.
      expect(after).toEqual(['abort']);
      expect(typed).not.toContain('commit');
    } else {
      // Immediate: the description had already taken effect and is typed back.
      expect(after).toContain(`description ${PREVIOUS}`);
      expect(device.transcript.map((t) => t.line)).not.toContain(profile === 'ios' ? 'write memory' : 'save');
    }
    expect(device.startup.get(port)?.description).toBeUndefined();
  });

  it('vrp8: a refused commit is commit-failed and leaves running untouched', async () => {
    const { driver, device, port, intent } = await rig('vrp8', {
      faults: [
        {
          match: /^commit$/,
          action: 'error',
          text: ['Error: Configuration commit failed (database locked).'],
        },
      ],
    });
    await expect(driver.apply(intent(NEXT))).rejects.toMatchObject({
      code: 'commit-failed',
      retryable: true,
    });
    expect(device.port(port)).toMatchObject({ enabled: false });
    expect(device.port(port)?.description).toBeUndefined();
  });

  it('ios: a failed save undoes the change so a retry redoes it whole (commit-failed)', async () => {
    const { driver, device, port, intent } = await rig('ios', {
      faults: [
        {
          match: /^write memory$/,
          action: 'error',
          text: ['% Error opening nvram:/startup-config (Device busy)'],
        },
      ],
    });
    device.setPort(port, { description: PREVIOUS, enabled: true });
    await expect(driver.apply(intent(NEXT))).rejects.toMatchObject({ code: 'commit-failed' });
    expect(device.port(port)).toMatchObject({ description: PREVIOUS, enabled: true });
  });
});

describe('a device that says ok without applying', () => {
  it.each(['vrp8', 'ios'] as const)('%s: read-back catches it (verify-failed)', async (profile) => {
    const { driver, device, port, intent } = await rig(profile, {
      faults: [{ match: /^description /, action: 'ignore', modes: ['interface'] }],
    });
    await expect(driver.apply(intent(NEXT))).rejects.toMatchObject({ code: 'verify-failed' });
    expect(device.port(port)).toMatchObject({ enabled: false });
  });
});

describe('a pager in the middle of output', () => {
  it.each(['vrp8', 'ios'] as const)(
    '%s: is answered and stripped, even with paging turned off',
    async (profile) => {
      const { driver, device, port, intent } = await rig(profile);
      device.forcePaging = true;
      device.pageLines = 3;
      device.setPort(port, {
        description: PREVIOUS,
        lines: [' mtu 9000', ' lldp enable', ' port-isolate enable'],
      });
      for (const vlan of [300, 20, 100, 7, 4094]) device.addSubinterface(port, vlan);

      expect(await driver.readPortConfig(port)).toEqual({
        port,
        exists: true,
        description: PREVIOUS,
        enabled: false,
        mtu: 9000,
      });
      expect(await driver.listSubinterfaces(port)).toEqual(
        [7, 20, 100, 300, 4094].map((v) => `${port}.${v}`),
      );
      expect(await driver.apply(intent(NEXT))).toMatchObject({ changed: true, verified: true });
      expect(device.port(port)).toMatchObject({ description: NEXT, enabled: true });
      expect(device.pagesShown).toBeGreaterThan(3);
    },
  );
});

describe('a prompt that never comes', () => {
  it.each(['vrp8', 'ios'] as const)(
    '%s: hits the command deadline (timeout) and leaves the port as it was',
    async (profile) => {
      const { driver, device, port, intent } = await rig(profile, {
        faults: [{ match: enableWord[profile], action: 'hang', times: 1 }],
        settings: { rpcTimeoutMs: 400 },
      });
      device.setPort(port, { description: PREVIOUS, enabled: false });
      const started = Date.now();
      await expect(driver.apply(intent(NEXT))).rejects.toMatchObject({ code: 'timeout', retryable: true });
      expect(Date.now() - started).toBeLessThan(4_000);
      // vrp8: the hung session is dropped with its candidate; ios: a fresh session types the old lines back.
      await expect.poll(() => device.port(port)?.description).toBe(PREVIOUS);
      expect(device.port(port)?.enabled).toBe(false);
      // The driver is usable again on a new session.
      expect(await driver.readPortConfig(port)).toMatchObject({ description: PREVIOUS, enabled: false });
    },
  );

  it('the login itself has a deadline', async () => {
    const { driver, port } = await rig('vrp8', {
      faults: [{ match: /^screen-length/, action: 'hang' }],
      settings: { rpcTimeoutMs: 300 },
    });
    await expect(driver.readPortConfig(port)).rejects.toMatchObject({ code: 'timeout' });
  });
});

describe('text that cannot go on a CLI line', () => {
  const hostile = [
    'HC hc-x-0001 a\nshutdown',
    'HC hc-x-0001 a\r\nend',
    'HC hc-x-0001 what?',
    'HC hc-x-0001 tab\there',
    'HC hc-x-0001 ctrl-z\x1a',
    'HC hc-x-0001 esc\x1b[2J',
    'HC hc-x-0001 Müller',
    'HC hc-x-0001 trailing ',
  ];
  it.each(['vrp8', 'ios'] as const)(
    '%s: is refused (invalid-job, naming description) before anything is sent',
    async (profile) => {
      const { fake, driver, device, intent } = await rig(profile);
      for (const text of hostile) {
        for (const call of [
          () => driver.apply(intent(text)),
          () => driver.plan('provision', intent(text)),
          () => driver.plan('provision', intent(text), { offline: true }),
        ]) {
          const err = await call().catch((e: unknown) => e);
          expect(err, JSON.stringify(text)).toBeInstanceOf(InvalidJobError);
          expect((err as InvalidJobError).code).toBe('invalid-job');
          expect((err as InvalidJobError).issues.map((i) => i.path)).toEqual(['description']);
        }
      }
      expect(device.configLines()).toEqual([]);
      expect(device.transcript).toEqual([]);
      expect(fake.server.connectionCount).toBe(0);
    },
  );

  it('a hostile port name is refused the same way', async () => {
    const { fake, driver } = await rig('ios');
    await expect(driver.clear('TenGigabitEthernet1/0/1\nreload')).rejects.toMatchObject({
      code: 'invalid-job',
    });
    await expect(driver.listSubinterfaces('Te1/0/1 ?')).rejects.toMatchObject({ code: 'invalid-job' });
    expect(fake.server.connectionCount).toBe(0);
  });
});

describe('SSH', () => {
  it('a host key that differs from the pinned one is refused before any credential is sent', async () => {
    const { fake, driver, port } = await rig('vrp8', {
      settings: { hostKey: `SHA256:${'A'.repeat(43)}` },
    });
    await expect(driver.readPortConfig(port)).rejects.toMatchObject({
      code: 'host-key-mismatch',
      retryable: false,
    });
    expect(fake.server.connectionCount).toBe(1);
    expect(fake.server.authAttempts).toEqual([]);
    expect(fake.device.transcript).toEqual([]);
  });

  it('a wrong password is auth-failed', async () => {
    const { driver, port } = await rig('ios', { settings: { password: 'not-the-password' } });
    await expect(driver.readPortConfig(port)).rejects.toMatchObject({
      code: 'auth-failed',
      retryable: false,
    });
  });
});

describe('sessions', () => {
  it('ios: climbs from user mode with enable, answering the secret with the login password', async () => {
    const { driver, device, port } = await rig('ios', { enableSecret: 'cli-fake-pass-1' });
    expect(await driver.readPortConfig(port)).toMatchObject({ exists: true });
    expect(device.transcript[0]).toMatchObject({ mode: 'user', line: 'enable' });
  });

  it('ios: an enable secret it does not know is auth-failed', async () => {
    const { driver, port } = await rig('ios', { enableSecret: 'other-secret' });
    await expect(driver.readPortConfig(port)).rejects.toMatchObject({ code: 'auth-failed' });
  });

  it('vrp8: declines the first-login password change and carries on', async () => {
    const { driver, port } = await rig('vrp8', { askPasswordChange: true });
    expect(await driver.readPortConfig(port)).toMatchObject({ exists: true, enabled: false });
  });

  it('bounds what one command may return (maxOutputBytes)', async () => {
    const { driver, port } = await rig('vrp8', {
      faults: [{ match: /^display current-configuration interface/, action: 'flood', bytes: 300_000 }],
      settings: { maxOutputBytes: 64 * 1024 },
    });
    await expect(driver.readPortConfig(port)).rejects.toMatchObject({
      code: 'rpc-error',
      message: expect.stringMatching(/maxOutputBytes/),
    });
  });

  it('re-applying an applied intent types nothing in configuration mode', async () => {
    const { driver, device, intent } = await rig('vrp8');
    expect(await driver.apply(intent(NEXT))).toEqual({
      changed: true,
      verified: true,
      confirmedCommit: false,
    });
    const typed = device.configLines().length;
    expect(await driver.apply(intent(NEXT))).toEqual({
      changed: false,
      verified: true,
      confirmedCommit: false,
    });
    expect(device.configLines().length).toBe(typed);
    expect(device.startup.get(intent(NEXT).port)).toMatchObject({ description: NEXT, enabled: true });
  });

  it('keeps one session across calls', async () => {
    const { fake, driver, port, intent } = await rig('ios');
    await driver.readPortConfig(port);
    await driver.apply(intent(NEXT));
    await driver.listSubinterfaces(port);
    await driver.plan('deprovision', intent(''));
    expect(fake.server.connectionCount).toBe(1);
  });

  it('an online plan shows only the lines that differ, and the diff, changing nothing', async () => {
    const { driver, device, port, intent } = await rig('vrp8');
    device.setPort(port, { description: PREVIOUS, enabled: true });
    const plan = await driver.plan('provision', intent(NEXT));
    expect(plan.rpc.split('\n')).toEqual([
      'system-view',
      `interface ${port}`,
      `description ${NEXT}`,
      'commit',
      'return',
      'save',
    ]);
    expect(plan.diff).toContain(`- description ${PREVIOUS}`);
    expect(plan.diff).toContain(`+ description ${NEXT}`);
    expect(plan.changes).toBe(2);
    // Entering and leaving system view tells two-stage from immediate; nothing else is typed there.
    expect(device.configLines()).toEqual(['return']);
    expect(device.port(port)).toMatchObject({ description: PREVIOUS, enabled: true });
    const same = await driver.plan('provision', intent(PREVIOUS));
    expect(same).toMatchObject({ rpc: '', diff: '', changes: 0 });
  });

  it('offline plans never connect', async () => {
    const { fake, driver, intent } = await rig('vrp8');
    const plan = await driver.plan('provision', intent(NEXT), { offline: true });
    expect(plan.rpc.split('\n')).toContain(`description ${NEXT}`);
    expect(fake.server.connectionCount).toBe(0);
  });
});
