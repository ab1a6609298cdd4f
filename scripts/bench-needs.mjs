#!/usr/bin/env node
// What each `npm run bench:<name>` needs besides Node, checked before it starts: the same check
// and, as root, the same install as `npm test` (scripts/peers-packages.mjs). Anything still
// missing is named in one line instead of a stack trace from a failed spawn.
//   node scripts/bench-needs.mjs <name>
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensurePackages, missingPackages } from './peers-packages.mjs';

/**
 * Per benchmark: each thing it runs, as a command (on PATH, or an absolute path) and the Debian
 * package that brings it; a need without a command (a Python module) is checked by its package.
 * @type {Readonly<Record<string, readonly {command?: string, pkg: string}[]>>}
 */
export const BENCH_NEEDS = Object.freeze({
  netconf: [
    { command: 'netconfd', pkg: 'netconfd' },
    { command: '/usr/sbin/sshd', pkg: 'openssh-server' },
    { command: '/usr/bin/python3', pkg: 'python3' },
    { pkg: 'python3-ncclient' },
  ],
  snmp: [{ command: 'prometheus-snmp-exporter', pkg: 'prometheus-snmp-exporter' }],
  // The lab and its net-snmp client are both Node.
  lab: [],
  jobs: [{ command: 'redis-server', pkg: 'redis-server' }],
  audit: [{ command: 'redis-server', pkg: 'redis-server' }],
  agent: [{ command: 'redis-server', pkg: 'redis-server' }],
  console: [
    { command: 'redis-server', pkg: 'redis-server' },
    { command: '/usr/bin/chromium', pkg: 'chromium' },
  ],
});

/**
 * Whether `command` can be run: an absolute path that is executable, or a name found on `pathEnv`.
 * @param {string} command
 * @param {string | undefined} pathEnv
 */
export function commandFound(command, pathEnv) {
  const candidates = isAbsolute(command)
    ? [command]
    : (pathEnv ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The needs that are not met: a command not found, or (for a need without one) a package dpkg
 * does not report as installed.
 * @param {readonly {command?: string, pkg: string}[]} needs
 * @param {{pathEnv?: string, packagesMissing?: (pkgs: string[]) => string[]}} [o]
 */
export function missingNeeds(needs, o = {}) {
  const pathEnv = 'pathEnv' in o ? o.pathEnv : process.env.PATH;
  const byPackage = needs.filter((n) => n.command === undefined).map((n) => n.pkg);
  const absent = new Set(byPackage.length > 0 ? (o.packagesMissing ?? missingPackages)(byPackage) : []);
  return needs.filter((n) =>
    n.command === undefined ? absent.has(n.pkg) : !commandFound(n.command, pathEnv),
  );
}

/**
 * One line naming what is missing and how to get it.
 * @param {string} label
 * @param {readonly {command?: string, pkg: string}[]} missing
 */
export function missingLine(label, missing) {
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  const what = missing.map((n) => (n.command ? `${n.command} (${n.pkg})` : n.pkg)).join(', ');
  return `${label}: missing ${what}; install as root: apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

/**
 * Checks `needs`; as root installs what is missing through `install` (scripts/peers-packages.mjs),
 * otherwise throws an Error whose message is one line. Returns the packages it installed.
 * @param {string} label
 * @param {readonly {command?: string, pkg: string}[]} needs
 * @param {{root?: boolean, install?: (pkgs: string[]) => string[], pathEnv?: string, packagesMissing?: (pkgs: string[]) => string[]}} [o]
 */
export function ensureNeeds(label, needs, o = {}) {
  const missing = missingNeeds(needs, o);
  if (missing.length === 0) return [];
  const root = o.root ?? (typeof process.getuid === 'function' && process.getuid() === 0);
  if (!root) throw new Error(missingLine(label, missing));
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  try {
    (o.install ?? ensurePackages)(pkgs);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new Error(`${missingLine(label, missing)} (the install failed: ${why})`);
  }
  const still = missingNeeds(needs, o);
  if (still.length > 0) throw new Error(missingLine(label, still));
  return pkgs;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const name = process.argv[2] ?? '';
  const needs = BENCH_NEEDS[name];
  if (!needs) {
    console.error(`[bench] unknown benchmark ${name}; choose from ${Object.keys(BENCH_NEEDS).join(', ')}`);
    process.exit(2);
  }
  try {
    const installed = ensureNeeds(`bench:${name}`, needs);
    if (installed.length > 0)
      console.error(`[bench:${name}] installed Debian packages: ${installed.join(' ')}`);
  } catch (err) {
    console.error(`[bench:${name}] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
