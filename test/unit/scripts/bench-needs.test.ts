// Every `npm run bench:*` checks what it needs first (scripts/bench-needs.mjs) and names anything
// missing in one line, instead of dying with `spawn … ENOENT`.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BENCH_NEEDS, ensureNeeds, missingNeeds } from '../../../scripts/bench-needs.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function emptyPathDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dcagent-bench-needs-'));
  dirs.push(d);
  return d;
}

describe('bench prerequisites', () => {
  it('finds a command on PATH and misses one that is not there', () => {
    const dir = emptyPathDir();
    const tool = join(dir, 'fake-exporter');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    const needs = [
      { command: 'fake-exporter', pkg: 'fake-pkg' },
      { command: 'no-such-bench-tool', pkg: 'no-such-pkg' },
    ];
    expect(missingNeeds(needs, { pathEnv: dir })).toEqual([needs[1]]);
  });

  it('not root: a missing command is named in one line with the package and the install command', () => {
    const needs = [{ command: 'no-such-bench-tool', pkg: 'no-such-pkg' }];
    let message = '';
    try {
      ensureNeeds('bench:x', needs, { root: false, pathEnv: emptyPathDir() });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      'bench:x: missing no-such-bench-tool (no-such-pkg); install as root: apt-get install -y --no-install-recommends no-such-pkg',
    );
  });

  it('root: installs through the shared installer, and a failed install is still one line', () => {
    const needs = [{ command: 'no-such-bench-tool', pkg: 'no-such-pkg' }, { pkg: 'python3-no-such-module' }];
    const asked: string[][] = [];
    const run = () =>
      ensureNeeds('bench:x', needs, {
        root: true,
        pathEnv: emptyPathDir(),
        packagesMissing: (p) => p,
        install: (pkgs) => {
          asked.push(pkgs);
          throw new Error('apt-get install -y no-such-pkg failed with exit code 100\nmore detail');
        },
      });
    expect(run).toThrow(
      /^bench:x: missing no-such-bench-tool \(no-such-pkg\), python3-no-such-module; .*exit code 100\)$/,
    );
    expect(asked).toEqual([['no-such-pkg', 'python3-no-such-module']]);
  });

  it('the real entry point, with nothing on PATH, prints one line naming the exporter and exits 2', () => {
    const res = spawnSync(process.execPath, ['scripts/bench-needs.mjs', 'snmp'], {
      encoding: 'utf8',
      // No dpkg-query or apt-get on this PATH, so nothing gets installed even as root.
      env: { ...process.env, PATH: emptyPathDir() },
    });
    expect(res.status).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[bench:snmp\] bench:snmp: missing prometheus-snmp-exporter \(prometheus-snmp-exporter\)/,
    );
  });

  it('every npm run bench:* script checks its needs first', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    const benches = Object.keys(scripts).filter((k) => k.startsWith('bench:'));
    expect(benches.length).toBeGreaterThan(0);
    for (const name of benches) {
      const bench = name.slice('bench:'.length);
      expect(Object.keys(BENCH_NEEDS)).toContain(bench);
      expect(scripts[name]).toMatch(new RegExp(`^node scripts/bench-needs\\.mjs ${bench} && `));
    }
  });
});
