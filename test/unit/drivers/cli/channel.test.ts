// The prompt-driven channel against the emulator, in-process (no SSH): pagers, questions,
// refusals, deadlines and the output bound. The same behaviours over real SSH are in faults.test.ts.
import { describe, expect, it } from 'vitest';
import { CliCommandError } from '../../../../drivers/cli/channel.js';
import { cliIosDialect } from '../../../../drivers/platforms/cli-ios/index.js';
import { cliVrpDialect } from '../../../../drivers/platforms/cli-vrp/index.js';
import { emulated, wiredChannel } from './helpers.js';

const base = { dialect: cliVrpDialect, commandTimeoutMs: 1_000, maxOutputBytes: 1_000_000 };

async function loggedIn(w: ReturnType<typeof wiredChannel>) {
  await w.channel.waitForPrompt({ timeoutMs: 1_000 });
  return w.channel;
}

describe('CliChannel', () => {
  it('learns the hostname, drops the echo and returns the lines up to the next prompt', async () => {
    const ch = await loggedIn(wiredChannel(emulated('vrp8'), base));
    expect(ch.host).toBe('DC-SW-01');
    const r = await ch.send('display current-configuration interface 10GE1/0/1');
    expect(r.lines).toEqual(['#', 'interface 10GE1/0/1', ' shutdown', '#', 'return']);
    expect(r.prompt).toMatchObject({ mode: 'user', text: '<DC-SW-01>' });
  });

  it('answers a pager in the middle of output and strips it, keeping indentation', async () => {
    const dev = emulated('vrp8');
    dev.pageLines = 2;
    dev.setPort('10GE1/0/1', { description: 'HC hc-1 paged', lines: [' mtu 9000', ' lldp enable'] });
    const ch = await loggedIn(wiredChannel(dev, base));
    const r = await ch.send('display current-configuration interface 10GE1/0/1');
    expect(r.pages).toBeGreaterThan(1);
    expect(r.lines).toEqual([
      '#',
      'interface 10GE1/0/1',
      ' description HC hc-1 paged',
      ' mtu 9000',
      ' lldp enable',
      ' shutdown',
      '#',
      'return',
    ]);
    expect(r.output).not.toMatch(/More/);
  });

  it('answers only the questions it was told to expect', async () => {
    const dev = emulated('vrp8');
    const w = wiredChannel(dev, { ...base, commandTimeoutMs: 300 });
    const ch = await loggedIn(w);
    const saved = await ch.send('save', { confirm: cliVrpDialect.commands.save.confirm ?? [] });
    expect(saved.output).toContain('Save the configuration successfully');
    const ch2 = await loggedIn(wiredChannel(dev, { ...base, commandTimeoutMs: 300 }));
    await expect(ch2.send('save')).rejects.toMatchObject({ code: 'timeout' });
  });

  it('rejects a refused command with the device text, as rpc-error', async () => {
    const ch = await loggedIn(wiredChannel(emulated('vrp8'), base));
    const err = await ch.send('display nonsense').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliCommandError);
    expect(err).toMatchObject({
      code: 'rpc-error',
      deviceText: "Error: Unrecognized command found at '^' position.",
    });
    const soft = await ch.send('display nonsense', { allowErrors: true });
    expect(soft.refusal).toMatch(/Unrecognized/);
  });

  it('gives every command a deadline and refuses to go on after one passed', async () => {
    const dev = emulated('ios', { faults: [{ match: /^show/, action: 'hang' }] });
    const ch = await loggedIn(wiredChannel(dev, { ...base, dialect: cliIosDialect, commandTimeoutMs: 200 }));
    const started = Date.now();
    await expect(ch.send('show running-config')).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(ch.broken?.code).toBe('timeout');
    await expect(ch.send('terminal length 0')).rejects.toMatchObject({ code: 'timeout' });
  });

  it('bounds the bytes one command may return', async () => {
    const dev = emulated('ios', { faults: [{ match: /^show/, action: 'flood', bytes: 200_000 }] });
    const ch = await loggedIn(wiredChannel(dev, { ...base, dialect: cliIosDialect, maxOutputBytes: 50_000 }));
    await expect(ch.send('show running-config')).rejects.toMatchObject({
      code: 'rpc-error',
      message: expect.stringMatching(/maxOutputBytes/),
    });
  });

  it('honours an AbortSignal', async () => {
    const dev = emulated('ios', { faults: [{ match: /^show/, action: 'hang' }] });
    const ch = await loggedIn(
      wiredChannel(dev, { ...base, dialect: cliIosDialect, commandTimeoutMs: 10_000 }),
    );
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(ch.send('show running-config', { signal: ac.signal })).rejects.toMatchObject({
      code: 'timeout',
    });
  });

  it('fails the command in flight when the device hangs up', async () => {
    const w = wiredChannel(emulated('ios'), { ...base, dialect: cliIosDialect });
    const ch = await loggedIn(w);
    await expect(ch.send('logout')).rejects.toMatchObject({ code: 'unreachable' });
  });
});
