// The vendor platforms as pure data: payloads pinned to the YANG/XML paths they cite, read-back,
// the PVI rule of each, and the one transaction hook (Junos rounds the confirm-timeout to minutes).
import { describe, expect, it } from 'vitest';
import { hasCode } from '../../../../core/errors.js';
import type { PortIntent } from '../../../../drivers/driver.js';
import type { NetconfPlatform } from '../../../../drivers/netconf/platform.js';
import { parseRpcReply, type RpcReply } from '../../../../drivers/netconf/reply.js';
import { CAP, operationName } from '../../../../drivers/netconf/rpc.js';
import { type RpcChannel, runPortTransaction } from '../../../../drivers/netconf/transaction.js';
import { huaweiVrpPlatform as hw } from '../../../../drivers/platforms/huawei-vrp/index.js';
import { mtuOwner, iosxrPlatform as xr } from '../../../../drivers/platforms/iosxr/index.js';
import { junosPlatform as junos, junosConfirmTimeout } from '../../../../drivers/platforms/junos/index.js';
import { intendedState } from '../../../../drivers/port-state.js';
import { child, childText, parseXml } from '../../../../drivers/xml/xml.js';
import { thrown } from '../../../helpers/rejection.js';

const data = (inner: string) => parseXml(`<data>${inner}</data>`);
const intent = (port: string, extra: Partial<PortIntent> = {}): PortIntent => ({
  port,
  description: 'HC hc-abc-1 </description><admin-status>down</admin-status>',
  enabled: true,
  portType: '10GBASE-LR',
  ...extra,
});

describe('huawei-vrp platform (huawei-ifm)', () => {
  const HW = 'urn:huawei:yang:huawei-ifm';

  it('writes description and admin-status on the existing entry, escaped, nothing else', () => {
    expect(hw.intentPayload(intent('10GE1/0/1')).xml).toBe(
      `<ifm xmlns="${HW}"><interfaces><interface><name>10GE1/0/1</name><description>HC hc-abc-1 &lt;/description&gt;&lt;admin-status&gt;down&lt;/admin-status&gt;</description><admin-status>up</admin-status></interface></interfaces></ifm>`,
    );
    expect(hw.intentPayload(intent('10GE1/0/1', { enabled: false })).xml).toContain(
      '<admin-status>down</admin-status>',
    );
  });

  it('removes the description instead of sending an empty one (length 1..242), refuses a longer one', () => {
    expect(hw.intentPayload(intent('10GE1/0/1', { description: '' })).xml).toContain(
      '<description nc:operation="remove"/>',
    );
    expect(hw.intentPayload(intent('10GE1/0/1', { description: 'é'.repeat(242) })).xml).toContain('é');
    expect(
      hasCode(
        thrown(() => hw.intentPayload(intent('10GE1/0/1', { description: 'x'.repeat(243) }))),
        'invalid-job',
      ),
    ).toBe(true);
  });

  it('clears with remove and admin-status down', () => {
    expect(hw.clearPayload('10GE1/0/1').xml).toBe(
      `<ifm xmlns="${HW}"><interfaces><interface><name>10GE1/0/1</name><description nc:operation="remove"/><admin-status>down</admin-status></interface></interfaces></ifm>`,
    );
  });

  it('reads admin-status up/down; absent (dynamic default) stays unknown', () => {
    const d = data(
      `<ifm xmlns="${HW}"><interfaces><interface><name>10GE1/0/1</name><class>main-interface</class><description>HC a</description><admin-status>up</admin-status><mtu>1500</mtu></interface><interface><name>10GE1/0/2</name><admin-status>down</admin-status></interface><interface><name>10GE1/0/3</name></interface></interfaces></ifm>`,
    );
    expect(hw.parsePort(d, '10GE1/0/1')).toEqual({
      port: '10GE1/0/1',
      exists: true,
      description: 'HC a',
      enabled: true,
      mtu: 1500,
    });
    expect(hw.parsePort(d, '10GE1/0/2')).toEqual({ port: '10GE1/0/2', exists: true, enabled: false });
    expect(hw.parsePort(d, '10GE1/0/3')).toEqual({ port: '10GE1/0/3', exists: true });
    expect(hw.parsePort(d, '10GE1/0/4')).toEqual({ port: '10GE1/0/4', exists: false });
  });

  it('lists sub-interfaces whose parent-name is the port, any sub-interface number', () => {
    const d = data(
      `<ifm><interfaces><interface><name>10GE1/0/1</name><class>main-interface</class></interface><interface><name>10GE1/0/1.100</name><class>sub-interface</class><parent-name>10GE1/0/1</parent-name></interface><interface><name>10GE1/0/1.5000</name><class>sub-interface</class><parent-name>10GE1/0/1</parent-name></interface><interface><name>10GE1/0/1.7</name></interface><interface><name>10GE1/0/10.1</name><class>sub-interface</class><parent-name>10GE1/0/10</parent-name></interface></interfaces></ifm>`,
    );
    expect(hw.listSubinterfaces(d, '10GE1/0/1')).toEqual(['10GE1/0/1.7', '10GE1/0/1.100', '10GE1/0/1.5000']);
    expect(hw.listSubinterfaces(d, '10GE1/0/10')).toEqual(['10GE1/0/10.1']);
  });
});

