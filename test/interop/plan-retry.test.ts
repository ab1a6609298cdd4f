// `dcagent plan` tries a connect that timed out once more before it reports (issue 20), as a job
// would with its next attempt. The lab switch is silent, so the first connect is accepted but never
// greeted and runs out of time; it wakes before the second try's deadline, and that try succeeds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type Lab, startLab } from '../../lab/index.js';
import { runCli } from '../helpers/cli.js';

const CONNECT_MS = 2_000;

describe('dcagent plan on a connect that times out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-planretry-'));
  const configPath = join(dir, 'agent.yaml');
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab({
      devices: 1,
      ports: 1,
      configOut: configPath,
      secrets: 'files',
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as {
      devices: { netconf: Record<string, unknown> }[];
    };
    doc.devices[0]!.netconf.connectTimeoutMs = CONNECT_MS;
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
  });
  afterAll(async () => {
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = () => {
    const d = lab.devices[0]!;
    return runCli([
      'plan',
      'provision',
      '--device',
      d.id,
      '--port',
      d.ports[0]!.name,
      '--connection',
      'hc-planretry',
      '--config',
      configPath,
    ]);
  };

  it('retries once and succeeds when the device answers in time for the second try', async () => {
    const sim = lab.devices[0]!.sim;
    sim.silence();
    // Half a deadline into the second try: the first has expired, the second is waiting unanswered.
    const wake = setTimeout(() => sim.wake(), CONNECT_MS * 1.5);
    try {
      const r = await plan();
      expect(r.stderr).toMatch(/did not open netconf within 2000 ms; trying once more/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('plan provision hc-planretry');
    } finally {
      clearTimeout(wake);
      sim.wake();
    }
  });

  it('reports after the second timeout: no third try', async () => {
    const sim = lab.devices[0]!.sim;
    sim.silence();
    try {
      const r = await plan();
      expect(r.code).not.toBe(0);
      expect(r.stderr.match(/trying once more/g)).toHaveLength(1);
      expect(r.stderr).toMatch(/timeout: .*did not open netconf within 2000 ms/);
    } finally {
      sim.wake();
    }
  });
});
