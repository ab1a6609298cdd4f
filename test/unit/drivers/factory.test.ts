import { describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../../config/load.js';
import { PLATFORM_KINDS, PLATFORMS, type Platform } from '../../../contract/port-types.js';
import { hasCode } from '../../../core/errors.js';
import { CliDriver } from '../../../drivers/cli/driver.js';
import { createDriver } from '../../../drivers/factory/factory.js';
import { NetconfDriver } from '../../../drivers/netconf/driver.js';
import { countChanges, unifiedDiff } from '../../../drivers/port-state.js';
import { testDevice } from '../../helpers/device-config.js';

function device(platform: Platform): DeviceConfig {
  const cli = PLATFORM_KINDS[platform] === 'cli';
  const ssh = { username: 'u', passwordEnv: 'P', hostKey: `SHA256:${'a'.repeat(43)}` };
  return testDevice(
    {
      id: 'd1',
      host: '192.0.2.1',
      platform,
      ports: ['10GE1/0/1'],
      ...(cli ? { cli: ssh } : { netconf: ssh }),
    },
    { P: 'secret-pw' },
  );
}

describe('createDriver', () => {
  it('builds NETCONF drivers for ietf-interfaces and openconfig', async () => {
    for (const p of ['ietf-interfaces', 'openconfig'] as const) {
      const d = createDriver(device(p));
      expect(d).toBeInstanceOf(NetconfDriver);
      expect(d.platform).toBe(p);
      await d.close();
    }
  });

  it('builds a driver for every platform, of the kind the registry names, carrying its name', async () => {
    for (const p of PLATFORMS) {
      const d = createDriver(device(p));
      expect(d).toBeInstanceOf(PLATFORM_KINDS[p] === 'cli' ? CliDriver : NetconfDriver);
      expect(d.platform).toBe(p);
      await d.close();
    }
  });

  it('throws unsupported-platform for a platform outside the registry', () => {
    let err: unknown;
    try {
      createDriver({ ...device('ietf-interfaces'), platform: 'nx-os' as Platform });
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'unsupported-platform')).toBe(true);
    expect((err as Error).message).toContain('nx-os');
  });
});

describe('NetconfDriver.plan offline', () => {
  it('renders the exact edit-config from the intent, escaped, with no diff and no device contact', async () => {
    const d = createDriver(device('ietf-interfaces'));
    const plan = await d.plan(
      'provision',
      {
        port: '10GE1/0/1',
        description: 'HC hc-x-1 ]]>]]> </description><enabled>false</enabled>',
        enabled: true,
        portType: '10GBASE-LR',
      },
      { offline: true },
    );
    expect(
      plan.rpc.startsWith(
        '<edit-config><target><candidate/></target><default-operation>merge</default-operation>',
      ),
    ).toBe(true);
    expect(plan.rpc).toContain(
      '<description>HC hc-x-1 ]]&gt;]]&gt; &lt;/description&gt;&lt;enabled&gt;false&lt;/enabled&gt;</description>',
    );
    expect(plan).toMatchObject({
      diff: '',
      changes: 0,
      device: 'd1',
      port: '10GE1/0/1',
      platform: 'ietf-interfaces',
    });
    const clear = await d.plan(
      'deprovision',
      { port: '10GE1/0/1', description: '', enabled: false, portType: '10GBASE-LR' },
      { offline: true },
    );
    expect(clear.rpc).toContain('<description nc:operation="remove"/>');
    await d.close();
  });
});

describe('plan diff helpers', () => {
  it('diffs the canonical text and counts changed lines', () => {
    const diff = unifiedDiff(
      'sw',
      'p',
      { port: 'p', exists: true, enabled: false },
      { port: 'p', exists: true, description: 'HC a', enabled: true },
    );
    expect(diff).toContain('--- sw running p');
    expect(diff).toContain('+++ sw intended p');
    expect(diff).toContain('+ description HC a');
    expect(diff).toContain('- enabled false');
    expect(countChanges(diff)).toBe(3);
    expect(
      unifiedDiff(
        'sw',
        'p',
        { port: 'p', exists: true, enabled: true },
        { port: 'p', exists: true, enabled: true },
      ),
    ).toBe('');
  });
});
