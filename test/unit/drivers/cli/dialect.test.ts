import { describe, expect, it } from 'vitest';
import { InvalidJobError } from '../../../../core/errors.js';
import { refusalIn } from '../../../../drivers/cli/channel.js';
import {
  assertSendable,
  changeSession,
  descriptionIssues,
  matchPrompt,
  parsePortConfig,
  parseSubinterfaces,
  portLines,
} from '../../../../drivers/cli/dialect.js';
import { cliIosDialect as ios } from '../../../../drivers/platforms/cli-ios/index.js';
import { cliVrpDialect as vrp } from '../../../../drivers/platforms/cli-vrp/index.js';

describe('prompts', () => {
  it('VRP: user view, system view, two-stage marks, interface view with a dashed hostname', () => {
    expect(matchPrompt(vrp, '<DC-SW-01>')).toMatchObject({ mode: 'user', name: 'DC-SW-01' });
    expect(matchPrompt(vrp, '[DC-SW-01]', 'DC-SW-01')).toMatchObject({ mode: 'config' });
    expect(matchPrompt(vrp, '[~DC-SW-01]', 'DC-SW-01')).toMatchObject({ mode: 'config', stage: '~' });
    const ifView = matchPrompt(vrp, '[*DC-SW-01-10GE1/0/1.100]', 'DC-SW-01');
    expect(ifView).toMatchObject({ mode: 'config', stage: '*', view: '10GE1/0/1.100' });
  });

  it('VRP: output that only looks like a prompt is not one once the hostname is known', () => {
    expect(matchPrompt(vrp, '<OTHER>', 'DC-SW-01')).toBeUndefined();
    expect(matchPrompt(vrp, '[~DC-SW-010GE1]', 'DC-SW-01')).toBeUndefined();
    expect(matchPrompt(vrp, ' description <DC-SW-01>', 'DC-SW-01')).toBeUndefined();
    expect(matchPrompt(vrp, '<DC-SW-01>display current-configuration', 'DC-SW-01')).toBeUndefined();
    expect(matchPrompt(vrp, '  ---- More ----', 'DC-SW-01')).toBeUndefined();
  });

  it('IOS: user, privileged, config and config-if', () => {
    expect(matchPrompt(ios, 'sw1>')).toMatchObject({ mode: 'user', name: 'sw1' });
    expect(matchPrompt(ios, 'sw1#', 'sw1')).toMatchObject({ mode: 'privileged' });
    expect(matchPrompt(ios, 'sw1(config)#', 'sw1')).toMatchObject({ mode: 'config', view: 'config' });
    expect(matchPrompt(ios, 'sw1(config-if)#', 'sw1')).toMatchObject({ mode: 'config', view: 'config-if' });
    expect(matchPrompt(ios, 'sw1(config-subif)#', 'sw1')).toMatchObject({ view: 'config-subif' });
    expect(matchPrompt(ios, 'sw2#', 'sw1')).toBeUndefined();
    expect(matchPrompt(ios, 'sw1#show running-config', 'sw1')).toBeUndefined();
    expect(matchPrompt(ios, ' --More--', 'sw1')).toBeUndefined();
  });
});

describe('what a CLI line can carry', () => {
  const refused: Array<[string, RegExp]> = [
    ['HC hc-1 a\nshutdown', /line break/],
    ['HC hc-1 a\rb', /line break/],
    ['HC hc-1 what?', /context help/],
    ['HC hc-1 a\tb', /control character/],
    ['HC hc-1 a\x1ab', /control character/],
    ['HC hc-1 a\x7fb', /control character/],
    ['HC hc-1 Müller', /printable ASCII/],
    ['HC hc-1 a\u2028b', /line break/],
    ['HC hc-1 trailing ', /trims/],
    [' leading', /trims/],
  ];
  it.each(refused)('refuses %j', (text, reason) => {
    for (const d of [vrp, ios]) {
      const issues = descriptionIssues(d, text);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.every((i) => i.path === 'description')).toBe(true);
      expect(issues.map((i) => i.message).join(' ')).toMatch(reason);
    }
  });

  it('takes markup, quotes, shell and CLI keywords verbatim', () => {
    const text = `HC hc-1 x ]]>]]> </description><enabled>false</enabled> & < > " ' ; | $(reboot) end ! # quit`;
    expect(descriptionIssues(vrp, text)).toEqual([]);
    expect(descriptionIssues(ios, text)).toEqual([]);
    expect(portLines(ios, { description: text, enabled: true })[0]).toBe(`description ${text}`);
  });

  it('refuses text longer than the dialect takes', () => {
    expect(descriptionIssues(ios, `HC ${'x'.repeat(240)}`)[0]?.message).toMatch(/at most 240/);
  });

  it('assertSendable throws invalid-job naming description and port', () => {
    let err: unknown;
    try {
      assertSendable(vrp, '10GE1/0/1 ?', 'a\nb');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidJobError);
    expect((err as InvalidJobError).code).toBe('invalid-job');
    expect((err as InvalidJobError).issues.map((i) => i.path).sort()).toEqual(['description', 'port']);
    expect(() => assertSendable(vrp, '10GE1/0/1', 'HC hc-1 ok')).not.toThrow();
  });
});

