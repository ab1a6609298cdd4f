import { describe, expect, it } from 'vitest';
import { runCli } from '../../../helpers/cli.js';

// CONTRACT §7: every command has --help and --config FILE; exit 0 for help, 2 for bad usage.
const COMMANDS = [
  ['run'],
  ['plan'],
  ['status'],
  ['enqueue'],
  ['audit'],
  ['events'],
  ['check-config'],
  ['lab'],
  ['lab', 'ctl'],
  ['demo'],
];

describe('dcagent --help', () => {
  it('lists every contract command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'plan', 'status', 'enqueue', 'audit', 'events', 'check-config', 'lab', 'demo']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    }
  });

  it.each(COMMANDS)('%s %s has --help and --config <file>', async (...cmd) => {
    const r = await runCli([...cmd.filter(Boolean), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--config <file>');
  });

  it('an unknown command is bad usage', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
});