describe('junos platform (configuration XML)', () => {
  it('writes description, removes disable to enable', () => {
    expect(junos.intentPayload(intent('xe-0/0/0')).xml).toBe(
      '<configuration><interfaces><interface><name>xe-0/0/0</name><description>HC hc-abc-1 &lt;/description&gt;&lt;admin-status&gt;down&lt;/admin-status&gt;</description><disable nc:operation="remove"/></interface></interfaces></configuration>',
    );
    expect(junos.intentPayload(intent('xe-0/0/0', { enabled: false })).xml).toContain('<disable/>');
  });

  it('clears: description removed, disable set', () => {
    expect(junos.clearPayload('et-0/0/1').xml).toBe(
      '<configuration><interfaces><interface><name>et-0/0/1</name><description nc:operation="remove"/><disable/></interface></interfaces></configuration>',
    );
  });

  it('enabled is the absence of <disable/>; reads the reply in the xnm namespace', () => {
    const d = data(
      '<configuration xmlns="http://xml.juniper.net/xnm/1.1/xnm" xmlns:junos="http://xml.juniper.net/junos/*/junos" junos:changed-seconds="1"><interfaces><interface><name>xe-0/0/0</name><description>HC x</description><mtu>9192</mtu></interface><interface><name>xe-0/0/1</name><disable/></interface></interfaces></configuration>',
    );
    expect(junos.parsePort(d, 'xe-0/0/0')).toEqual({
      port: 'xe-0/0/0',
      exists: true,
      description: 'HC x',
      enabled: true,
      mtu: 9192,
    });
    expect(junos.parsePort(d, 'xe-0/0/1')).toEqual({ port: 'xe-0/0/1', exists: true, enabled: false });
    expect(junos.parsePort(d, 'xe-0/0/2')).toEqual({ port: 'xe-0/0/2', exists: false });
  });

  it('every unit but 0 is a PVI, reported <port>.<unit>', () => {
    const d = data(
      '<configuration><interfaces><interface><name>xe-0/0/0</name><unit><name>0</name></unit><unit><name>100</name></unit><unit><name>16000</name></unit><unit><name>20</name></unit></interface><interface><name>xe-0/0/1</name><unit><name>5</name></unit></interface></interfaces></configuration>',
    );
    expect(junos.listSubinterfaces(d, 'xe-0/0/0')).toEqual(['xe-0/0/0.20', 'xe-0/0/0.100', 'xe-0/0/0.16000']);
    expect(junos.listSubinterfaces(d, 'xe-0/0/2')).toEqual([]);
  });

  it('rounds the confirm-timeout up to whole minutes', () => {
    expect([1, 30, 60, 61, 600].map(junosConfirmTimeout)).toEqual([60, 60, 60, 120, 600]);
    expect(() => junosConfirmTimeout(0)).toThrow(RangeError);
  });
});

