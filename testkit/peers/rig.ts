// Starts every peer the interop tests share, in parallel, and stops them as one.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type RunningNetconf,
  resolveYangDir,
  startHuaweiNetconf,
  startIetfNetconf,
  startOpenconfigNetconf,
} from './netconf.js';
import { startRedis } from './redis.js';
import { startSnmpsim } from './snmpsim.js';
import type { TestPeers } from './types.js';

export const NCCLIENT_PYTHON = '/usr/bin/python3';
export const NCCLIENT_TOOL = resolve(dirname(fileURLToPath(import.meta.url)), 'ncclient_tool.py');

export interface Rig {
  peers: TestPeers;
  stop(): Promise<void>;
}

type Started = { stop(): Promise<void> };

export async function startRig(runDir: string, log: (line: string) => void = console.log): Promise<Rig> {
  const yangDir = resolveYangDir();
  const yangPresent = existsSync(join(yangDir, 'openconfig')) || existsSync(join(yangDir, 'huawei'));
  const vendor = (sub: string, start: () => Promise<RunningNetconf>): Promise<RunningNetconf | undefined> => {
    if (existsSync(join(yangDir, sub))) return start();
    log(
      `[peers] skipping the ${sub} netconfd: YANG folder ${join(yangDir, sub)} is absent (set DCAGENT_YANG_DIR)`,
    );
    return Promise.resolve(undefined);
  };

  const pending = {
    redis: startRedis(runDir),
    ietf: startIetfNetconf(runDir),
    openconfig: vendor('openconfig', () => startOpenconfigNetconf(runDir, yangDir)),
    huawei: vendor('huawei', () => startHuaweiNetconf(runDir, yangDir)),
    snmp: startSnmpsim(runDir),
  };
  const results = await Promise.allSettled(Object.values(pending));

  const started: Started[] = [];
  const errors: string[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') {
      if (r.value) started.push(r.value);
    } else {
      errors.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
  }
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
  if (errors.length > 0) {
    await stop();
    throw new Error(`interop peers failed to start (logs under ${runDir}):\n${errors.join('\n\n')}`);
  }

  // All settled and fulfilled, so these awaits return at once.
  const [redis, ietf, openconfig, huawei, snmp] = await Promise.all([
    pending.redis,
    pending.ietf,
    pending.openconfig,
    pending.huawei,
    pending.snmp,
  ]);
  const peers: TestPeers = {
    runDir,
    redis: redis.info,
    netconf: {
      ietf: ietf.info,
      ...(openconfig ? { openconfig: openconfig.info } : {}),
      ...(huawei ? { huawei: huawei.info } : {}),
    },
    snmp: snmp.info,
    ncclientPython: NCCLIENT_PYTHON,
    ncclientTool: NCCLIENT_TOOL,
    yang: { dir: yangDir, present: yangPresent },
  };
  return { peers, stop };
}
