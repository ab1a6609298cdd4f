import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { RestartableRedis } from '../helpers/redis.js';

/** Child processes (any depth) of `pid`, from /proc. */
function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (p === undefined || pp === undefined) continue;
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `dcagent demo ARGS` as a child, with everything it printed so far. */
function spawnDemo(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'demo', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

describe('dcagent demo', () => {
  it('plays the whole lifecycle with Rx/Tx at each step, a drift reported and healed, exits 0 and leaves nothing running', async () => {
    // No --redis-url and no REDIS_URL: the demo starts (and must stop) its own redis-server.
    const env = { ...process.env };
    delete env.REDIS_URL;
    const child = spawn(process.execPath, [BIN, 'demo'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let seenChildren: number[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (child.pid) seenChildren = [...new Set([...seenChildren, ...descendants(child.pid)])];
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const started = Date.now();
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const elapsed = Date.now() - started;
    expect(code, out).toBe(0);
    expect(elapsed).toBeLessThan(90_000);
    const steps = [
      /under-construction +rx .+ provision\.succeeded/,
      /under-construction +rx -?\d+\.\d\d +tx -?\d+\.\d\d +dBm +field engineer patches/,
      /to-be-confirmed +rx -?\d+\.\d\d +tx -?\d+\.\d\d +dBm +construction\.completed/,
      /unavailable +rx dark +tx -?\d+\.\d\d +dBm +availability\.changed → unavailable +\((oper-down|rx-low)\)/,
      /available +rx -?\d+\.\d\d +tx -?\d+\.\d\d +dBm +availability\.changed → available +\(recovered\)/,
      /available +.+network engineer edits the port on the switch: description "temp: loop test, J\. Smith"/,
      /available +.+drift\.detected: description expected "HC hc-demo-0001 ACME Corp, rack 12 <primary>", found "temp: loop test, J\. Smith" +\(detectedBy audit, policy heal\)/,
      /available +rx -?\d+\.\d\d +tx -?\d+\.\d\d +dBm +drift\.healed: intent re-applied through a confirmed commit and read back/,
      /deleting +.+deprovision\.blocked by .+\.100 +\(private-virtual-interfaces\)/,
      /removed +.+deprovision\.succeeded/,
      /summary: 8 events for hc-demo-0001, sequence 1\.\.8 contiguous, final state removed/,
    ];
    let at = 0;
    for (const step of steps) {
      const m = step.exec(out.slice(at));
      expect(m, `missing in order: ${step}\n${out}`).not.toBeNull();
      at += (m?.index ?? 0) + (m?.[0].length ?? 0);
    }
    // Every process the demo started (its redis-server among them) is gone.
    expect(seenChildren.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(seenChildren.filter(alive)).toEqual([]);
  });

  it('--keep serves every CONTRACT §8 series with real values; /readyz follows Redis', async () => {
    const redis = await RestartableRedis.start(inject('peers').runDir);
    let child: ChildProcess | undefined;
    try {
      const demo = spawnDemo(['--keep', '--redis-url', redis.url]);
      child = demo.child;
      const output = demo.output;
      await expect
        .poll(output, { timeout: 60_000, interval: 200 })
        .toContain('press Ctrl-C to stop everything');
      const base = /curl (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(output())?.[1];
      expect(base, output()).toBeDefined();
      const metrics = async () => (await fetch(`${base}/metrics`)).text();
      // The kept connection comes up: its optics appear as real numbers, then its link (the lab
      // raises it a moment after the light, so a poll can see the first without the second).
      await expect
        .poll(metrics, { timeout: 20_000, interval: 500 })
        .toMatch(/dcagent_port_rx_dbm\{[^}]*port="10GE1\/0\/2"[^}]*\} -?\d/);
      await expect
        .poll(metrics, { timeout: 20_000, interval: 500 })
        .toMatch(/dcagent_port_oper_up\{[^}]*port="10GE1\/0\/2"\} 1/);
      const text = await metrics();
      for (const series of [
        /dcagent_port_rx_dbm\{device="[^"]+",port="[^"]+",lane="1"\} -?\d+(\.\d+)?/,
        /dcagent_port_tx_dbm\{device="[^"]+",port="[^"]+",lane="1"\} -?\d+(\.\d+)?/,
        /dcagent_port_oper_up\{device="[^"]+",port="[^"]+"\} 1/,
        /dcagent_port_healthy\{device="[^"]+",port="[^"]+"\} [01]/,
        /dcagent_jobs_total\{name="provision",outcome="succeeded"\} [1-9]/,
        /dcagent_jobs_total\{name="deprovision",outcome="blocked"\} 1/,
        /dcagent_job_duration_seconds_count\{name="provision"\} [1-9]/,
        /dcagent_poll_duration_seconds_count\{device="[^"]+"\} [1-9]/,
        /dcagent_poll_failures_total/,
        /dcagent_events_published_total\{type="construction.completed"\} 1/,
        /dcagent_outbox_depth 0/,
      ]) {
        expect(text).toMatch(series);
      }
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      await redis.down();
      await expect
        .poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000, interval: 250 })
        .toBe(503);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await redis.up();
      await expect
        .poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 20_000, interval: 250 })
        .toBe(200);
    } finally {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child?.once('exit', r));
        child.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await redis.down();
    }
  });

  it('--console ends on the web console: its URL printed, the kept connection on the fleet, Ctrl-C stops all', async () => {
    const redis = await RestartableRedis.start(inject('peers').runDir);
    const { child, output } = spawnDemo(['--console', '--redis-url', redis.url]);
    try {
      await expect
        .poll(output, { timeout: 60_000, interval: 200 })
        .toContain('press Ctrl-C to stop everything');
      const url = /console: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output())?.[1];
      expect(url, output()).toBeDefined();
      const kept = async () => {
        const fleet = (await (await fetch(`${url}api/fleet`)).json()) as {
          devices: { ports: { connectionId: string | null; state: string }[] }[];
        };
        return fleet.devices.flatMap((d) => d.ports).find((p) => p.connectionId === 'hc-demo-keep')?.state;
      };
      await expect.poll(kept, { timeout: 30_000, interval: 500 }).toBe('available');
      expect((await fetch(`${url}connections/hc-demo-keep`)).headers.get('content-type')).toMatch(
        /text\/html/,
      );
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      child.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000)),
      ]);
      expect(code, output()).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await redis.down();
    }
  });
});
