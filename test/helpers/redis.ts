import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { freeTcpPort, LOOPBACK, type PeerProcess, peerDir } from '../../testkit/peers/process.js';
import { spawnRedis } from '../../testkit/peers/redis.js';

export interface RestartableRedisOptions {
  /**
   * Keep the data across down/up (append-only file, fsynced on every write), as a production
   * Redis that is merely unreachable for a while would. Without it a restart comes back empty.
   */
  persist?: boolean;
}

/**
 * A private redis-server that a test may stop and start again on the same port, to play a Redis
 * outage. (The rig's shared Redis must stay up for the other tests.)
 */
export class RestartableRedis {
  private proc: PeerProcess | undefined;
  /** The data folder every start of a persistent server shares. */
  private dataDir: string | undefined;
  private constructor(
    readonly runDir: string,
    readonly port: number,
  ) {}

  static async start(runDir: string, options: RestartableRedisOptions = {}): Promise<RestartableRedis> {
    const r = new RestartableRedis(runDir, await freeTcpPort());
    if (options.persist) r.dataDir = await mkdtemp(join(runDir, `redis-${r.port}-data-`));
    await r.up();
    return r;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  get url(): string {
    return `redis://${LOOPBACK}:${this.port}`;
  }

  async up(): Promise<void> {
    const dir = await peerDir(this.runDir, `redis-${this.port}`);
    this.proc = await spawnRedis({
      name: `redis-${this.port}`,
      runDir: this.runDir,
      dir,
      port: this.port,
      logPath: join(dir, 'redis.log'),
      ...(this.dataDir ? { dataDir: this.dataDir } : {}),
    });
  }

  /**
   * Stops the server. Without `persist` its data is gone too, as after a failover to an empty
   * replica; with it, the next `up()` loads everything written before.
   */
  async down(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }
}
