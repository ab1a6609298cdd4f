#!/usr/bin/env node
// `npm run demo`: the README's first command on a bare machine. It installs the npm dependencies
// when they are missing, builds dist/, makes sure a Redis is at hand (REDIS_URL, or Debian's
// redis-server, installed when running as root), then runs `dcagent demo`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`[demo] ${line}`);

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[demo] ${what} failed (${cmd} ${args.join(' ')})`);
    process.exit(r.status ?? 2);
  }
}

if (!existsSync(join(ROOT, 'node_modules', '.package-lock.json'))) {
  say('installing npm dependencies (npm ci, which builds dist/)');
  run('npm', ['ci'], 'npm ci');
} else {
  // Every time: a dist/ older than the sources would demo code that is not there any more.
  say('building (tsc)');
  run('npm', ['run', 'build'], 'build');
}
if (!process.env.REDIS_URL && spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    say('installing redis-server (apt-get)');
    run('apt-get', ['update', '-qq'], 'apt-get update');
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    console.error(
      '[demo] no REDIS_URL and no redis-server: set REDIS_URL or run as root so redis-server can be installed',
    );
    process.exit(2);
  }
}
// The launcher itself, not `node launcher`: its first line carries the agent's node options.
const r = spawnSync(join(ROOT, 'bin', 'dcagent.js'), ['demo', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
});
// A launcher that could not be executed (no exec bit, no `env -S`) has no status to pass on.
if (r.error) console.error(`[demo] could not start bin/dcagent.js: ${r.error.message}`);
process.exit(r.status ?? 1);
