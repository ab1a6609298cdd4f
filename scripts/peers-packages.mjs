// Makes sure the Debian packages behind the interop peers are present. Plain Node (no TypeScript)
// because scripts/test.mjs runs it before vitest exists in the picture.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Packages the interop rig and the benchmarks need. */
export const REQUIRED_PACKAGES = Object.freeze([
  'redis-server',
  'netconfd',
  'openssh-server',
  'snmpsim',
  'snmp',
  'python3-ncclient',
  'prometheus-snmp-exporter',
  // The exported JSON Schemas and the Python consumer of docs/schema/README.md are checked with these.
  'python3-jsonschema',
  'python3-redis',
  // `status --watch` is tested on a real terminal: a tmux pane.
  'tmux',
  // promtool for the alert rules' checks and unit tests, and a real server scraping an agent.
  'prometheus',
  // The web console's pages are tested in a real browser (playwright-core drives it; nothing downloads one).
  'chromium',
]);

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/**
 * Returns the packages of `packages` that dpkg does not report as installed.
 * @param {readonly string[]} packages
 * @returns {string[]}
 */
export function missingPackages(packages) {
  // dpkg-query exits 1 when some name is unknown but still prints the known ones, so parse stdout.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${…} is dpkg-query's format syntax.
  const res = spawnSync('dpkg-query', ['-W', '-f=${Package}\\t${db:Status-Status}\\n', ...packages], {
    encoding: 'utf8',
  });
  if (res.error) {
    throw new Error(`cannot run dpkg-query (${res.error.message}); the interop rig needs Debian 12`);
  }
  const installed = new Set();
  for (const line of res.stdout.split('\n')) {
    const [name, status] = line.split('\t');
    // Multi-arch packages print as name:arch.
    if (name && status === 'installed') installed.add(name.split(':')[0]);
  }
  return packages.filter((p) => !installed.has(p));
}

/**
 * @param {string} cmd
 * @param {string[]} args
 */
function run(cmd, args) {
  console.log(`[peers] $ ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (res.error) throw new Error(`${cmd} could not start: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${res.status}`);
}

/**
 * Installs whatever is missing. Returns the list it installed (empty when nothing was missing).
 * Throws with a readable message when something is missing and we are not root.
 * @param {readonly string[]} [packages]
 * @returns {string[]}
 */
export function ensurePackages(packages = REQUIRED_PACKAGES) {
  const missing = missingPackages(packages);
  if (missing.length === 0) return [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    const err = new Error(
      `missing Debian packages: ${missing.join(' ')}\n` +
        'The interop tests need them and only root can install them. Run as root:\n' +
        `  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    err.name = 'MissingPackagesError';
    throw err;
  }
  console.log(`[peers] installing missing Debian packages: ${missing.join(' ')}`);
  // The tests start private peers on free ports; the packages' own system services (redis on
  // 6379, sshd on 22, the exporter) are not wanted on a CI box, so block service starts during
  // this install only, and only when the admin has no policy of their own.
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy)
    writeFileSync(POLICY_RC_D, '#!/bin/sh\n# dcagent test rig: no service starts\nexit 101\n', {
      mode: 0o755,
    });
  try {
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
  const still = missingPackages(packages);
  if (still.length > 0) throw new Error(`apt-get finished but these are still missing: ${still.join(' ')}`);
  console.log(`[peers] installed: ${missing.join(' ')}`);
  return missing;
}

// Standalone use: `node scripts/peers-packages.mjs [pkg…]`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const installed = ensurePackages(process.argv.length > 2 ? process.argv.slice(2) : REQUIRED_PACKAGES);
    if (installed.length === 0) console.log('[peers] all Debian packages present');
  } catch (err) {
    console.error(`[peers] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
