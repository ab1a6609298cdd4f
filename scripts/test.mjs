#!/usr/bin/env node
// `npm test`: checks the Debian packages behind the interop peers, runs vitest (all projects, or
// what the extra arguments select), then sweeps any peer process the run left behind.
// Extra arguments go to `vitest run` unchanged, e.g. `npm test -- --project interop`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackages } from './peers-packages.mjs';
import { sweepRun } from './peers-sweep.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
// Must match RUN_DIR_ENV in test/interop/global-setup.ts.
const RUN_DIR_ENV = 'DCAGENT_TEST_RUN_DIR';
const KILL_AFTER_SIGNAL_MS = 15_000;

const args = process.argv.slice(2);

/** Projects named with --project (either form); empty means all projects. */
function selectedProjects(argv) {
  const out = [];
  argv.forEach((a, i) => {
    if (a === '--project' && argv[i + 1]) out.push(argv[i + 1]);
    else if (a.startsWith('--project=')) out.push(a.slice('--project='.length));
  });
  return out;
}

const projects = selectedProjects(args);
// Project filters may be globs (`--project 'inter*'`), so only a list of plain names that all
// differ from interop lets us skip the peers' prerequisites.
const needsPeers = projects.length === 0 || projects.some((p) => p === 'interop' || /[*?[]/.test(p));

if (needsPeers) {
  try {
    const installed = ensurePackages();
    if (installed.length > 0) console.log(`[test] installed Debian packages: ${installed.join(' ')}`);
  } catch (err) {
    console.error(`[test] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}

// Tests that run the real binary (`node bin/dcagent.js …`) need dist/ to match the sources.
{
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) {
    console.error('[test] build failed (tsc -p tsconfig.build.json)');
    process.exit(built.status ?? 2);
  }
}

const runDir = mkdtempSync(join(tmpdir(), 'dcagent-peers-'));
const t0 = Date.now();
const child = spawn(process.execPath, [VITEST, 'run', ...args], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, [RUN_DIR_ENV]: runDir },
});

let signalled = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (signalled) return;
    signalled = sig;
    console.error(`\n[test] ${sig}: stopping vitest, then the peers`);
    // A terminal Ctrl-C has reached vitest already; a SIGTERM from CI has not.
    child.kill(sig);
    setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_SIGNAL_MS).unref();
  });
}

const { code, signal } = await new Promise((res) => {
  child.once('error', (err) => {
    console.error(`[test] cannot start vitest (${VITEST}): ${err.message}`);
    res({ code: 2, signal: null });
  });
  child.once('exit', (c, s) => res({ code: c, signal: s }));
});

const strays = await sweepRun(runDir);
if (strays.length > 0) {
  console.error(
    `[test] stopped ${strays.length} peer process(es) still running after vitest: ` +
      strays.map((s) => `${s.name}(${s.pid})`).join(', '),
  );
}

const SIGNAL_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143, SIGKILL: 137 };
const exitCode = signalled
  ? (SIGNAL_CODES[signalled] ?? 1)
  : signal
    ? (SIGNAL_CODES[signal] ?? 1)
    : (code ?? 1);

if (exitCode === 0 && !process.env.DCAGENT_TEST_KEEP) {
  rmSync(runDir, { recursive: true, force: true });
} else if (needsPeers) {
  console.error(`[test] peer folders and logs kept in ${runDir}`);
} else {
  rmSync(runDir, { recursive: true, force: true });
}
console.log(`[test] vitest finished in ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${exitCode}`);
process.exit(exitCode);
