import type { Command } from 'commander';
import { z } from 'zod';
import { type AgentConfig, findDevice, loadConfig, type PortConfig } from '../../config/load.js';
import type { DeviceStatus, PortStatus } from '../../contract/cli-output.js';
import { DcAgentError, type ErrorCode, errorMessage, UsageError } from '../../core/errors.js';
import { RedisKeys } from '../../core/redis-keys.js';
import type { PollFailureReason, PortPollResult, PortReading } from '../../drivers/snmp/poller.js';
import { SnmpPoller } from '../../drivers/snmp/poller.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { table } from '../command-line/table.js';
import { ConnectionStore } from '../connections.js';
import { type DiagnosisHistory, diagnose, rxHoursByLane } from '../health/diagnosis.js';
import { readOpticsHistory } from '../optics-history.js';
import type { TrendConfig } from '../trend/forecast.js';
import { inventoryUsage } from '../views/job-check.js';
import { cliTarget } from './common.js';
import { moduleText } from './connection-view.js';
import { withCliRedis } from './redis.js';

/**
 * `dcagent status --device D [--port P] [--json]`: one live SNMP read of one port (or every port
 * of the device), each lane judged by the bounds that apply to it, set against the baseline and
 * trend Redis holds, with a one-line verdict (issue 15 §6). Redis is only advice here: when it
 * cannot be read the live reading is still printed, and says why the history is missing.
 */

const optionsSchema = z.strictObject({
  device: z.string({ error: '--device <id> is required' }).min(1, '--device must not be empty'),
  port: z.string().min(1, '--port must not be empty').optional(),
  json: z.boolean().default(false),
  config: z.string().min(1, '--config must not be empty').optional(),
  watch: z.boolean().default(false),
  interval: z.coerce.number().min(0.2, '--interval must be at least 0.2 seconds').max(3_600).default(2),
  count: z.coerce.number().int().positive('--count must be a positive whole number').optional(),
});

/** The project error code each poll failure leaves the CLI with. */
const FAILURE_CODE: Readonly<Record<PollFailureReason, ErrorCode>> = {
  'snmp-timeout': 'timeout',
  'snmp-auth': 'auth-failed',
  'no-such-port': 'unknown-port',
  'no-such-object': 'rpc-error',
  'snmp-error': 'rpc-error',
};

/** What Redis says of a port: its tracked connection and that connection's optics history. */
interface PortHistory {
  readonly connectionId: string;
  readonly history: DiagnosisHistory;
}

/** A poll result as `status --json` prints it: CONTRACT §7's fields first, then the extensions. */
export function portStatus(
  reading: PortReading,
  port: PortConfig,
  known: PortHistory | undefined,
  trend: TrendConfig,
): PortStatus {
  const { verdict, ...d } = diagnose(reading, port, known?.history, trend);
  return { ...d, connectionId: known?.connectionId ?? null, verdict };
}

const dbm = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
const signed = (v: number | null) => (v === null ? '-' : `${v > 0 ? '+' : ''}${v.toFixed(2)}`);
const bnd = (v: number | null) => (v === null ? '-' : String(v));

