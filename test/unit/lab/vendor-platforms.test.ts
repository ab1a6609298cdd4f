// The lab's vendor models (huawei-vrp, junos, iosxr) without a transport: the agent's own payloads
// land and read back, the factory ports look as shipped, PVIs appear and go, and a port the box
// does not have is refused the way that vendor refuses it.
import { afterEach, describe, expect, it } from 'vitest';
import { parseRpcReply } from '../../../drivers/netconf/reply.js';
import * as rpc from '../../../drivers/netconf/rpc.js';
import { parseXml, XmlFragment } from '../../../drivers/xml/xml.js';
import { asData, type DataNode, renderTree } from '../../../lab/netconf/datastore.js';
import { NetconfDevice } from '../../../lab/netconf/device.js';
import type { LabPlatform } from '../../../lab/netconf/platform.js';
import { labPlatform } from '../../../lab/netconf/platforms/index.js';

const devices: NetconfDevice[] = [];
afterEach(() => {
  for (const d of devices.splice(0)) d.stop();
});

function deviceFor(platform: LabPlatform) {
  const ports = [platform.portName('10GBASE-LR', 1), platform.portName('100GBASE-LR4', 2)];
  const device = new NetconfDevice({
    platform,
    hardware: { hasPort: (n) => ports.includes(n) },
    ports,
    status: () => ports.map((name) => ({ name, adminUp: false, operUp: false, subinterface: false })),
    onRunningChange: () => {},
  });
  devices.push(device);
  const session = device.openSession({ terminate: () => {} });
  const call = (xml: string) =>
    parseRpcReply(
      parseXml(`<rpc-reply message-id="1">${device.rpc(session, parseXml(xml)).body.xml}</rpc-reply>`),
    );
  const read = (port: string) => platform.driver.parsePort(asData(device.running as DataNode[]), port);
  return { device, ports, call, read };
}

const CASES = [
  ['huawei-vrp', ['10GE1/0/1', '100GE1/0/2']],
  ['junos', ['xe-0/0/0', 'et-0/0/1']],
  ['iosxr', ['TenGigE0/0/0/0', 'HundredGigE0/0/0/1']],
] as const;

describe.each(CASES)('lab %s switch', (name, names) => {
  const platform = labPlatform(name);

  it('names ports as the vendor does and ships them present, admin down, without description', () => {
    const { ports, read } = deviceFor(platform);
    expect(ports).toEqual(names);
    for (const p of ports) expect(read(p)).toEqual({ port: p, exists: true, enabled: false });
  });

  it("takes the agent's intent and clear payloads through candidate and commit", () => {
    const { ports, call, read } = deviceFor(platform);
    const port = ports[0]!;
    const payload = platform.driver.intentPayload({
      port,
      description: 'HC hc-lab-1 a & <b>',
      enabled: true,
      portType: '10GBASE-LR',
    });
    expect(
      call(rpc.editConfig({ target: 'candidate', config: payload, defaultOperation: 'merge' })).errors,
    ).toEqual([]);
    expect(call(rpc.commit()).ok).toBe(true);
    expect(read(port)).toEqual({
      port,
      exists: true,
      description: 'HC hc-lab-1 a & <b>',
      enabled: true,
    });
    // Twice, so the removes of an already clean port are no-ops.
    for (let i = 0; i < 2; i++) {
      call(
        rpc.editConfig({
          target: 'candidate',
          config: platform.driver.clearPayload(port),
          defaultOperation: 'merge',
        }),
      );
      expect(call(rpc.commit()).ok).toBe(true);
      expect(read(port)).toEqual({ port, exists: true, enabled: false });
    }
  });

  it('sub-interfaces added and removed on the box are what the driver lists as PVIs', () => {
    const { device, ports } = deviceFor(platform);
    const port = ports[0]!;
    device.applyExternal(platform.subinterfaceConfig(port, 100), 'add');
    device.applyExternal(platform.subinterfaceConfig(port, 20), 'add');
    expect(platform.driver.listSubinterfaces(device.runningAsData(), port)).toEqual([
      `${port}.20`,
      `${port}.100`,
    ]);
    expect(platform.driver.listSubinterfaces(device.runningAsData(), ports[1]!)).toEqual([]);
    device.applyExternal(platform.removeSubinterfaceConfig(port, 100), 'remove');
    device.applyExternal(platform.removeSubinterfaceConfig(port, 20), 'remove');
    expect(platform.driver.listSubinterfaces(device.runningAsData(), port)).toEqual([]);
  });

  it('refuses a port the box does not have with invalid-value naming it, and keeps the candidate', () => {
    const { call } = deviceFor(platform);
    const ghost = platform.portName('10GBASE-LR', 9);
    const reply = call(
      rpc.editConfig({
        target: 'candidate',
        config: platform.driver.intentPayload({
          port: ghost,
          description: 'HC x',
          enabled: true,
          portType: '10GBASE-LR',
        }),
        defaultOperation: 'merge',
      }),
    );
    expect(reply.errors).toHaveLength(1);
    expect(reply.errors[0]).toMatchObject({ type: 'application', tag: 'invalid-value', severity: 'error' });
    expect(reply.errors[0]?.path).toContain(ghost);
  });

  it('the filter the driver reads a port with selects that port only', () => {
    const { device, ports } = deviceFor(platform);
    const out = call2(device, rpc.getConfig('running', platform.driver.portFilter(ports[0]!)));
    expect(out).toContain(ports[0]);
    expect(out).not.toContain(ports[1]);
    expect(renderTree(device.running, platform.schema).xml).toContain(`xmlns="${platform.schema.namespace}"`);
  });
});

