// A private redis-server on a free loopback port, so tests never touch the machine's shared 6379.
import { join } from 'node:path';
import {
  freeTcpPort,
  LOOPBACK,
  type PeerProcess,
  peerDir,
  retryOnPortClash,
  spawnPeer,
  tcpRequest,
  waitUntilReady,
} from './process.js';
import type { RedisPeerInfo } from './types.js';

export interface RunningRedis {
  info: RedisPeerInfo;
  stop(): Promise<void>;
}

export function startRedis(runDir: string, opts: { readyTimeoutMs?: number } = {}): Promise<RunningRedis> {
  return retryOnPortClash(async () => {
    const dir = await peerDir(runDir, 'redis');
    const port = await freeTcpPort();
    const logPath = join(dir, 'redis.log');
    const proc = await spawnRedis({
      name: 'redis',
      runDir,
      dir,
      port,
      logPath,
      ...(opts.readyTimeoutMs !== undefined ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
    });
    return {
      info: { url: `redis://${LOOPBACK}:${port}`, host: LOOPBACK, port, logPath },
      stop: () => proc.stop(),
    };
  });
}

export interface SpawnRedisOptions {
  name: string;
  runDir: string;
  /** The peer's folder: its working directory, and where any stray dump lands. */
  dir: string;
  port: number;
  logPath: string;
  /**
   * Keep the data here in an append-only file fsynced on every write, so a restart on the same
   * folder loads it back. Without it nothing is persisted.
   */
  dataDir?: string;
  readyTimeoutMs?: number;
  /** More redis-server arguments (a cluster node's, say). */
  extraArgs?: readonly string[];
}

/** Starts redis-server on loopback and resolves once it answers PING; stops it if it never does. */
export async function spawnRedis(o: SpawnRedisOptions): Promise<PeerProcess> {
  // --dir keeps any stray dump inside our folder; --logfile "" sends the log to our log file.
  const proc = await spawnPeer({
    name: o.name,
    runDir: o.runDir,
    cmd: 'redis-server',
    args: [
      '--port',
      String(o.port),
      '--bind',
      LOOPBACK,
      '--save',
      '',
      ...(o.dataDir ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
      '--daemonize',
      'no',
      '--dir',
      o.dataDir ?? o.dir,
      '--logfile',
      '',
      ...(o.extraArgs ?? []),
    ],
    cwd: o.dir,
    logPath: o.logPath,
  });
  try {
    await waitUntilReady(async () => (await tcpRequest(o.port, 'PING\r\n')).startsWith('+PONG'), {
      peer: 'redis',
      timeoutMs: o.readyTimeoutMs ?? 10_000,
      procs: [proc],
      logs: [o.logPath],
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}