/** The table engineers read: one row per lane, then module, link, errors and the verdict. */
export function formatStatus(doc: PortStatus, opticsRead: boolean): string[] {
  const lines = [
    `${doc.device} ${doc.port} (ifIndex ${doc.ifIndex})${doc.connectionId ? `  connection ${doc.connectionId}` : ''}`,
    `  link: admin ${doc.adminStatus}, oper ${doc.operStatus}`,
  ];
  if (!opticsRead) lines.push('  optics: not read for this device (optics: none)');
  else {
    lines.push(`  module: ${doc.module ? moduleText(doc.module) : 'none found'}`);
    const head = ['lane', 'rx dBm', 'rx state', 'tx dBm', 'tx state', 'rx baseline', 'rx delta', 'rx trend'];
    const rows = doc.lanes.map((l) => [
      String(l.lane),
      dbm(l.rxDbm),
      l.rxState,
      dbm(l.txDbm),
      l.txState,
      l.baseline ? dbm(l.baseline.rxDbm) : '-',
      signed(l.rxDeltaDb),
      l.trend
        ? `${signed(l.trend.slopeDbPerDay)} dB/day${l.trend.hoursToAlarm !== null ? `, alarm in ${Math.round(l.trend.hoursToAlarm)} h` : ''}`
        : '-',
    ]);
    lines.push(
      ...table(head, rows)
        .split('\n')
        .map((l) => `  ${l}`),
    );
    const t = doc.lanes[0]?.thresholds;
    if (t) {
      lines.push(
        `  thresholds (${doc.thresholdSource}): rx alarm ${bnd(t.rx.lowAlarm)} .. ${bnd(t.rx.highAlarm)}, warning ${bnd(t.rx.lowWarning)} .. ${bnd(t.rx.highWarning)}; tx alarm ${bnd(t.tx.lowAlarm)} .. ${bnd(t.tx.highAlarm)}, warning ${bnd(t.tx.lowWarning)} .. ${bnd(t.tx.highWarning)} dBm`,
      );
    }
  }
  if (doc.inErrors !== null) lines.push(`  errors: ifInErrors ${doc.inErrors}`);
  lines.push(`  health: ${doc.healthy ? 'healthy' : `UNHEALTHY (${doc.reasons.join(', ')})`}`);
  lines.push(`  verdict: ${doc.verdict}`);
  return lines;
}

function usageFrom(error: z.ZodError): UsageError {
  const problems = error.issues.map((i) =>
    i.code === 'unrecognized_keys' ? `unknown option(s): ${i.keys.join(', ')}` : i.message,
  );
  return new UsageError(`status: ${problems.join('; ')}`);
}

/**
 * The tracked connections on the device's ports and their optics history. Never throws: a Redis
 * that cannot be reached within 2 s gives the reason instead, and the reading goes on without.
 */
async function readHistory(
  cfg: AgentConfig,
  device: string,
  ports: readonly string[],
): Promise<{ byPort: Map<string, PortHistory>; error: string | null }> {
  const quick = {
    ...cfg,
    redis: { ...cfg.redis, connectTimeoutMs: Math.min(cfg.redis.connectTimeoutMs, 2_000) },
  };
  try {
    return await withCliRedis(quick, 'status', async (redis) => {
      const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
      const tracked = (await new ConnectionStore(redis, keys).list()).filter(
        (t) => t.record.device === device && ports.includes(t.record.port),
      );
      const byPort = new Map<string, PortHistory>();
      for (const t of tracked) {
        const h = await readOpticsHistory(redis, keys, t.record.connectionId);
        byPort.set(t.record.port, {
          connectionId: t.record.connectionId,
          history: { baseline: h.baseline, rxHours: rxHoursByLane(h.points) },
        });
      }
      return { byPort, error: null };
    });
  } catch (err) {
    return { byPort: new Map(), error: errorMessage(err) };
  }
}

type Read = () => Promise<{ lines: string[]; json: string }>;