describe('iosxr platform (Cisco-IOS-XR-ifmgr-cfg)', () => {
  const XR = 'http://cisco.com/ns/yang/Cisco-IOS-XR-ifmgr-cfg';

  it('keys the entry by active=act and interface-name, removes shutdown to enable, mtu owner by type', () => {
    expect(xr.intentPayload(intent('TenGigE0/0/0/0')).xml).toBe(
      `<interface-configurations xmlns="${XR}"><interface-configuration><active>act</active><interface-name>TenGigE0/0/0/0</interface-name><description>HC hc-abc-1 &lt;/description&gt;&lt;admin-status&gt;down&lt;/admin-status&gt;</description><shutdown nc:operation="remove"/></interface-configuration></interface-configurations>`,
    );
    expect(xr.clearPayload('HundredGigE0/0/0/1').xml).toContain(
      '<interface-name>HundredGigE0/0/0/1</interface-name><description nc:operation="remove"/><shutdown/>',
    );
    expect(mtuOwner('HundredGigE0/0/0/1')).toBe('HundredGigE');
  });

  it('reads the act entry only; enabled is the absence of <shutdown/>', () => {
    const d = data(
      `<interface-configurations xmlns="${XR}"><interface-configuration><active>pre</active><interface-name>TenGigE0/0/0/0</interface-name><shutdown/></interface-configuration><interface-configuration><active>act</active><interface-name>TenGigE0/0/0/0</interface-name><description>HC y</description><mtus><mtu><owner>TenGigE</owner><mtu>9000</mtu></mtu></mtus></interface-configuration><interface-configuration><active>act</active><interface-name>TenGigE0/0/0/1</interface-name><shutdown/></interface-configuration></interface-configurations>`,
    );
    expect(xr.parsePort(d, 'TenGigE0/0/0/0')).toEqual({
      port: 'TenGigE0/0/0/0',
      exists: true,
      description: 'HC y',
      enabled: true,
      mtu: 9000,
    });
    expect(xr.parsePort(d, 'TenGigE0/0/0/1')).toEqual({
      port: 'TenGigE0/0/0/1',
      exists: true,
      enabled: false,
    });
  });

  it('lists <port>.<n> entries of any sub-interface number', () => {
    const d = data(
      `<interface-configurations><interface-configuration><active>act</active><interface-name>TenGigE0/0/0/0.100</interface-name></interface-configuration><interface-configuration><active>act</active><interface-name>TenGigE0/0/0/0.70000</interface-name></interface-configuration><interface-configuration><active>act</active><interface-name>TenGigE0/0/0/00.1</interface-name></interface-configuration></interface-configurations>`,
    );
    expect(xr.listSubinterfaces(d, 'TenGigE0/0/0/0')).toEqual(['TenGigE0/0/0/0.100', 'TenGigE0/0/0/0.70000']);
  });
});

/** Just enough of a device to watch what the transaction sends: it applies whatever is committed. */
class RecordingDevice implements RpcChannel {
  readonly deviceId = 'rec';
  readonly sent: string[] = [];
  #running = '';
  #candidate = '';
  constructor(readonly platform: NetconfPlatform) {}
  hasCapability(uri: string): boolean {
    return [CAP.candidate, CAP.confirmedCommit10].includes(uri as never);
  }
  async rpc(xml: string): Promise<RpcReply> {
    this.sent.push(xml);
    const root = parseXml(xml);
    let body = '<ok/>';
    if (operationName(xml) === 'get-config') body = `<data>${this.#running}</data>`;
    if (operationName(xml) === 'edit-config') {
      this.#candidate = (child(root, 'config')?.children ?? []).length > 0 ? configText(xml) : '';
    }
    if (operationName(xml) === 'commit') this.#running = this.#candidate || this.#running;
    return parseRpcReply(parseXml(`<rpc-reply message-id="1">${body}</rpc-reply>`));
  }
}

// The config body as sent, minus NETCONF operation attributes, as a device would store it.
function configText(xml: string): string {
  const inner = /<config[^>]*>([\s\S]*)<\/config>/.exec(xml)?.[1] ?? '';
  return inner.replace(/<[a-z-]+ nc:operation="remove"\/>/g, '');
}

describe('the transaction with each vendor platform', () => {
  it.each([
    [junos, 'xe-0/0/0', 30, '60'],
    [junos, 'xe-0/0/0', 61, '120'],
    [hw, '10GE1/0/1', 30, '30'],
    [xr, 'TenGigE0/0/0/0', 45, '45'],
  ] as const)('%#: confirm-timeout on the wire', async (platform, port, seconds, sent) => {
    const dev = new RecordingDevice(platform);
    const want = intent(port, { description: 'HC hc-t-1 x' });
    const res = await runPortTransaction(
      dev,
      { port, payload: platform.intentPayload(want), wanted: intendedState(want) },
      { platform, confirmTimeoutSeconds: seconds },
    );
    expect(res).toMatchObject({ changed: true, verified: true, confirmedCommit: true });
    const confirmed = dev.sent
      .map((x) => parseXml(x))
      .find((r) => r.name === 'commit' && child(r, 'confirmed'));
    expect(childText(confirmed, 'confirm-timeout')).toBe(sent);
  });
});
