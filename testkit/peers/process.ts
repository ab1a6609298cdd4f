// Shared plumbing for the peer starters: free ports, detached children with log files,
// readiness polling with deadlines, and stopping whole process groups.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RUN_MARKER_ENV, recordPid } from '../../scripts/peers-sweep.mjs';

export const LOOPBACK = '127.0.0.1';

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export const currentUser = (): string => userInfo().username;

/**
 * A TCP port on which nothing listens, for a device or a Redis that must refuse connections: port
 * 1 (tcpmux), which nothing here serves. A port found free a moment ago is no such port: `npm
 * test`'s other shard starts its own peers on free ports and may take it meanwhile.
 */
export const CLOSED_TCP_PORT = 1;

/** A port that was free a moment ago. The caller retries on a clash (see retryOnPortClash). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, LOOPBACK, () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

/** A fresh folder for one peer instance inside the run folder. */
export function peerDir(runDir: string, name: string): Promise<string> {
  return mkdtemp(join(runDir, `${name}-`));
}

/** Last lines of a log file, for error messages. */
export function tailFile(path: string, lines = 25): string {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      const len = Math.min(size, 16 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').split('\n').slice(-lines).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

export class PeerStartError extends Error {
  constructor(
    readonly peer: string,
    reason: string,
    readonly logTails: string,
  ) {
    super(`peer ${peer}: ${reason}\n${logTails}`);
    this.name = 'PeerStartError';
  }
}

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** Exit code, or the signal name, once the process has ended. */
  exitStatus(): string | null;
  /** SIGTERM to the process group, SIGKILL after timeoutMs. Resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

export interface SpawnPeerOptions {
  name: string;
  runDir: string;
  cmd: string;
  args: string[];
  cwd: string;
  logPath: string;
  env?: Record<string, string>;
}

/**
 * Starts a peer as its own process-group leader (so stop() reaches its helpers and a Ctrl-C in
 * the terminal does not kill it behind the teardown's back), with stdout and stderr in logPath.
 * The environment is minimal on purpose: peers must not see vitest's or the developer's settings.
 */
export async function spawnPeer(o: SpawnPeerOptions): Promise<PeerProcess> {
  const fd = openSync(o.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(o.cmd, o.args, {
      cwd: o.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
        LANG: 'C.UTF-8',
        HOME: o.cwd,
        USER: currentUser(),
        LOGNAME: currentUser(),
        ...o.env,
        [RUN_MARKER_ENV]: o.runDir,
      },
    });
  } finally {
    closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new PeerStartError(o.name, `cannot start ${o.cmd}: ${err.message}`, '')),
    );
  });
  const pid = child.pid!;
  recordPid(o.runDir, o.name, pid);
  // The teardown owns the lifetime; a forgotten peer must not keep vitest's event loop alive.
  child.unref();
  let status: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal ?? String(code);
      resolve();
    });
  });
  const proc: PeerProcess = {
    name: o.name,
    pid,
    logPath: o.logPath,
    child,
    exitStatus: () => status,
    async stop(timeoutMs = 5000) {
      if (status === null) {
        signalGroup(pid, 'SIGTERM');
        const t = await Promise.race([exited.then(() => 'exited'), sleep(timeoutMs, 'timeout')]);
        if (t === 'timeout') {
          signalGroup(pid, 'SIGKILL');
          await Promise.race([exited, sleep(2000)]);
        }
      }
      // Helpers that outlive the leader (none expected) are in the group too.
      signalGroup(pid, 'SIGKILL');
    },
  };
  return proc;
}

export interface WaitOptions {
  /** Name for messages, e.g. `netconf ietf`. */
  peer: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Processes that must stay alive while waiting; an exit fails at once. */
  procs: PeerProcess[];
  /** Logs to quote on failure. */
  logs: string[];
}

export function logTails(logs: string[]): string {
  return logs.map((l) => `--- tail of ${l} ---\n${tailFile(l)}`).join('\n');
}

/** Polls `check` (which throws or returns false while not ready) until it passes or the deadline. */
export async function waitUntilReady(check: () => Promise<boolean>, o: WaitOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let last = 'not ready';
  for (;;) {
    for (const p of o.procs) {
      const st = p.exitStatus();
      if (st !== null)
        throw new PeerStartError(o.peer, `${p.name} exited (${st}) while starting`, logTails(o.logs));
    }
    try {
      if (await check()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new PeerStartError(
        o.peer,
        `not ready after ${o.timeoutMs} ms (last check: ${last})`,
        logTails(o.logs),
      );
    }
    await sleep(o.intervalMs ?? 100);
  }
}

const PORT_CLASH = /address already in use|could not bind|cannot bind|errno 98/i;

/** Free-port picking can race with other processes; a clash is retried on a new port. */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts || !(err instanceof PeerStartError) || !PORT_CLASH.test(err.logTails)) throw err;
    }
  }
}

/** Runs a short command, rejecting with its stderr on failure or timeout. */
export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${(stderr.trim() || err.message).slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

/** A line longer than this is not a banner or a PING reply: fail rather than keep reading. */
const MAX_LINE_BYTES = 8192;

/** Connects, writes `request` (if any) and collects bytes up to the first newline, with a timeout. */
function readFirstLine(
  port: number,
  request: string | null,
  what: string,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: LOOPBACK, port }, () => {
      if (request !== null) sock.write(request);
    });
    let buf = '';
    const done = (err: Error | null) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(buf);
    };
    const timer = setTimeout(
      () => done(new Error(`no ${what} on ${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\n')) done(null);
      else if (buf.length > MAX_LINE_BYTES)
        done(new Error(`no ${what} on ${port}: ${buf.length} bytes without a newline`));
    });
    sock.on('error', done);
  });
}

/** TCP connect and read the first bytes (e.g. an SSH banner), with a timeout. */
export function readBanner(port: number, timeoutMs = 1000): Promise<string> {
  return readFirstLine(port, null, 'banner', timeoutMs);
}

/** Sends one request line over TCP and collects the reply line (used for Redis PING). */
export function tcpRequest(port: number, request: string, timeoutMs = 1000): Promise<string> {
  return readFirstLine(port, request, 'reply', timeoutMs);
}

/** Numeric uid/gid from the system databases (node has no getpwnam). */
export function lookupId(db: '/etc/passwd' | '/etc/group', name: string): number | null {
  for (const line of readFileSync(db, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined) return Number(f[2]);
  }
  return null;
}