export function registerStatus(program: Command, io: Output = processOutput): void {
  program
    .command('status')
    .description(
      'live read over SNMP of one port, or every port of a device: status, Rx/Tx dBm and state per lane, thresholds and their source, baseline, trend, module, errors, verdict',
    )
    .option('--device <id>', 'device id from the inventory')
    .option(
      '--port <name>',
      'interface name as the device spells it (default: every inventory port of the device)',
    )
    .option(
      '--json',
      'print one JSON document (docs/schema/cli.status.schema.json; without --port cli.device-status.schema.json)',
    )
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .option('--watch', 'read again and again; on a terminal the reading is redrawn in place (Ctrl-C stops)')
    .option('--interval <seconds>', 'with --watch: seconds between reads', '2')
    .option('--count <n>', 'with --watch: stop after this many reads')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw usageFrom(parsed.error);
      const opts = parsed.data;
      if (!opts.watch && opts.count !== undefined) throw new UsageError('status: --count needs --watch');
      const cfg = loadConfig(opts.config ? { path: opts.config } : {});
      const targets = opts.port
        ? [cliTarget(cfg, opts.device, opts.port)]
        : (() => {
            const d = findDevice(cfg, opts.device);
            if (!d) throw inventoryUsage(cfg, new DcAgentError('unknown-device', opts.device), opts.device);
            return d.ports.map((port) => ({ device: d, port }));
          })();
      const device = targets[0]!.device;
      const names = targets.map((t) => t.port.name);
      const poller = new SnmpPoller([device], cfg.monitoring);
      // Read once: the history moves by the hour, the reading by the second.
      const history = await readHistory(cfg, device.id, names);
      const trend = cfg.monitoring.trend;
      const read: Read = async () => {
        const results = await poller.poll(device.id, names, { errorCounters: names });
        if (opts.port) {
          const result = results[0];
          if (!result) throw new DcAgentError('internal', `no poll result for ${device.id} ${opts.port}`);
          if (!result.ok) throw readFailure(device.id, result);
          const doc = portStatus(result, targets[0]!.port, history.byPort.get(result.port), trend);
          return { lines: formatStatus(doc, result.opticsRead), json: JSON.stringify(doc) };
        }
        const ports: DeviceStatus['ports'] = [];
        const lines: string[] = [];
        if (history.error) lines.push(`(no baseline or trend: ${history.error})`);
        for (const t of targets) {
          const r = results.find((x) => x.port === t.port.name);
          if (!r?.ok) {
            const reason = r && !r.ok ? r.reason : 'snmp-error';
            const message = r && !r.ok ? r.message : 'no poll result';
            ports.push({ device: device.id, port: t.port.name, ok: false, reason, message });
            lines.push(`${device.id} ${t.port.name}: cannot read: ${reason}: ${message}`);
            continue;
          }
          const doc = portStatus(r, t.port, history.byPort.get(r.port), trend);
          ports.push(doc);
          lines.push(...formatStatus(doc, r.opticsRead));
        }
        const all: DeviceStatus = { device: device.id, historyError: history.error, ports };
        return { lines, json: JSON.stringify(all) };
      };
      try {
        if (!opts.watch) {
          const { lines, json } = await read();
          if (opts.json) io.out(json);
          else for (const line of lines) io.out(line);
        } else await watch(io, opts, read);
      } finally {
        poller.close();
      }
      process.exitCode = EXIT_OK;
    });
}

function readFailure(device: string, result: Extract<PortPollResult, { ok: false }>): DcAgentError {
  return new DcAgentError(
    FAILURE_CODE[result.reason],
    `cannot read ${device} ${result.port}: ${result.reason}: ${result.message}`,
    { details: { device, port: result.port, reason: result.reason } },
  );
}

/**
 * `status --watch`. On a terminal each reading replaces the previous one (cursor up, clear to the
 * end), so the screen shows one live table; elsewhere (a pipe, a log) readings follow each other
 * under a time line, and with --json one document per line. A failed read is shown and the watch
 * goes on: a device that stops answering is exactly what one watches for.
 */
async function watch(
  io: Output,
  opts: { json: boolean; interval: number; count?: number | undefined },
  read: Read,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let drawn = 0;
  try {
    for (let n = 1; !stop.signal.aborted; n++) {
      let lines: string[];
      try {
        const got = await read();
        lines = opts.json ? [got.json] : got.lines;
      } catch (err) {
        if (opts.json) throw err;
        lines = [`  ${err instanceof Error ? err.message : String(err)}`];
      }
      const stamp = `${new Date().toISOString()}  every ${opts.interval} s`;
      if (opts.json) io.out(lines[0] ?? '');
      else if (io.isTTY) {
        // Up over the previous drawing, clear from there down, draw again.
        const block = [stamp, ...lines];
        io.out(`${drawn > 0 ? `\u001b[${drawn}A\u001b[J` : ''}${block.join('\n')}`);
        drawn = block.length;
      } else io.out([stamp, ...lines].join('\n'));
      if (opts.count !== undefined && n >= opts.count) return;
      await sleep(opts.interval * 1000, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
