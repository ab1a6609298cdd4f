// vitest globalSetup of the `interop` project: starts the real peers once for all interop and
// conformance files, provides their addresses, and stops them afterwards.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { sweepRun, terminateRunNow } from '../../scripts/peers-sweep.mjs';
import { startRig } from '../../testkit/peers/rig.js';
import { PEERS_FILE_ENV } from '../../testkit/peers/types.js';

/** Set by scripts/test.mjs, which then owns the folder (keeps it when tests fail). */
export const RUN_DIR_ENV = 'DCAGENT_TEST_RUN_DIR';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env[RUN_DIR_ENV];
  const runDir = given ?? mkdtempSync(join(tmpdir(), 'dcagent-peers-'));
  const t0 = Date.now();
  // vitest exits straight away on SIGINT/SIGTERM without running teardowns; this still fires.
  const onExit = () => terminateRunNow(runDir);
  process.once('exit', onExit);

  const rig = await startRig(runDir);
  const { peers } = rig;
  const file = join(runDir, 'peers.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(peers, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  // Workers are forked after global setup, so they and their children inherit this.
  process.env[PEERS_FILE_ENV] = file;
  project.provide('peers', peers);

  const nc = Object.values(peers.netconf)
    .map((n) => `${n.name}=${n.port}`)
    .join(' ');
  console.log(
    `[peers] up in ${Date.now() - t0} ms: redis ${peers.redis.port}, netconf ${nc}, snmp udp ${peers.snmp.port}; ` +
      `${PEERS_FILE_ENV}=${file}`,
  );

  return async () => {
    const t1 = Date.now();
    await rig.stop();
    const strays = await sweepRun(runDir);
    if (strays.length > 0) {
      console.warn(`[peers] swept leftovers: ${strays.map((s) => `${s.name}(${s.pid})`).join(', ')}`);
    }
    console.log(`[peers] stopped in ${Date.now() - t1} ms`);
    process.off('exit', onExit);
    if (!given && !process.env.DCAGENT_TEST_KEEP) rmSync(runDir, { recursive: true, force: true });
  };
}
