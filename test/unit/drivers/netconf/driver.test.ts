import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../../../../config/load.js';
import { hasCode } from '../../../../core/errors.js';
import type { PortIntent } from '../../../../drivers/driver.js';
import { NetconfDriver } from '../../../../drivers/netconf/driver.js';
import { NetconfPool } from '../../../../drivers/netconf/pool.js';
import { CAP } from '../../../../drivers/netconf/rpc.js';
import { ietfInterfacesPlatform } from '../../../../drivers/platforms/ietf-interfaces/index.js';
import { openconfigPlatform } from '../../../../drivers/platforms/openconfig/index.js';
import { FAKE_PASSWORD, FAKE_USER, FakeNetconfServer } from '../../../fakes/netconf-server.js';
import { testDevice } from '../../../helpers/device-config.js';
import { rejection } from '../../../helpers/rejection.js';

const IETF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const servers: FakeNetconfServer[] = [];
const pools: NetconfPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.closeAll();
  for (const s of servers.splice(0)) await s.stop();
});

const intent: PortIntent = { port: 'p1', description: 'HC hc-u-1 x', enabled: true, portType: '10GBASE-LR' };

/** A fake device whose running config has p1 down without description. */
async function setup(capabilities: string[]) {
  const srv = new FakeNetconfServer({ capabilities: [CAP.base10, CAP.base11, ...capabilities] });
  srv.handler = (req, ch) => {
    if (req.operation === 'get-config') {
      ch.reply(
        req.messageId,
        `<data><interfaces xmlns="${IETF}"><interface><name>p1</name><enabled>false</enabled></interface></interfaces></data>`,
      );
    } else ch.reply(req.messageId, '<ok/>');
  };
  await srv.listen();
  servers.push(srv);
  const device: DeviceConfig = testDevice(
    {
      id: 'unit-dev',
      platform: 'ietf-interfaces',
      ports: ['p1'],
      netconf: {
        port: srv.port,
        username: FAKE_USER,
        passwordEnv: 'NC_PASS',
        hostKey: srv.hostKeyFingerprint,
      },
    },
    { NC_PASS: FAKE_PASSWORD },
  );
  const pool = new NetconfPool();
  pools.push(pool);
  return { srv, device, pool, driver: new NetconfDriver(device, ietfInterfacesPlatform, { pool }) };
}

describe('NetconfDriver against a fake device', () => {
  it('plan reads running only (one get-config, no lock or edit) and diffs it', async () => {
    const { srv, driver } = await setup([CAP.candidate, CAP.confirmedCommit11, IETF]);
    const plan = await driver.plan('provision', intent);
    expect(srv.requests.map((r) => r.operation)).toEqual(['get-config']);
    expect(plan.rpc.startsWith('<edit-config><target><candidate/></target>')).toBe(true);
    expect(plan.diff).toContain('+ description HC hc-u-1 x');
    expect(plan.diff).toContain('- enabled false');
    expect(plan.changes).toBe(3);
    expect(plan.before).toEqual({ port: 'p1', exists: true, enabled: false });
  });

  it('plan targets running on a device without candidate', async () => {
    const { driver } = await setup([CAP.writableRunning, IETF]);
    expect(
      (await driver.plan('provision', intent)).rpc.startsWith('<edit-config><target><running/></target>'),
    ).toBe(true);
  });

  it('plan --validate sends test-only to the candidate, without lock or discard', async () => {
    const { srv, driver } = await setup([CAP.candidate, CAP.validate11, IETF]);
    await driver.plan('provision', intent, { validate: true });
    expect(srv.requests.map((r) => r.operation)).toEqual(['get-config', 'edit-config']);
    expect(srv.requests[1]?.xml).toContain('<test-option>test-only</test-option>');
  });

  it('plan --validate is refused on a device without :validate:1.1', async () => {
    const { driver } = await setup([CAP.candidate, CAP.validate10, IETF]);
    expect(
      hasCode(await rejection(driver.plan('provision', intent, { validate: true })), 'unsupported-platform'),
    ).toBe(true);
  });

  it('a device that does not advertise the model is refused before anything is sent', async () => {
    const { srv, driver } = await setup([CAP.candidate]);
    const err = await rejection(driver.apply(intent));
    expect(hasCode(err, 'unsupported-platform')).toBe(true);
    expect((err as Error).message).toContain(IETF);
    expect(srv.requests).toEqual([]);
  });

  it("a session that passed one platform's check is still checked for another", async () => {
    const { srv, device, pool, driver } = await setup([CAP.candidate, IETF]);
    await driver.plan('provision', intent);
    const sent = srv.requests.length;
    // Same device id, same pooled session: the openconfig model is not advertised.
    const other = new NetconfDriver(device, openconfigPlatform, { pool });
    const err = await rejection(other.plan('provision', intent));
    expect(hasCode(err, 'unsupported-platform')).toBe(true);
    expect((err as Error).message).toContain('openconfig');
    expect(srv.requests.length).toBe(sent);
    // And the first platform still works on that session.
    expect((await driver.plan('provision', intent)).changes).toBe(3);
  });

  it('a device that points to the YANG library is given the benefit of the doubt', async () => {
    const { driver } = await setup([
      CAP.candidate,
      'urn:ietf:params:netconf:capability:yang-library:1.1?revision=2019-01-04',
    ]);
    expect(await driver.readPortConfig('p1')).toEqual({ port: 'p1', exists: true, enabled: false });
  });

  it('listSubinterfaces asks for interface names only', async () => {
    const { srv, driver } = await setup([CAP.candidate, IETF]);
    srv.handler = (req, ch) =>
      ch.reply(
        req.messageId,
        `<data><interfaces xmlns="${IETF}"><interface><name>p1</name></interface><interface><name>p1.42</name></interface><interface><name>p10.1</name></interface></interfaces></data>`,
      );
    expect(await driver.listSubinterfaces('p1')).toEqual(['p1.42']);
    expect(srv.requests[0]?.xml).toContain(
      '<filter type="subtree"><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name/></interface></interfaces></filter>',
    );
  });

  it('readPorts (the audit) reads every port of the device with one get-config', async () => {
    const { srv, driver } = await setup([CAP.candidate, IETF]);
    srv.handler = (req, ch) =>
      ch.reply(
        req.messageId,
        `<data><interfaces xmlns="${IETF}"><interface><name>p1</name><description>HC a</description></interface><interface><name>p1.42</name></interface><interface><name>p2</name><enabled>false</enabled></interface></interfaces></data>`,
      );
    const read = await driver.readPorts(['p1', 'p2', 'p3']);
    expect(srv.requests.map((r) => r.operation)).toEqual(['get-config']);
    expect(srv.requests[0]?.xml).toContain(
      '<filter type="subtree"><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface/></interfaces></filter>',
    );
    expect(read).toEqual([
      { state: { port: 'p1', exists: true, description: 'HC a', enabled: true }, subinterfaces: ['p1.42'] },
      { state: { port: 'p2', exists: true, enabled: false }, subinterfaces: [] },
      { state: { port: 'p3', exists: false }, subinterfaces: [] },
    ]);
  });
});
