import { describe, expect, it } from 'vitest';
import { ietfInterfacesPlatform } from '../../../drivers/platforms/ietf-interfaces/index.js';
import { parseXml } from '../../../drivers/xml/xml.js';
import { asData, type DataNode, editTree, renderTree, sameTree } from '../../../lab/netconf/datastore.js';
import { configElement } from '../../../lab/netconf/device.js';
import { isNetconfError } from '../../../lab/netconf/errors.js';
import { filterTree } from '../../../lab/netconf/filter.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { openconfigLabPlatform } from '../../../lab/netconf/platforms/openconfig.js';

const IETF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const schema = ietfLabPlatform.schema;

function cfg(inner: string): ReturnType<typeof parseXml> {
  return parseXml(`<config xmlns:nc="${NC}"><interfaces xmlns="${IETF}">${inner}</interfaces></config>`);
}

function start(...ports: string[]): DataNode[] {
  let tree: DataNode[] = [];
  for (const p of ports)
    tree = editTree(tree, configElement(ietfLabPlatform.factoryPort(p)), 'merge', schema);
  return tree;
}

function port(tree: DataNode[], name: string) {
  return ietfInterfacesPlatform.parsePort(asData(tree), name);
}

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isNetconfError(err)) return err.specs[0];
    throw err;
  }
  throw new Error('expected a NetconfError');
}

describe('lab datastore: edit-config', () => {
  it("the platform's clear payload builds a port's factory entry: present, admin down, no description", () => {
    const tree = start('10GE1/0/1', '10GE1/0/2');
    expect(port(tree, '10GE1/0/1')).toEqual({ port: '10GE1/0/1', exists: true, enabled: false });
    expect(port(tree, '10GE1/0/2').exists).toBe(true);
  });

  it("merges the agent's own intent payload and reads back through the driver's parser", () => {
    const payload = ietfInterfacesPlatform.intentPayload({
      port: '10GE1/0/1',
      description: 'HC hc-1 a & b <c>',
      enabled: true,
      portType: '10GBASE-LR',
    });
    const tree = editTree(start('10GE1/0/1'), configElement(payload), 'merge', schema);
    expect(port(tree, '10GE1/0/1')).toEqual({
      port: '10GE1/0/1',
      exists: true,
      description: 'HC hc-1 a & b <c>',
      enabled: true,
    });
  });

  it('never changes the tree it was given (edits go to a copy)', () => {
    const before = start('10GE1/0/1');
    const copy = structuredClone(before);
    editTree(
      before,
      cfg('<interface><name>10GE1/0/1</name><enabled>true</enabled></interface>'),
      'merge',
      schema,
    );
    expect(sameTree(before, copy)).toBe(true);
  });

  it('remove of an absent leaf is a no-op; delete of one is data-missing with its path', () => {
    const tree = start('10GE1/0/1');
    const removed = editTree(
      tree,
      cfg('<interface><name>10GE1/0/1</name><description nc:operation="remove"/></interface>'),
      'merge',
      schema,
    );
    expect(sameTree(removed, tree)).toBe(true);
    const e = errorOf(() =>
      editTree(
        tree,
        cfg('<interface><name>10GE1/0/1</name><description nc:operation="delete"/></interface>'),
        'merge',
        schema,
      ),
    );
    expect(e).toMatchObject({ tag: 'data-missing', type: 'application' });
    expect(e?.path).toBe("/if:interfaces/if:interface[if:name='10GE1/0/1']/if:description");
  });

  it('create of an existing entry is data-exists; replace swaps the whole entry', () => {
    const tree = start('10GE1/0/1');
    expect(
      errorOf(() =>
        editTree(
          tree,
          cfg('<interface nc:operation="create"><name>10GE1/0/1</name></interface>'),
          'merge',
          schema,
        ),
      ),
    ).toMatchObject({ tag: 'data-exists' });
    const replaced = editTree(
      tree,
      cfg(
        '<interface nc:operation="replace"><name>10GE1/0/1</name><description>only this</description></interface>',
      ),
      'merge',
      schema,
    );
    // enabled was dropped by the replace, so the YANG default (true) shows.
    expect(port(replaced, '10GE1/0/1')).toEqual({
      port: '10GE1/0/1',
      exists: true,
      description: 'only this',
      enabled: true,
    });
  });

  it('default-operation none changes nothing without an operation attribute, and refuses to delete below a missing node', () => {
    const tree = start('10GE1/0/1');
    const same = editTree(
      tree,
      cfg('<interface><name>10GE1/0/1</name><enabled>true</enabled></interface>'),
      'none',
      schema,
    );
    expect(port(same, '10GE1/0/1').enabled).toBe(false);
    const e = errorOf(() =>
      editTree(
        tree,
        cfg('<interface><name>nope</name><description nc:operation="delete"/></interface>'),
        'none',
        schema,
      ),
    );
    expect(e?.tag).toBe('data-missing');
  });

  it('checks typed leaves at edit time: invalid-value names the leaf', () => {
    const e = errorOf(() =>
      editTree(
        start('10GE1/0/1'),
        cfg('<interface><name>10GE1/0/1</name><enabled>yes</enabled></interface>'),
        'merge',
        schema,
      ),
    );
    expect(e).toMatchObject({ tag: 'invalid-value', info: { 'bad-element': 'enabled' } });
    expect(
      errorOf(() =>
        editTree(
          start('10GE1/0/1'),
          cfg('<interface><name>10GE1/0/1</name><type>ianaift:teapot</type></interface>'),
          'merge',
          schema,
        ),
      )?.tag,
    ).toBe('invalid-value');
  });

  it('a list entry without its key is missing-element; an unknown operation is bad-attribute', () => {
    expect(
      errorOf(() => editTree([], cfg('<interface><enabled>true</enabled></interface>'), 'merge', schema)),
    ).toMatchObject({
      tag: 'missing-element',
      info: { 'bad-element': 'name' },
    });
    expect(
      errorOf(() =>
        editTree([], cfg('<interface nc:operation="frobnicate"><name>x</name></interface>'), 'merge', schema),
      )?.tag,
    ).toBe('bad-attribute');
  });

  it('refuses a top-level element the model does not have', () => {
    const e = errorOf(() =>
      editTree([], parseXml(`<config><system xmlns="urn:x"/></config>`), 'merge', schema),
    );
    expect(e).toMatchObject({ tag: 'unknown-element', info: { 'bad-element': 'system' } });
  });

  it('keeps a description with surrounding spaces, newlines and markup-like text verbatim', () => {
    const text = '  x ]]>]]> </description> & "q" \n#5\n  ';
    const payload = ietfInterfacesPlatform.intentPayload({
      port: 'p',
      description: text,
      enabled: true,
      portType: '10GBASE-LR',
    });
    const tree = editTree([], configElement(payload), 'merge', schema);
    expect(port(tree, 'p').description).toBe(text);
    const xml = renderTree(tree, schema).xml;
    expect(xml).not.toContain(']]>');
    expect(port(parseXml(`<data>${xml}</data>`).children as DataNode[], 'p').description).toBe(text);
  });
});

