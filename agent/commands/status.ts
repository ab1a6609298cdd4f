import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/load.js';
import { DcAgentError, type ErrorCode, UsageError } from '../../core/errors.js';
import type { PollFailureReason, PortReading } from '../../drivers/snmp/poller.js';
import { SnmpPoller } from '../../drivers/snmp/poller.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { evaluateHealth, type HealthReason } from '../health/evaluate.js';
import { cliTarget } from './common.js';

/** `dcagent status --device D --port P [--json]`: one live SNMP read, judged against the thresholds. */

const optionsSchema = z.strictObject({
  device: z.string({ error: '--device <id> is required' }).min(1, '--device must not be empty'),
  port: z.string({ error: '--port <name> is required' }).min(1, '--port must not be empty'),
  json: z.boolean().default(false),
  config: z.string().min(1, '--config must not be empty').optional(),
  watch: z.boolean().default(false),
  interval: z.coerce.number().min(0.2, '--interval must be at least 0.2 seconds').max(3_600).default(2),
  count: z.coerce.number().int().positive('--count must be a positive whole number').optional(),
});

/** CONTRACT §7 `status --json`, field for field and in this order. */
export interface StatusDocument {
  device: string;
  port: string;
  ifIndex: number;
  adminStatus: PortReading['adminStatus'];
  operStatus: PortReading['operStatus'];
  lanes: { lane: number; rxDbm: number | null; txDbm: number | null }[];
  rxDbm: (number | null)[];
  txDbm: (number | null)[];
  thresholds: { rx: [number, number]; tx: [number, number] };
  healthy: boolean;
  reasons: HealthReason[];
}

/** The project error code each poll failure leaves the CLI with. */
const FAILURE_CODE: Readonly<Record<PollFailureReason, ErrorCode>> = {
  'snmp-timeout': 'timeout',
  'snmp-auth': 'auth-failed',
  'no-such-port': 'unknown-port',
  'no-such-object': 'rpc-error',
  'snmp-error': 'rpc-error',
};

export function statusDocument(
  reading: PortReading,
  thresholds: { rx: readonly [number, number]; tx: readonly [number, number] },
): StatusDocument {
  const verdict = evaluateHealth(reading, { rx: thresholds.rx, tx: thresholds.tx });
  return {
    device: reading.device,
    port: reading.port,
    ifIndex: reading.ifIndex,
    adminStatus: reading.adminStatus,
    operStatus: reading.operStatus,
    lanes: reading.lanes.map((l) => ({ lane: l.lane, rxDbm: l.rxDbm, txDbm: l.txDbm })),
    rxDbm: [...reading.rxDbm],
    txDbm: [...reading.txDbm],
    thresholds: { rx: [thresholds.rx[0], thresholds.rx[1]], tx: [thresholds.tx[0], thresholds.tx[1]] },
    healthy: verdict.healthy,
    reasons: [...verdict.reasons],
  };
}

const dbm = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));

/** The short table engineers read. */
export function formatStatus(doc: StatusDocument, opticsRead: boolean): string[] {
  const lines = [
    `${doc.device} ${doc.port} (ifIndex ${doc.ifIndex})`,
    `  admin ${doc.adminStatus}, oper ${doc.operStatus}`,
  ];
  if (!opticsRead) lines.push('  optics: not read for this device (optics: none)');
  else {
    lines.push(`  ${'lane'.padEnd(6)}${'rx dBm'.padStart(9)}${'tx dBm'.padStart(9)}`);
    for (const l of doc.lanes)
      lines.push(`  ${String(l.lane).padEnd(6)}${dbm(l.rxDbm).padStart(9)}${dbm(l.txDbm).padStart(9)}`);
  }
  const [rxMin, rxMax] = doc.thresholds.rx;
  const [txMin, txMax] = doc.thresholds.tx;
  lines.push(`  thresholds: rx ${rxMin} .. ${rxMax} dBm, tx ${txMin} .. ${txMax} dBm`);
  lines.push(`  verdict: ${doc.healthy ? 'healthy' : `UNHEALTHY (${doc.reasons.join(', ')})`}`);
  return lines;
}

function usageFrom(error: z.ZodError): UsageError {
  const problems = error.issues.map((i) =>
    i.code === 'unrecognized_keys' ? `unknown option(s): ${i.keys.join(', ')}` : i.message,
  );
  return new UsageError(`status: ${problems.join('; ')}`);
}

export function registerStatus(program: Command, io: Output = processOutput): void {
  program
    .command('status')
    .description('live read of one port over SNMP: admin and oper status, Rx/Tx dBm per lane, verdict')
    .option('--device <id>', 'device id from the inventory')
    .option('--port <name>', 'interface name as the device spells it')
    .option('--json', 'print one JSON document (CONTRACT §7)')
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
      const { device, port } = cliTarget(cfg, opts.device, opts.port);
      const poller = new SnmpPoller([device], cfg.monitoring);
      const read = async (): Promise<{ doc: StatusDocument; opticsRead: boolean }> => {
        const [result] = await poller.poll(device.id, [port.name]);
        if (!result) throw new DcAgentError('internal', `no poll result for ${device.id} ${port.name}`);
        if (!result.ok) {
          throw new DcAgentError(
            FAILURE_CODE[result.reason],
            `cannot read ${device.id} ${port.name}: ${result.reason}: ${result.message}`,
            {
              details: { device: device.id, port: port.name, reason: result.reason },
            },
          );
        }
        return { doc: statusDocument(result, port.thresholds), opticsRead: result.opticsRead };
      };
      try {
        if (!opts.watch) {
          const { doc, opticsRead } = await read();
          if (opts.json) io.out(JSON.stringify(doc));
          else for (const line of formatStatus(doc, opticsRead)) io.out(line);
        } else await watch(io, opts, read);
      } finally {
        poller.close();
      }
      process.exitCode = EXIT_OK;
    });
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
  read: () => Promise<{ doc: StatusDocument; opticsRead: boolean }>,
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
        const { doc, opticsRead } = await read();
        lines = opts.json ? [JSON.stringify(doc)] : formatStatus(doc, opticsRead);
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
