// A private redis-server on a free loopback port, so tests never touch the machine's shared 6379.
import { join } from 'node:path';
import {
  freeTcpPort,
  LOOPBACK,
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
    // --dir keeps any stray dump inside our folder; --logfile "" sends the log to our log file.
    const proc = await spawnPeer({
      name: 'redis',
      runDir,
      cmd: 'redis-server',
      args: [
        '--port',
        String(port),
        '--bind',
        LOOPBACK,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        dir,
        '--logfile',
        '',
      ],
      cwd: dir,
      logPath,
    });
    try {
      await waitUntilReady(async () => (await tcpRequest(port, 'PING\r\n')).startsWith('+PONG'), {
        peer: 'redis',
        timeoutMs: opts.readyTimeoutMs ?? 10_000,
        procs: [proc],
        logs: [logPath],
      });
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return {
      info: { url: `redis://${LOOPBACK}:${port}`, host: LOOPBACK, port, logPath },
      stop: () => proc.stop(),
    };
  });
}
