import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcAgentError } from '../../core/errors.js';

/** A free TCP port on loopback, picked by the OS. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function ping(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * A throw-away redis-server on a free loopback port, for the demo on a bare machine: nothing is
 * persisted, and stop() (or the process exiting) ends it.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new DcAgentError(
      'unreachable',
      'no REDIS_URL and no redis-server on PATH: install redis-server (apt-get install redis-server) or set REDIS_URL',
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-demo-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      '',
    ],
    { stdio: 'ignore', detached: false },
  );
  const kill = () => child.kill('SIGTERM');
  process.once('exit', kill);
  const until = Date.now() + 10_000;
  while (!(await ping(port, 500))) {
    if (child.exitCode !== null || Date.now() > until) {
      kill();
      throw new DcAgentError('unreachable', `private redis-server on port ${port} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
