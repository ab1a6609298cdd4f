// The alert rules checked with Prometheus's own tools (Debian `prometheus` ships promtool):
// syntax and templates (`check rules`), and behaviour on synthetic series (`test rules`,
// test/monitoring/alerts.test.yml: a cut, a port under construction, a 100G port at -12 dBm, an
// agent gone, a stuck queue, a dark lane, and the other alerts).
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

function promtool(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd: ROOT, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe('docs/monitoring/alerts.yml under promtool', () => {
  it('passes `promtool check rules`', async () => {
    const r = await promtool(['check', 'rules', 'docs/monitoring/alerts.yml']);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.code, r.out).toBe(0);
  });

  it('passes its rule unit tests (`promtool test rules`)', async () => {
    const r = await promtool(['test', 'rules', 'test/monitoring/alerts.test.yml']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
  });
});
