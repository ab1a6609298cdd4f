#!/usr/bin/env node
// `npm test`: checks the Debian packages behind the interop peers, runs vitest (all projects, or
// what the extra arguments select), then sweeps any peer process the run left behind.
// Extra arguments go to `vitest run` unchanged, e.g. `npm test -- --project interop`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
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

/**
 * How many vitest runs at once. The interop files run one after another against one set of peers
 * (they change shared devices), and most of their time is spent waiting on agents, devices and
 * timers, so a plain run of the whole suite (or of the interop project) is split into shards by
 * vitest's `--shard`: each shard is its own vitest with its own peers on their own free ports, so
 * nothing is shared between them. Anything else (file filters, reporters) is one run, as asked;
 * DCAGENT_TEST_SHARDS sets the count for any run that does not name its own --shard.
 */
const SHARDS_ENV = 'DCAGENT_TEST_SHARDS';
const DEFAULT_SHARDS = 2;

function shardCount(argv) {
  // A run that names its own shard is that shard alone.
  if (argv.some((a) => a === '--shard' || a.startsWith('--shard='))) return 1;
  const given = process.env[SHARDS_ENV];
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1 || n > 8) {
      console.error(`[test] ${SHARDS_ENV} must be a whole number from 1 to 8, not "${given}"`);
      process.exit(2);
    }
    return n;
  }
  const plain =
    argv.length === 0 ||
    (argv.length === 2 && argv[0] === '--project' && argv[1] === 'interop') ||
    (argv.length === 1 && argv[0] === '--project=interop');
  return plain ? DEFAULT_SHARDS : 1;
}

const shards = shardCount(args);
const t0 = Date.now();

/** One vitest run; with shards, its lines are prefixed with its shard so the two can be told apart. */
function startRun(index) {
  const runDir = mkdtempSync(join(tmpdir(), 'dcagent-peers-'));
  const shardArgs = shards > 1 ? [`--shard=${index}/${shards}`] : [];
  const child = spawn(process.execPath, [VITEST, 'run', ...args, ...shardArgs], {
    cwd: ROOT,
    stdio: shards > 1 ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, [RUN_DIR_ENV]: runDir },
  });
  if (shards > 1) {
    const tag = `[${index}/${shards}] `;
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
        to.write(`${tag}${line}\n`),
      );
    }
  }
  const done = new Promise((res) => {
    child.once('error', (err) => {
      console.error(`[test] cannot start vitest (${VITEST}): ${err.message}`);
      res({ code: 2, signal: null });
    });
    // 'close', not 'exit': the last lines (a shard's summary, its failures) may still be in the pipe at exit.
    child.once('close', (c, sig) => res({ code: c, signal: sig }));
  });
  return { index, runDir, child, done };
}

const runs = Array.from({ length: shards }, (_, i) => startRun(i + 1));
if (shards > 1)
  console.log(`[test] ${shards} shards at once, each with its own peers (${SHARDS_ENV}=1: one run)`);

let signalled = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (signalled) return;
    signalled = sig;
    console.error(`\n[test] ${sig}: stopping vitest, then the peers`);
    for (const { child } of runs) {
      // A terminal Ctrl-C has reached vitest already; a SIGTERM from CI has not.
      child.kill(sig);
      setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_SIGNAL_MS).unref();
    }
  });
}

const results = await Promise.all(runs.map((r) => r.done));

for (const { runDir, index } of runs) {
  const strays = await sweepRun(runDir);
  if (strays.length > 0) {
    console.error(
      `[test] stopped ${strays.length} peer process(es) of run ${index} still running after vitest: ` +
        strays.map((s) => `${s.name}(${s.pid})`).join(', '),
    );
  }
}

const SIGNAL_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143, SIGKILL: 137 };
const codeOf = ({ code, signal }) => (signal ? (SIGNAL_CODES[signal] ?? 1) : (code ?? 1));
const exitCode = signalled ? (SIGNAL_CODES[signalled] ?? 1) : (results.map(codeOf).find((c) => c !== 0) ?? 0);

for (const { runDir } of runs) {
  if (exitCode === 0 && !process.env.DCAGENT_TEST_KEEP) {
    rmSync(runDir, { recursive: true, force: true });
  } else if (needsPeers) {
    console.error(`[test] peer folders and logs kept in ${runDir}`);
  } else {
    rmSync(runDir, { recursive: true, force: true });
  }
}
const each = shards > 1 ? ` (${results.map((r, i) => `shard ${i + 1}: exit ${codeOf(r)}`).join(', ')})` : '';
console.log(`[test] vitest finished in ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${exitCode}${each}`);
process.exit(exitCode);
