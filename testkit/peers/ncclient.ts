// Runs testkit/peers/ncclient_tool.py, the independent NETCONF checker, from tests.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { NCCLIENT_PYTHON, NCCLIENT_TOOL } from './rig.js';
import type { NetconfPeerInfo } from './types.js';

export type NcclientOp =
  | { op: 'get-config'; source?: 'running' | 'candidate'; filter?: string }
  | { op: 'get'; filter?: string }
  | {
      op: 'edit-config';
      config: string;
      target?: 'candidate' | 'running';
      default_operation?: 'merge' | 'replace' | 'none';
      commit?: boolean;
    }
  | { op: 'lock-and-hold'; target?: 'candidate' | 'running'; seconds: number };

export class NcclientError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`ncclient_tool exited ${exitCode}: ${stderr.trim()}`);
    this.name = 'NcclientError';
  }
}

function argsFor(peer: NetconfPeerInfo, op: NcclientOp, timeoutS: number): string {
  return JSON.stringify({
    host: peer.host,
    port: peer.port,
    username: peer.username,
    key_filename: peer.privateKeyPath,
    timeout: timeoutS,
    ...op,
  });
}

/** One operation in a fresh session; resolves with stdout, rejects with NcclientError. */
export function ncclient(peer: NetconfPeerInfo, op: NcclientOp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      NCCLIENT_PYTHON,
      [NCCLIENT_TOOL, argsFor(peer, op, Math.ceil(timeoutMs / 1000))],
      { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : null;
        reject(new NcclientError(code, stderr || err.message));
      },
    );
  });
}

export interface HeldLock {
  child: ChildProcess;
  /** Resolves once the lock is held (the tool printed "locked"). */
  locked: Promise<void>;
  /** Resolves with the exit code once the tool has unlocked and quit. */
  done: Promise<number | null>;
  /** Unlocks now instead of at the end of `seconds`; resolves like `done`. */
  release(): Promise<number | null>;
}

/**
 * Holds a datastore lock from another session for `seconds` or until `release()`, e.g. to provoke
 * lock-denied. Tests that need the lock held while they act pass a generous `seconds` and release
 * it when done, so a loaded machine cannot let the hold run out under them.
 */
export function holdLock(
  peer: NetconfPeerInfo,
  seconds: number,
  target: 'candidate' | 'running' = 'candidate',
): HeldLock {
  const child = spawn(
    NCCLIENT_PYTHON,
    [NCCLIENT_TOOL, argsFor(peer, { op: 'lock-and-hold', target, seconds }, 30)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let errText = '';
  child.stderr.on('data', (d: Buffer) => {
    errText += d.toString();
  });
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const locked = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('lock-and-hold: no "locked" within 30 s'));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void done.then((code) => {
      clearTimeout(timer);
      reject(new NcclientError(code, errText));
    });
  });
  // Rejection after success is expected and harmless; keep it from surfacing as unhandled.
  locked.catch(() => {});
  const release = () => {
    if (child.stdin && !child.stdin.destroyed) child.stdin.end('\n');
    return done;
  };
  return { child, locked, done, release };
}
