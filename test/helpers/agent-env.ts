// Shared plumbing of the agent's production-promise tests (test/interop/agent-*.test.ts): device
// entries for the rig's peers, a raw BullMQ queue, and ncclient reads of what a device holds.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ncclient } from '../../testkit/peers/ncclient.js';
import type { NetconfPeerInfo, TestPeers } from '../../testkit/peers/types.js';
import { AgentProcess } from './agent-proc.js';

export const IETF_NS = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';

/** A config `devices[]` entry for an ietf-interfaces netconfd of the rig, polled on an snmpsimd community. */
export function ietfDevice(
  id: string,
  nc: NetconfPeerInfo,
  peers: TestPeers,
  o: { ports: string[]; communityEnv: string; confirmTimeoutSeconds?: number },
): Record<string, unknown> {
  return {
    id,
    host: nc.host,
    platform: 'ietf-interfaces',
    portType: '10GBASE-LR',
    ports: o.ports,
    netconf: {
      port: nc.port,
      username: nc.username,
      privateKeyFile: nc.privateKeyPath,
      hostKey: nc.hostKeySha256,
      // Long on purpose: a rollback seen within seconds must come from the session's end, not this.
      confirmTimeoutSeconds: o.confirmTimeoutSeconds ?? 120,
      rpcTimeoutMs: 15_000,
    },
    snmp: { port: peers.snmp.port, version: '2c', communityEnv: o.communityEnv, timeoutMs: 1000, retries: 0 },
    optics: 'h3c',
  };
}

/** The fast settings every production-promise test shares, so each file stays well under a minute. */
export function fastAgentConfig(o: {
  redisUrl: string;
  prefix: string;
  agentId: string;
  spillFile: string;
  devices: Record<string, unknown>[];
  agent?: Record<string, unknown>;
  monitoring?: Record<string, unknown>;
  queues?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    redis: { url: o.redisUrl, prefix: o.prefix, connectTimeoutMs: 2_000 },
    agent: { id: o.agentId, httpPort: 0, logLevel: 'debug', shutdownTimeoutSeconds: 15, ...o.agent },
    queues: {
      attempts: 3,
      backoffMs: 200,
      stalledSeconds: 4,
      deviceLockLeaseMs: 3_000,
      deviceLockRetryMs: 200,
      ...o.queues,
    },
    monitoring: { intervalSeconds: 1, upPolls: 2, downPolls: 2, ...o.monitoring },
    events: { spillFile: o.spillFile },
    devices: o.devices,
  };
}

/** A producer's view of the jobs queue: adds jobs raw, without our validating enqueue. */
export class RawQueue {
  readonly redis: Redis;
  readonly queue: Queue;
  constructor(url: string, prefix: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: null });
    this.redis.on('error', () => {});
    this.queue = new Queue('dc-port-jobs', { connection: this.redis, prefix });
  }

  async add(name: string, data: unknown, jobId: string, opts: { delay?: number } = {}): Promise<Job> {
    return this.queue.add(name, data, {
      jobId,
      attempts: 3,
      backoff: { type: 'fixed', delay: 200 },
      ...opts,
    });
  }

  /** Waits until the job is completed or failed; returns the state and the job. */
  async settle(jobId: string, timeoutMs = 30_000): Promise<{ state: string; job: Job }> {
    const until = Date.now() + timeoutMs;
    let state = '';
    while (Date.now() < until) {
      state = String(await this.queue.getJobState(jobId));
      if (state === 'completed' || state === 'failed') {
        const job = await this.queue.getJob(jobId);
        if (job) return { state, job };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${jobId} did not settle within ${timeoutMs} ms (state ${state})`);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

function decodeXmlText(text: string): string {
  return text
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** What ncclient sees of one interface in running (or candidate): `undefined` when it is absent. */
export interface PortOnDevice {
  /** The `<interface>` element as the device returned it. */
  xml: string;
  description: string | undefined;
  enabled: string | undefined;
  type: string | undefined;
}

/** Splits a get-config `<data>` reply into its `<interface>` elements, by name. */
export function interfacesOf(data: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of data.matchAll(/<interface>([\s\S]*?)<\/interface>/g)) {
    const name = /<name>([\s\S]*?)<\/name>/.exec(m[1] ?? '')?.[1];
    if (name !== undefined) out.set(decodeXmlText(name), m[0]);
  }
  return out;
}

function leaf(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? decodeXmlText(m[1] ?? '') : undefined;
}

export async function readPort(
  nc: NetconfPeerInfo,
  port: string,
  source: 'running' | 'candidate' = 'running',
): Promise<PortOnDevice | undefined> {
  const data = await ncclient(nc, { op: 'get-config', source, filter: `<interfaces xmlns="${IETF_NS}"/>` });
  const xml = interfacesOf(data).get(port);
  if (xml === undefined) return undefined;
  return {
    xml,
    description: leaf(xml, 'description'),
    enabled: leaf(xml, 'enabled'),
    type: leaf(xml, 'type'),
  };
}

/** The whole running config as ncclient returns it. */
export function runningConfig(nc: NetconfPeerInfo): Promise<string> {
  return ncclient(nc, { op: 'get-config', source: 'running' });
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not true within ${timeoutMs} ms (last: ${String(last)})`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The pid of the netconfd behind a peer (found by its socket path), e.g. to SIGSTOP it: a device that stops answering. */
export function netconfdPid(nc: NetconfPeerInfo): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('netconfd') && argv.includes(`--ncxserver-sockname=${nc.socketPath}`))
      return Number(entry);
  }
  throw new Error(`no netconfd process for ${nc.socketPath}`);
}

/**
 * Redis MONITOR over a plain socket: every command the server runs, one line each
 * (`+<time> [<db> <client>] "cmd" "arg" …`). ioredis' own monitor() mode trips over its ready
 * check now and then ("Command queue state error"), which would leave a test blind.
 */
export class RedisMonitor {
  private readonly socket: Socket;
  private buffer = '';
  private monitoring = false;
  readonly lines: string[] = [];
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      const parts = this.buffer.split('\r\n');
      this.buffer = parts.pop() ?? '';
      for (const p of parts) {
        if (p === '+OK' && !this.monitoring) this.monitoring = true;
        else if (p.startsWith('+')) this.lines.push(p);
      }
    });
    socket.on('error', () => {});
  }

  static async start(host: string, port: number, timeoutMs = 5000): Promise<RedisMonitor> {
    const deadline = Date.now() + timeoutMs;
    const socket = createConnection({ host, port });
    const connectTimer = setTimeout(
      () => socket.destroy(new Error(`redis ${host}:${port}: no connection within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
    } finally {
      clearTimeout(connectTimer);
    }
    const m = new RedisMonitor(socket);
    // A server that refuses MONITOR (an -ERR or -NOAUTH line) never sends +OK: give up, don't hang.
    const ok = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (m.monitoring) resolve();
        else if (Date.now() >= deadline) {
          socket.destroy();
          reject(new Error(`redis ${host}:${port}: no +OK to MONITOR within ${timeoutMs} ms`));
        } else setTimeout(check, 10);
      };
      check();
    });
    socket.write('MONITOR\r\n');
    await ok;
    return m;
  }

  /** Lines from `from` on that mention `text` as a whole argument. */
  mentioning(text: string, from = 0): string[] {
    return this.lines.slice(from).filter((l) => l.includes(`"${text}"`));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Writes an agent config (its log goes beside it) into the run folder, so both are kept when a run fails. */
export function writeAgentConfig(runDir: string, config: object): string {
  return AgentProcess.writeConfig(config, mkdtempSync(join(runDir, 'agent-')));
}