function call2(device: NetconfDevice, xml: string): string {
  const session = device.openSession({ terminate: () => {} });
  return device.rpc(session, parseXml(xml)).body.xml;
}

describe('vendor-specific refusals', () => {
  it('huawei: an empty description is out of range 1..242', () => {
    const { ports, call } = deviceFor(labPlatform('huawei-vrp'));
    const reply = call(
      rpc.editConfig({
        target: 'candidate',
        config: parseXmlFragment(
          `<ifm xmlns="urn:huawei:yang:huawei-ifm"><interfaces><interface><name>${ports[0]}</name><description></description></interface></interfaces></ifm>`,
        ),
      }),
    );
    expect(reply.errors[0]).toMatchObject({ tag: 'invalid-value' });
    expect(reply.errors[0]?.path).toMatch(/ifm:description$/);
  });

  it('junos: the error-path is the CLI hierarchy, as Junos writes it', () => {
    const { call } = deviceFor(labPlatform('junos'));
    const reply = call(
      rpc.editConfig({
        target: 'candidate',
        config: parseXmlFragment(
          '<configuration><interfaces><interface><name>xe-0/0/0</name><unit><name>99999</name></unit></interface></interfaces></configuration>',
        ),
      }),
    );
    expect(reply.errors[0]).toMatchObject({ tag: 'invalid-value', path: '[edit interfaces xe-0/0/0]' });
  });

  it('iosxr: active must be act or pre; pre may name hardware that is not there', () => {
    const { call } = deviceFor(labPlatform('iosxr'));
    const entry = (active: string) =>
      parseXmlFragment(
        `<interface-configurations xmlns="http://cisco.com/ns/yang/Cisco-IOS-XR-ifmgr-cfg"><interface-configuration><active>${active}</active><interface-name>TenGigE0/0/0/9</interface-name></interface-configuration></interface-configurations>`,
      );
    expect(call(rpc.editConfig({ target: 'candidate', config: entry('pre') })).errors).toEqual([]);
    expect(call(rpc.editConfig({ target: 'candidate', config: entry('now') })).errors[0]).toMatchObject({
      tag: 'invalid-value',
    });
  });
});

function parseXmlFragment(xml: string): XmlFragment {
  parseXml(xml);
  return new XmlFragment(xml);
}

describe('huawei sub-interfaces', () => {
  it('a parent-name that is no port here is a dangling leafref: data-missing, instance-required', () => {
    const { call } = deviceFor(labPlatform('huawei-vrp'));
    const reply = call(
      rpc.editConfig({
        target: 'candidate',
        config: parseXmlFragment(
          '<ifm xmlns="urn:huawei:yang:huawei-ifm"><interfaces><interface><name>10GE1/0/9.5</name><class>sub-interface</class><parent-name>10GE1/0/9</parent-name></interface></interfaces></ifm>',
        ),
      }),
    );
    expect(reply.errors[0]).toMatchObject({ tag: 'data-missing', appTag: 'instance-required' });
  });
});
