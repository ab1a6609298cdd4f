// No Docker engine runs here, so docker-compose.yml and the Dockerfile are proved the other way:
// their services run as separate processes outside Docker, with the same entrypoint, commands,
// environment, working directory, user and paths, read from the two files themselves.
//
// What Docker would do is emulated, and only that:
// - a named volume is a folder of its own; a new volume takes the owner of the image's folder at
//   its mount point (Docker's copy-up), or root when the image has no such folder;
// - /app is this checkout (the image copies dist/, bin/, package.json and node_modules there);
// - service names resolve to 127.0.0.1, and a published port is a free port on the host, handed
//   to the agent as DCAGENT_HTTP_PORT (outside Docker the two replicas share one network);
// - as root, the processes run as uid/gid 1000, the `node` user of the official node images.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config/load.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { RUN_MARKER_ENV, recordPid } from '../../scripts/peers-sweep.mjs';
import {
  freeTcpPort,
  isRoot,
  LOOPBACK,
  type PeerProcess,
  spawnPeer,
  tailFile,
} from '../../testkit/peers/process.js';
import { EventWatcher } from '../helpers/agent-proc.js';
import { ROOT } from '../helpers/cli.js';

const NODE_UID = 1000;

interface Service {
  image?: string;
  command?: string[];
  /** Never set: one would replace the launcher and lose its node options (decision 0013). */
  entrypoint?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** The runtime stage of the Dockerfile, as the container sees it. */
interface Image {
  env: Record<string, string>;
  workdir: string;
  user: string;
  entrypoint: string[];
  healthcheck: string[];
  /** Folders the image creates (mkdir -p) and those it hands to its user (chown -R). */
  made: string[];
  owned: string[];
}

function readImage(): Image {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const runtime = text.split(/^FROM /m).at(-1) ?? '';
  const lines = runtime.split('\n');
  const env: Record<string, string> = {};
  for (const l of lines.filter((x) => x.startsWith('ENV '))) {
    for (const m of l.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  const made: string[] = [];
  const owned: string[] = [];
  for (const l of lines.filter((x) => x.startsWith('RUN '))) {
    for (const cmd of l.slice(4).split('&&')) {
      const words = cmd.trim().split(/\s+/);
      if (words[0] === 'mkdir') made.push(...words.slice(1).filter((w) => w.startsWith('/')));
      if (words[0] === 'chown') owned.push(...words.slice(1).filter((w) => w.startsWith('/')));
    }
  }
  const last = (re: RegExp) => [...runtime.matchAll(re)].at(-1)?.[1];
  const workdir = last(/^WORKDIR (\S+)/gm) ?? '/';
  // mkdir -p and WORKDIR make every folder on the way.
  const withParents = new Set<string>();
  for (const m of [...made, workdir]) {
    for (let p = m; p !== '/' && p !== '.'; p = dirname(p)) withParents.add(p);
  }
  return {
    env,
    workdir,
    user: last(/^USER (\S+)/gm) ?? 'root',
    entrypoint: JSON.parse(last(/^ENTRYPOINT (\[.*\])$/gm) ?? '[]') as string[],
    healthcheck: JSON.parse(last(/^HEALTHCHECK .*?CMD (\[.*\])$/gm) ?? '[]') as string[],
    made: [...withParents].sort(),
    owned,
  };
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

describe('docker-compose.yml run outside Docker: redis, the lab and two agents as separate processes', () => {
  const peers = inject('peers');
  const image = readImage();
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  const root = mkdtempSync(join(tmpdir(), 'dcagent-compose-'));
  // As root, run as the image's user, unless this checkout or this node is out of its reach (a
  // checkout under /root, node from nvm): then as ourselves, which still proves commands and paths.
  const asNode =
    isRoot() &&
    spawnSync(
      process.execPath,
      ['-e', `require('fs').accessSync(${JSON.stringify(join(ROOT, 'dist'))}, 4)`],
      {
        uid: NODE_UID,
        gid: NODE_UID,
        timeout: 10_000,
      },
    ).status === 0;
  if (isRoot() && !asNode)
    console.warn(`compose test: uid ${NODE_UID} cannot reach ${ROOT}; running as root`);
  const children = new Map<string, ChildProcess>();
  const startErrors = new Map<string, string>();
  let redis: PeerProcess | undefined;
  let redisPort = 0;
  /** Published host port → the free port standing in for it. */
  const published = new Map<number, number>();

  /** A named volume's folder, made the first time it is mounted the way Docker makes it. */
  const volume = (name: string, mountPath: string): string => {
    const dir = join(root, 'volumes', name);
    if (existsSync(dir)) return dir;
    mkdirSync(dir, { recursive: true });
    // Copy-up: the image's folders at and below the mount point, with their owner.
    for (const made of image.made.filter((m) => under(m, mountPath))) {
      const sub = join(dir, made.slice(mountPath.length));
      mkdirSync(sub, { recursive: true });
      if (asNode && image.owned.some((o) => under(made, o))) chownSync(sub, NODE_UID, NODE_UID);
    }
    return dir;
  };

  /** Where a container path of service `name` lives on this host. */
  const hostPath = (name: string, path: string): string => {
    const service = compose.services[name]!;
    const mounts = (service.volumes ?? []).map((v) => {
      const [name, target] = v.split(':') as [string, string];
      return { name, target };
    });
    const mount = mounts
      .filter((m) => under(path, m.target))
      .sort((a, b) => b.target.length - a.target.length)[0];
    if (mount) return join(volume(mount.name, mount.target), path.slice(mount.target.length));
    if (under(path, '/app')) return join(ROOT, path.slice('/app'.length));
    // The container's own layer: the image's folders, with their owner.
    const layer = join(root, 'containers', name);
    for (const made of image.made.filter((m) => under(path, m))) {
      const dir = join(layer, made);
      if (existsSync(dir)) continue;
      mkdirSync(dir, { recursive: true });
      if (asNode && image.owned.some((o) => under(made, o))) chownSync(dir, NODE_UID, NODE_UID);
    }
    return join(layer, path);
  };

  /** Service names are hosts on the compose network; here they are all loopback. */
  const translate = (name: string, value: string): string => {
    const flag = /^(--[a-z-]+=)(.*)$/.exec(value);
    const [prefix, v] = flag ? [flag[1]!, flag[2]!] : ['', value];
    if (v.startsWith('/')) return prefix + hostPath(name, v);
    if (prefix && v in compose.services) return prefix + LOOPBACK;
    const url = /^([a-z]+:\/\/)([a-z0-9-]+):(\d+)(.*)$/.exec(v);
    if (url && url[2]! in compose.services) {
      const port = url[2] === 'redis' && url[3] === '6379' ? redisPort : Number(url[3]);
      return `${prefix}${url[1]}${LOOPBACK}:${port}${url[4]}`;
    }
    return value;
  };

  /** The environment a container of `service` sees: the image's ENV, then the service's. */
  const containerEnv = (name: string): Record<string, string> => {
    const service = compose.services[name]!;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...image.env, ...service.environment }))
      env[k] = translate(name, String(v));
    const pub = (service.ports ?? [])[0];
    if (pub) {
      const [hostPort] = pub.split(':').map(Number) as [number, number];
      env.DCAGENT_HTTP_PORT = String(published.get(hostPort));
    }
    return env;
  };

  const home = join(root, 'home-node');

  /** Starts `service` the way the image's ENTRYPOINT would, as the image's user. */
  const start = (name: string): ChildProcess => {
    const service = compose.services[name]!;
    // The launcher itself (decision 0013): its first line finds node on PATH, as in the image.
    expect(service.entrypoint, `${name} sets its own entrypoint`).toBeUndefined();
    const [launcher, ...rest] = image.entrypoint;
    expect(rest).toEqual([]);
    const args = (service.command ?? []).map((c) => translate(name, c));
    const fd = openSync(join(root, `${name}.log`), 'a');
    const child = spawn(hostPath(name, launcher!), args, {
      cwd: hostPath(name, image.workdir),
      env: {
        // This node first, so env finds the one the suite runs on.
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: home,
        ...containerEnv(name),
        [RUN_MARKER_ENV]: peers.runDir,
      },
      stdio: ['ignore', fd, fd],
      detached: true,
      ...(asNode ? { uid: NODE_UID, gid: NODE_UID } : {}),
    });
    closeSync(fd);
    child.on('error', (err) => {
      startErrors.set(name, err.message);
    });
    if (child.pid === undefined) return child;
    recordPid(peers.runDir, `compose-${name}`, child.pid);
    children.set(name, child);
    return child;
  };

  /** Runs a healthcheck command (CMD form) inside `name`'s container, once. */
  const check = (name: string, cmd: string[]) => {
    const [bin, ...rest] = cmd.map((c) => translate(name, c));
    return spawnSync(bin === 'node' ? process.execPath : bin!, rest, {
      env: { PATH: process.env.PATH ?? '', HOME: home, ...containerEnv(name) },
      encoding: 'utf8',
      timeout: 10_000,
      ...(asNode ? { uid: NODE_UID, gid: NODE_UID } : {}),
    });
  };

  /** Runs a healthcheck until it passes or the deadline. */
  const healthy = async (name: string, cmd: string[], timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = check(name, cmd);
      if (r.status === 0) return;
      const proc = children.get(name);
      const gone =
        startErrors.get(name) ?? (proc && proc.exitCode !== null ? `exited ${proc.exitCode}` : undefined);
      if (gone) throw new Error(`${name} ${gone}:\n${tailFile(join(root, `${name}.log`), 40)}`);
      if (Date.now() > until)
        throw new Error(`${name} never healthy: ${r.stderr}\n${tailFile(join(root, `${name}.log`), 40)}`);
      await new Promise((res) => setTimeout(res, 300));
    }
  };

  beforeAll(async () => {
    // The image's user must be able to reach its folders, as in a container.
    chmodSync(root, 0o755);
    mkdirSync(home, { recursive: true });
    if (asNode) chownSync(home, NODE_UID, NODE_UID);
    for (const s of Object.values(compose.services)) {
      const p = s.ports?.[0];
      if (p) published.set(Number(p.split(':')[0]), await freeTcpPort());
    }
    // Redis: the compose command, plus what its image and network give it (port, data folder).
    const rs = compose.services.redis!;
    redisPort = await freeTcpPort();
    const data = volume((rs.volumes?.[0] ?? 'redis-data:/data').split(':')[0]!, '/data');
    redis = await spawnPeer({
      name: 'compose-redis',
      runDir: peers.runDir,
      cmd: rs.command![0]!,
      args: [...rs.command!.slice(1), '--port', String(redisPort), '--bind', LOOPBACK, '--dir', data],
      cwd: data,
      logPath: join(root, 'redis.log'),
    });
    const ping = new Redis(`redis://${LOOPBACK}:${redisPort}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    ping.on('error', () => {});
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await ping.ping()) === 'PONG') break;
      } catch {
        if (Date.now() > until)
          throw new Error(`compose redis never answered:\n${tailFile(join(root, 'redis.log'))}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    ping.disconnect();

    start('lab');
    await healthy('lab', compose.services.lab!.healthcheck!.test.slice(1), 90_000);
    for (const name of ['agent-1', 'agent-2']) start(name);
    for (const name of ['agent-1', 'agent-2']) await healthy(name, image.healthcheck, 60_000);
  }, 200_000);

  afterAll(async () => {
    for (const c of [...children.values()].reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        const done = new Promise((r) => c.once('exit', r));
        try {
          process.kill(-c.pid!, 'SIGTERM');
        } catch {}
        await Promise.race([done, new Promise((r) => setTimeout(r, 15_000))]);
        try {
          process.kill(-c.pid!, 'SIGKILL');
        } catch {}
      }
    }
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('the lab, running as the image user, wrote the config into the /etc/dcagent volume, with httpHost 0.0.0.0', () => {
    const lab = compose.services.lab!;
    const out = lab.command!.find((c) => c.startsWith('--config-out='))!.split('=')[1]!;
    expect(out).toBe(image.env.DCAGENT_CONFIG);
    const path = hostPath('lab', out);
    if (asNode) expect(statSync(path).uid).toBe(NODE_UID);
    const doc = parse(readFileSync(path, 'utf8')) as {
      agent: { httpHost?: string; httpPort?: number };
      devices: { host: string }[];
    };
    expect(doc.agent.httpHost).toBe('0.0.0.0');
    expect(doc.devices).toHaveLength(4);
    // The port each agent listens on in its container is the one compose publishes.
    const cfg = loadConfig({ path, env: {} });
    for (const name of ['agent-1', 'agent-2']) {
      const containerPort = Number(compose.services[name]!.ports![0]!.split(':')[1]);
      expect(cfg.agent.httpPort, name).toBe(containerPort);
    }
  });

  it('both agents serve metrics and readiness at their published ports', async () => {
    for (const name of ['agent-1', 'agent-2']) {
      const hostPort = published.get(Number(compose.services[name]!.ports![0]!.split(':')[0]))!;
      const ready = await fetch(`http://${LOOPBACK}:${hostPort}/readyz`, {
        signal: AbortSignal.timeout(5_000),
      });
      expect(ready.status, name).toBe(200);
      const metrics = await (
        await fetch(`http://${LOOPBACK}:${hostPort}/metrics`, { signal: AbortSignal.timeout(5_000) })
      ).text();
      expect(metrics).toMatch(/^dcagent_ready 1$/m);
      // The entrypoint gave node the agent's options (decision 0013): no warning that they lack.
      expect(readFileSync(join(root, `${name}.log`), 'utf8')).not.toContain(
        "node is not running with the agent's options",
      );
    }
  });

  it('a job runs end to end through the lab, and each agent keeps its spill file on its own volume', async () => {
    const cfgPath = hostPath('lab', image.env.DCAGENT_CONFIG!);
    const cfg = loadConfig({ path: cfgPath, env: {} });
    const device = cfg.devices[0]!;
    const conn = new Redis(`redis://${LOOPBACK}:${redisPort}`, { maxRetriesPerRequest: null });
    const queue = new Queue('dc-port-jobs', { connection: conn, prefix: cfg.redis.prefix });
    const events = new EventWatcher(`redis://${LOOPBACK}:${redisPort}`, cfg.redis.prefix);
    try {
      await enqueueJob(
        queue,
        'provision',
        { schemaVersion: 1, connectionId: 'hc-compose-1', device: device.id, port: device.ports[0]!.name },
        'provision-hc-compose-1',
      );
      const ok = await events.waitFor('hc-compose-1', (e) => e.type === 'provision.succeeded', 60_000);
      expect(ok.data).toMatchObject({ verified: true });
    } finally {
      await queue.close();
      conn.disconnect();
      events.close();
    }
    const spills = ['agent-1', 'agent-2'].map((name) =>
      join(hostPath(name, image.workdir), cfg.events.spillFile),
    );
    expect(new Set(spills).size).toBe(2);
    for (const s of spills) expect(existsSync(s), s).toBe(true);
    for (const name of ['agent-1', 'agent-2']) {
      const mount = compose.services[name]!.volumes!.find((v) => v.endsWith(`:${image.workdir}`));
      expect(mount, `${name} has a volume on ${image.workdir}`).toBeDefined();
    }
  });

  it('the image HEALTHCHECK follows the config, and says unhealthy once the agent is gone', async () => {
    expect(image.healthcheck.join(' ')).not.toContain('9464');
    const agent2 = children.get('agent-2')!;
    const exited = new Promise<number | null>((r) => agent2.once('exit', (code) => r(code)));
    process.kill(agent2.pid!, 'SIGTERM');
    expect(await exited).toBe(0);
    const r = check('agent-2', image.healthcheck);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/healthz');
    // The other replica, on another port, is still healthy.
    expect(check('agent-1', image.healthcheck).status).toBe(0);
  });
});
