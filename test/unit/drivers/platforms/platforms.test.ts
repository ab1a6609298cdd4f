import { describe, expect, it } from 'vitest';
import type { PortIntent } from '../../../../drivers/driver.js';
import { ietfInterfacesPlatform as ietf } from '../../../../drivers/platforms/ietf-interfaces/index.js';
import { openconfigPlatform as oc } from '../../../../drivers/platforms/openconfig/index.js';
import {
  intendedState,
  renderPortConfig,
  satisfies,
  subinterfacesOf,
} from '../../../../drivers/port-state.js';
import { child, parseXml } from '../../../../drivers/xml/xml.js';

const intent: PortIntent = {
  port: '10GE1/0/1',
  description: 'HC hc-abc-1 </description><enabled>false</enabled>',
  enabled: true,
  portType: '10GBASE-LR',
};

const data = (inner: string) => parseXml(`<data>${inner}</data>`);

describe('ietf-interfaces platform', () => {
  it('renders the intent with type, description and enabled, all escaped', () => {
    const xml = ietf.intentPayload(intent).xml;
    expect(xml).toBe(
      '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>10GE1/0/1</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><description>HC hc-abc-1 &lt;/description&gt;&lt;enabled&gt;false&lt;/enabled&gt;</description><enabled>true</enabled></interface></interfaces>',
    );
  });

  it('clears with remove (idempotent) and admin down', () => {
    const xml = ietf.clearPayload('10GE1/0/1').xml;
    expect(xml).toContain('<description nc:operation="remove"/>');
    expect(xml).toContain('<enabled>false</enabled>');
  });

  it('parses the port, defaulting enabled to true as the model does', () => {
    const d = data(
      '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>10GE1/0/1</name><description>HC a &amp; b</description></interface><interface><name>10GE1/0/2</name><enabled>false</enabled></interface></interfaces>',
    );
    expect(ietf.parsePort(d, '10GE1/0/1')).toEqual({
      port: '10GE1/0/1',
      exists: true,
      description: 'HC a & b',
      enabled: true,
    });
    expect(ietf.parsePort(d, '10GE1/0/2')).toEqual({ port: '10GE1/0/2', exists: true, enabled: false });
    expect(ietf.parsePort(d, '10GE1/0/3')).toEqual({ port: '10GE1/0/3', exists: false });
  });

  it('lists <port>.<vlan> sub-interfaces only', () => {
    const names = [
      '10GE1/0/1',
      '10GE1/0/1.100',
      '10GE1/0/1.20',
      '10GE1/0/10.5',
      '10GE1/0/1.abc',
      '10GE1/0/1.0',
      '10GE1/0/1.4095',
    ];
    const d = data(
      `<interfaces>${names.map((n) => `<interface><name>${n}</name></interface>`).join('')}</interfaces>`,
    );
    expect(ietf.listSubinterfaces(d, '10GE1/0/1')).toEqual(['10GE1/0/1.20', '10GE1/0/1.100']);
  });

  it('filters select the port by key', () => {
    expect(ietf.portFilter('a&b').xml).toContain('<name>a&amp;b</name>');
  });
});

describe('openconfig platform', () => {
  it('puts name, type, description and enabled under config, with config/name equal to the key', () => {
    const root = parseXml(oc.intentPayload(intent).xml);
    const iface = child(root, 'interface');
    expect(child(iface, 'name')?.text).toBe('10GE1/0/1');
    const cfg = child(iface, 'config');
    expect(cfg?.children.map((c) => c.name)).toEqual(['name', 'type', 'description', 'enabled']);
    expect(child(cfg, 'name')?.text).toBe('10GE1/0/1');
    expect(child(cfg, 'description')?.text).toBe(intent.description);
  });

  it('parses config leaves including mtu', () => {
    const d = data(
      '<interfaces xmlns="http://openconfig.net/yang/interfaces"><interface><name>et-0/0/1</name><config><name>et-0/0/1</name><description>x</description><enabled>false</enabled><mtu>9000</mtu></config></interface></interfaces>',
    );
    expect(oc.parsePort(d, 'et-0/0/1')).toEqual({
      port: 'et-0/0/1',
      exists: true,
      description: 'x',
      enabled: false,
      mtu: 9000,
    });
  });

  it('counts top-level <port>.<vlan> interfaces and non-zero subinterface indexes', () => {
    const d = data(
      '<interfaces><interface><name>et-0/0/1</name><subinterfaces><subinterface><index>0</index></subinterface><subinterface><index>300</index></subinterface></subinterfaces></interface><interface><name>et-0/0/1.200</name></interface><interface><name>et-0/0/2</name><subinterfaces><subinterface><index>7</index></subinterface></subinterfaces></interface></interfaces>',
    );
    expect(oc.listSubinterfaces(d, 'et-0/0/1')).toEqual(['et-0/0/1.200', 'et-0/0/1.300']);
  });
});

describe('shared platform helpers', () => {
  it('satisfies compares only managed leaves and ignores surrounding whitespace', () => {
    const want = intendedState(intent);
    expect(
      satisfies(
        { port: intent.port, exists: true, description: `${intent.description} `, enabled: true, mtu: 1500 },
        want,
      ),
    ).toBe(true);
    expect(
      satisfies({ port: intent.port, exists: true, description: intent.description, enabled: false }, want),
    ).toBe(false);
    expect(satisfies({ port: intent.port, exists: false }, want)).toBe(false);
    expect(
      satisfies(
        { port: 'p', exists: true, enabled: false, description: 'left' },
        { port: 'p', exists: true, enabled: false },
      ),
    ).toBe(false);
  });

  it('renders the canonical text form', () => {
    expect(renderPortConfig({ port: 'p', exists: true, description: 'd', enabled: true, mtu: 9000 })).toBe(
      'interface p\n description d\n enabled true\n mtu 9000\n',
    );
    expect(renderPortConfig({ port: 'p', exists: false })).toBe('');
  });

  it('subinterfacesOf keeps vlan 1-4094 and sorts numerically', () => {
    expect(subinterfacesOf('p', ['p.10', 'p.9', 'p.4094', 'p.4095', 'p.01', 'q.1'])).toEqual([
      'p.9',
      'p.10',
      'p.4094',
    ]);
  });
});
