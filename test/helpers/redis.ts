import { join } from 'node:path';
import {
  freeTcpPort,
  LOOPBACK,
  type PeerProcess,
  peerDir,
  spawnPeer,
  tcpRequest,
  waitUntilReady,
} from '../peers/process.js';

/**
 * A private redis-server that a test may stop and start again on the same port, to play a Redis
 * outage. (The rig's shared Redis must stay up for the other tests.)
 */
export class RestartableRedis {
  private proc: PeerProcess | undefined;
  private constructor(
    readonly runDir: string,
    readonly port: number,
  ) {}

  static async start(runDir: string): Promise<RestartableRedis> {
    const r = new RestartableRedis(runDir, await freeTcpPort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://${LOOPBACK}:${this.port}`;
  }

  async up(): Promise<void> {
    const dir = await peerDir(this.runDir, `redis-${this.port}`);
    const logPath = join(dir, 'redis.log');
    this.proc = await spawnPeer({
      name: `redis-${this.port}`,
      runDir: this.runDir,
      cmd: 'redis-server',
      args: [
        '--port',
        String(this.port),
        '--bind',
        LOOPBACK,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        '',
      ],
      cwd: dir,
      logPath,
    });
    await waitUntilReady(async () => (await tcpRequest(this.port, 'PING\r\n')).startsWith('+PONG'), {
      peer: 'redis',
      timeoutMs: 10_000,
      procs: [this.proc],
      logs: [logPath],
    });
  }

  /** Stops the server. Its data is gone too (no persistence), as after a failover to an empty replica. */
  async down(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }
}