describe('lines to send', () => {
  it('offline: every managed line, labelled before enabled, disabled before unlabelled', () => {
    expect(portLines(vrp, { description: 'HC a', enabled: true })).toEqual([
      'description HC a',
      'undo shutdown',
    ]);
    expect(portLines(vrp, { enabled: false })).toEqual(['shutdown', 'undo description']);
    expect(portLines(ios, { description: 'HC a', enabled: true })).toEqual([
      'description HC a',
      'no shutdown',
    ]);
    expect(portLines(ios, { enabled: false })).toEqual(['shutdown', 'no description']);
  });

  it('online: only what differs', () => {
    const before = { port: 'p', exists: true, description: 'HC a', enabled: true };
    expect(portLines(vrp, { description: 'HC a', enabled: true }, before)).toEqual([]);
    expect(portLines(vrp, { description: 'HC b', enabled: true }, before)).toEqual(['description HC b']);
    expect(portLines(vrp, { enabled: false }, { port: 'p', exists: true, enabled: true })).toEqual([
      'shutdown',
    ]);
  });

  it('wraps them in the configuration session, with commit only where two-stage', () => {
    expect(changeSession(vrp, '10GE1/0/1', ['shutdown'], true)).toEqual([
      'system-view',
      'interface 10GE1/0/1',
      'shutdown',
      'commit',
      'return',
    ]);
    expect(changeSession(vrp, '10GE1/0/1', ['shutdown'], false)).not.toContain('commit');
    expect(changeSession(ios, 'Te1/0/1', ['shutdown'], false)).toEqual([
      'configure terminal',
      'interface Te1/0/1',
      'shutdown',
      'end',
    ]);
  });
});

describe('reading the running config', () => {
  it('VRP display current-configuration interface', () => {
    const out = [
      '#',
      'interface 10GE1/0/1',
      ' description HC hc-1 a  b',
      ' mtu 9000',
      ' shutdown',
      '#',
      'return',
    ].join('\n');
    expect(parsePortConfig(vrp, out, '10GE1/0/1')).toEqual({
      port: '10GE1/0/1',
      exists: true,
      description: 'HC hc-1 a  b',
      enabled: false,
      mtu: 9000,
    });
    expect(parsePortConfig(vrp, '#\ninterface 10GE1/0/1\n undo shutdown\n#\nreturn', '10GE1/0/1')).toEqual({
      port: '10GE1/0/1',
      exists: true,
      enabled: true,
    });
    expect(parsePortConfig(vrp, '#\nreturn', '10GE1/0/1')).toEqual({ port: '10GE1/0/1', exists: false });
  });

  it('IOS show running-config interface: no shutdown line means enabled', () => {
    const out = [
      'Building configuration...',
      '',
      'Current configuration : 80 bytes',
      '!',
      'interface TenGigabitEthernet1/0/1',
      ' description HC hc-1 x',
      'end',
    ].join('\n');
    expect(parsePortConfig(ios, out, 'TenGigabitEthernet1/0/1')).toEqual({
      port: 'TenGigabitEthernet1/0/1',
      exists: true,
      description: 'HC hc-1 x',
      enabled: true,
    });
  });

  it('does not take another port’s block (10GE1/0/1 vs 10GE1/0/10)', () => {
    const out = '#\ninterface 10GE1/0/10\n description other\n#\ninterface 10GE1/0/1\n shutdown\n#';
    expect(parsePortConfig(vrp, out, '10GE1/0/1')).toEqual({
      port: '10GE1/0/1',
      exists: true,
      enabled: false,
    });
  });

  it('sub-interfaces of the port only, by VLAN order', () => {
    const out = [
      'interface 10GE1/0/1',
      'interface 10GE1/0/1.100',
      'interface 10GE1/0/1.20',
      'interface 10GE1/0/10.5',
      'interface 10GE1/0/1.abc',
    ].join('\n');
    expect(parseSubinterfaces(out, '10GE1/0/1')).toEqual(['10GE1/0/1.20', '10GE1/0/1.100']);
  });
});

describe('refusals', () => {
  it('VRP Error: lines and the ^ marker', () => {
    expect(refusalIn(vrp, ['        ^', "Error: Unrecognized command found at '^' position."])).toBe(
      "Error: Unrecognized command found at '^' position.",
    );
    expect(refusalIn(vrp, ['Info: fine'])).toBeUndefined();
  });

  it('IOS % refusals, but not % notices', () => {
    expect(refusalIn(ios, ['    ^', "% Invalid input detected at '^' marker."])).toMatch(/Invalid input/);
    expect(refusalIn(ios, ['% Incomplete command.'])).toMatch(/Incomplete/);
    expect(refusalIn(ios, ['%LINK-3-UPDOWN: Interface up'])).toBeUndefined();
    expect(refusalIn(ios, ['   ^'])).toMatch(/marked the command/);
  });
});