describe('lab datastore: subtree filter', () => {
  const tree = (() => {
    let t = start('10GE1/0/1', '10GE1/0/2');
    t = editTree(
      t,
      cfg(
        '<interface><name>10GE1/0/1.100</name><type xmlns:x="urn:ietf:params:xml:ns:yang:iana-if-type">x:l2vlan</type></interface>',
      ),
      'merge',
      schema,
    );
    return t;
  })();

  it("selects exactly one port with the driver's port filter", () => {
    const filter = parseXml(`<filter>${ietfInterfacesPlatform.portFilter('10GE1/0/2').xml}</filter>`);
    const out = filterTree(tree, filter, schema);
    const names = out[0]?.children.map((c) => c.children.find((x) => x.name === 'name')?.text);
    expect(names).toEqual(['10GE1/0/2']);
    expect(port(out, '10GE1/0/2')).toEqual({ port: '10GE1/0/2', exists: true, enabled: false });
  });

  it("the driver's interfaces filter returns names only, and the driver finds the PVI in it", () => {
    const filter = parseXml(`<filter>${ietfInterfacesPlatform.interfacesFilter().xml}</filter>`);
    const out = filterTree(tree, filter, schema);
    for (const i of out[0]?.children ?? []) expect(i.children.map((c) => c.name)).toEqual(['name']);
    expect(ietfInterfacesPlatform.listSubinterfaces(asData(out), '10GE1/0/1')).toEqual(['10GE1/0/1.100']);
  });

  it('matches identities whatever prefix the filter uses, and an empty filter selects nothing', () => {
    const byType = parseXml(
      `<filter><interfaces><interface><type xmlns:t="urn:ietf:params:xml:ns:yang:iana-if-type">t:l2vlan</type></interface></interfaces></filter>`,
    );
    const out = filterTree(tree, byType, schema);
    expect(out[0]?.children).toHaveLength(1);
    expect(filterTree(tree, parseXml('<filter/>'), schema)).toEqual([]);
  });

  it('renders identities with their prefix declared and the model namespace on the root', () => {
    const xml = renderTree(tree, schema).xml;
    expect(xml).toContain(`<interfaces xmlns="${IETF}">`);
    expect(xml).toContain(
      '<type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:l2vlan</type>',
    );
  });
});

describe('lab platforms: whole-tree checks', () => {
  const hardware = { hasPort: (n: string) => n === '10GE1/0/1' };

  it('ietf-interfaces: unknown names at edit time, a missing type only at commit time', () => {
    const noType = editTree([], cfg('<interface><name>10GE1/0/1</name></interface>'), 'merge', schema);
    expect(ietfLabPlatform.check(noType, hardware, 'edit')).toEqual([]);
    expect(ietfLabPlatform.check(noType, hardware, 'commit')).toMatchObject([
      { tag: 'data-missing', path: "/if:interfaces/if:interface[if:name='10GE1/0/1']/if:type" },
    ]);
    const stranger = editTree([], cfg('<interface><name>40GE9/9/9</name></interface>'), 'merge', schema);
    expect(ietfLabPlatform.check(stranger, hardware, 'edit')).toMatchObject([{ tag: 'invalid-value' }]);
    const pvi = editTree([], cfg('<interface><name>10GE1/0/1.4094</name></interface>'), 'merge', schema);
    expect(ietfLabPlatform.check(pvi, hardware, 'edit')).toEqual([]);
    const badVlan = editTree([], cfg('<interface><name>10GE1/0/1.4095</name></interface>'), 'merge', schema);
    expect(ietfLabPlatform.check(badVlan, hardware, 'edit')).toHaveLength(1);
  });

  it('openconfig: config/name must equal the key', () => {
    const oc = openconfigLabPlatform.schema;
    const tree = editTree(
      [],
      parseXml(
        `<config><interfaces xmlns="http://openconfig.net/yang/interfaces"><interface><name>10GE1/0/1</name><config><name>other</name></config></interface></interfaces></config>`,
      ),
      'merge',
      oc,
    );
    expect(openconfigLabPlatform.check(tree, hardware, 'edit')).toMatchObject([{ tag: 'invalid-value' }]);
  });
});
