// Finds and kills every process a test run started, even after vitest died without its teardown.
// Two independent sources, because each alone has a gap:
//  - pidfiles (pid + kernel start time, so a recycled pid is never killed);
//  - a marker variable in the environment, which sshd's per-connection children and
//    netconf-subsystem inherit although they leave the peer's process group.
// Plain Node so that scripts/test.mjs can use it without a TypeScript loader.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every peer process gets `DCAGENT_PEER_RUN=<run dir>` in its environment. */
export const RUN_MARKER_ENV = 'DCAGENT_PEER_RUN';

/**
 * Kernel start time of a process (clock ticks since boot), or null when it is gone or a zombie.
 * @param {number} pid
 * @returns {string | null}
 */
export function processStartTime(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses, so count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null;
}

/**
 * @param {number} pid
 * @returns {number | null}
 */
function processGroup(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]);
  } catch {
    return null;
  }
}

/**
 * Records a started peer process so a later sweep can find it.
 * @param {string} runDir
 * @param {string} name
 * @param {number} pid
 */
export function recordPid(runDir, name, pid) {
  const dir = join(runDir, 'pids');
  mkdirSync(dir, { recursive: true });
  const startTime = processStartTime(pid);
  writeFileSync(join(dir, `${name}.${pid}.json`), `${JSON.stringify({ name, pid, startTime })}\n`);
}

/**
 * @param {string} runDir
 * @returns {Map<number, string>} pid → name of live processes that belong to the run
 */
export function findRunProcesses(runDir) {
  /** @type {Map<number, string>} */
  const found = new Map();
  let pidfiles = [];
  try {
    pidfiles = readdirSync(join(runDir, 'pids'));
  } catch {
    // No pidfiles yet: nothing was started, or the dir is gone.
  }
  for (const file of pidfiles) {
    try {
      const rec = JSON.parse(readFileSync(join(runDir, 'pids', file), 'utf8'));
      if (rec.startTime && processStartTime(rec.pid) === rec.startTime) found.set(rec.pid, rec.name);
    } catch {
      // A torn pidfile from a killed writer: the marker scan below still covers the process.
    }
  }
  const marker = Buffer.from(`${RUN_MARKER_ENV}=${runDir}\0`);
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || found.has(pid)) continue;
    let env;
    try {
      env = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    const at = env.indexOf(marker);
    if (at === 0 || (at > 0 && env[at - 1] === 0)) {
      if (processStartTime(pid) !== null) found.set(pid, readComm(pid));
    }
  }
  return found;
}

/** @param {number} pid */
function readComm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/**
 * @param {number} pid
 * @param {NodeJS.Signals} signal
 */
function signalProcess(pid, signal) {
  try {
    // Peers are spawned as process-group leaders: signal the whole group (sshd + its helpers).
    if (processGroup(pid) === pid) process.kill(-pid, signal);
    else process.kill(pid, signal);
  } catch {
    // ESRCH: it went away in the meantime, which is what we want.
  }
}

/**
 * Synchronous best effort for `process.on('exit')`: SIGTERM everything of the run, no waiting.
 * @param {string} runDir
 */
export function terminateRunNow(runDir) {
  for (const pid of findRunProcesses(runDir).keys()) signalProcess(pid, 'SIGTERM');
}

/**
 * SIGTERM, wait up to graceMs, then SIGKILL whatever is left. Returns what it found alive.
 * @param {string} runDir
 * @param {{ graceMs?: number }} [opts]
 * @returns {Promise<Array<{ pid: number, name: string }>>}
 */
export async function sweepRun(runDir, opts = {}) {
  const graceMs = opts.graceMs ?? 5000;
  const found = findRunProcesses(runDir);
  if (found.size === 0) return [];
  const starts = new Map([...found.keys()].map((pid) => [pid, processStartTime(pid)]));
  const alive = () => [...starts].filter(([pid, st]) => st !== null && processStartTime(pid) === st);
  for (const pid of found.keys()) signalProcess(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await sleep(100);
  for (const [pid] of alive()) signalProcess(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (alive().length > 0 && Date.now() < killDeadline) await sleep(50);
  return [...found].map(([pid, name]) => ({ pid, name }));
}
