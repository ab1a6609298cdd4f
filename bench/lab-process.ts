import type { ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnOwned } from './owned-child.js';

const ROOT = resolve(import.meta.dirname, '..');

/** What bench/agent-lab.ts prints when its switches are up and every port is tracked. */
export interface LabReady {
  controlUrl: string;
  startMs: number;
  ports: { device: string; port: string; connectionId: string }[];
}

/**
 * The lab of bench/agent-lab.ts in a process of its own (its CPU never mixes with what a bench
 * measures): `devices` × `ports` switches, every port provisioned and tracked under `prefix`, its
 * config written to `configPath`, its log to `<dir>/lab.log`. Resolves once it says it is ready.
 */
export function startLabProcess(o: {
  dir: string;
  redisUrl: string;
  prefix: string;
  configPath: string;
  devices: number;
  ports: number;
  intervalSeconds: number;
  trapTargets?: readonly string[];
}): Promise<{ child: ChildProcess; ready: LabReady }> {
  const child = spawnOwned(
    process.execPath,
    [
      '--import',
      './bench/register.mjs',
      'bench/agent-lab.ts',
      '--devices',
      String(o.devices),
      '--ports',
      String(o.ports),
      '--redis-url',
      o.redisUrl,
      '--prefix',
      o.prefix,
      '--config-out',
      o.configPath,
      '--interval',
      String(o.intervalSeconds),
      ...(o.trapTargets ?? []).flatMap((t) => ['--trap-target', t]),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', openSync(join(o.dir, 'lab.log'), 'a')] },
  );
  return new Promise((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('{"ready"')) resolveReady({ child, ready: JSON.parse(line) as LabReady });
    });
    child.once('exit', (code) => reject(new Error(`lab exited ${code}; see ${join(o.dir, 'lab.log')}`)));
  });
}
