// The lab's CLI emulator, keystroke by keystroke: what the driver's fault tests rely on it to do.
import { describe, expect, it } from 'vitest';
import { emulated, terminal } from './helpers.js';

const lines = (s: string) => s.split('\r\n');

describe('CliShell (VRP8)', () => {
  it('logs in to user view and shows two-stage marks in system and interface views', () => {
    const t = terminal(emulated('vrp8'));
    expect(t.take().endsWith('<DC-SW-01>')).toBe(true);
    t.type('sys\n');
    expect(t.take()).toContain('[~DC-SW-01]');
    t.type('int 10ge1/0/1\n');
    expect(t.take().endsWith('[~DC-SW-01-10GE1/0/1]')).toBe(true);
    t.type('description HC hc-1 a b\n');
    expect(t.take().endsWith('[*DC-SW-01-10GE1/0/1]')).toBe(true);
    t.type('commit\n');
    expect(t.take().endsWith('[~DC-SW-01-10GE1/0/1]')).toBe(true);
  });

  it('marks an unknown word with ^ under it and an Error: line', () => {
    const t = terminal(emulated('vrp8'));
    t.take();
    t.type('display current-configuratoin\n');
    const out = lines(t.take());
    expect(out[0]).toBe('display current-configuratoin');
    expect(out[1]).toBe(`${' '.repeat('<DC-SW-01>display '.length)}^`);
    expect(out[2]).toBe("Error: Unrecognized command found at '^' position.");
  });

  it('keeps uncommitted changes per session, asks before leaving, discards on abort', () => {
    const dev = emulated('vrp8');
    const t = terminal(dev);
    t.type('system-view\ninterface 10GE1/0/1\nundo shutdown\n');
    expect(dev.port('10GE1/0/1')?.enabled).toBe(false);
    t.take();
    t.type('return\n');
    expect(t.take()).toMatch(/Uncommitted configurations found.*\[Y\(yes\)\/N\(no\)\/C\(cancel\)\]:$/);
    t.type('c\n');
    t.type('abort\n');
    expect(t.take().endsWith('<DC-SW-01>')).toBe(true);
    expect(dev.port('10GE1/0/1')?.enabled).toBe(false);
  });

  it('pages long output and wipes the pager when answered', () => {
    const dev = emulated('vrp8');
    dev.pageLines = 2;
    const t = terminal(dev);
    t.take();
    t.type('display current-configuration interface 10GE1/0/1\n');
    expect(t.take().endsWith('  ---- More ----')).toBe(true);
    t.type(' ');
    expect(t.take().startsWith('\x1b[16D')).toBe(true);
    t.type('q');
    expect(t.take().endsWith('<DC-SW-01>')).toBe(true);
    t.type('screen-length 0 temporary\n');
    t.take();
    t.type('display current-configuration interface 10GE1/0/1\n');
    expect(t.take()).not.toContain('More');
  });

  it('answers ? with context help instead of taking it as text', () => {
    const dev = emulated('vrp8');
    const t = terminal(dev);
    t.type('system-view\ninterface 10GE1/0/1\n');
    t.take();
    t.type('description why?');
    expect(t.take()).toContain('?\r\n');
    expect(dev.port('10GE1/0/1')?.description).toBeUndefined();
  });

  it('saves after a Y/N question', () => {
    const dev = emulated('vrp8');
    const t = terminal(dev);
    t.type('system-view\ninterface 10GE1/0/1\nundo shutdown\ncommit\nreturn\nsave\n');
    expect(t.take()).toMatch(/Continue\? \[Y\/N\]:$/);
    expect(dev.startup.get('10GE1/0/1')?.enabled).toBe(false);
    t.type('y\n');
    expect(t.take()).toContain('Save the configuration successfully');
    expect(dev.startup.get('10GE1/0/1')?.enabled).toBe(true);
  });

  it('filters with | include and creates sub-interfaces of existing ports only', () => {
    const dev = emulated('vrp8');
    const t = terminal(dev);
    t.type(
      'system-view\ninterface 10GE1/0/1.100\ndot1q termination vid 100\ninterface 10GE1/0/9.1\ncommit\nreturn\n',
    );
    t.take();
    t.type('display current-configuration | include ^interface\n');
    expect(lines(t.take()).slice(1, -1)).toEqual([
      'interface 10GE1/0/1',
      'interface 10GE1/0/1.100',
      'interface 10GE1/0/2',
    ]);
  });
});

describe('CliShell (IOS)', () => {
  it('enters config and config-if, applies at once, ends with end', () => {
    const dev = emulated('ios');
    const t = terminal(dev);
    expect(t.take().endsWith('sw1#')).toBe(true);
    t.type('conf t\n');
    expect(t.take()).toContain('sw1(config)#');
    t.type('interface TenGigabitEthernet1/0/1\n');
    expect(t.take().endsWith('sw1(config-if)#')).toBe(true);
    t.type('no shutdown\n');
    expect(dev.port('TenGigabitEthernet1/0/1')?.enabled).toBe(true);
    t.type('end\n');
    expect(t.take().endsWith('sw1#')).toBe(true);
  });

  it('starts in user mode with an enable secret, and asks for it without echo', () => {
    const dev = emulated('ios', { enableSecret: 's3cret!' });
    const t = terminal(dev);
    expect(t.take().endsWith('sw1>')).toBe(true);
    t.type('enable\n');
    expect(t.take().endsWith('Password: ')).toBe(true);
    t.type('s3cret!\n');
    const out = t.take();
    expect(out).not.toContain('s3cret');
    expect(out.endsWith('sw1#')).toBe(true);
  });

  it('refuses show in config mode with the IOS marker and message', () => {
    const t = terminal(emulated('ios'));
    t.type('configure terminal\n');
    t.take();
    t.type('show running-config\n');
    expect(t.take()).toContain("% Invalid input detected at '^' marker.");
  });

  it('plays faults: error text, hang (no prompt), flood', () => {
    const dev = emulated('ios', {
      faults: [
        { match: /^no shutdown$/, action: 'error', text: ['% Interface is error-disabled'] },
        { match: /^description/, action: 'hang' },
      ],
    });
    const t = terminal(dev);
    t.type('configure terminal\ninterface TenGigabitEthernet1/0/1\n');
    t.take();
    t.type('no shutdown\n');
    expect(t.take()).toBe('no shutdown\r\n% Interface is error-disabled\r\nsw1(config-if)#');
    t.type('description x\n');
    expect(t.take()).toBe('description x\r\n');
    t.type('\n\n');
    expect(t.take()).toBe('');
  });
});
