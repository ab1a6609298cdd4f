import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/load.js';
import { DcAgentError, type ErrorCode, UsageError } from '../../core/errors.js';
import type { PollFailureReason, PortReading } from '../../drivers/snmp/poller.js';
import { SnmpPoller } from '../../drivers/snmp/poller.js';
import { evaluateHealth, type HealthReason } from '../health/evaluate.js';
import { cliTarget } from './common.js';
import { EXIT_OK, type Output, processOutput } from './io.js';

/** `dcagent status --device D --port P [--json]`: one live SNMP read, judged against the thresholds. */

const optionsSchema = z.strictObject({
  device: z.string({ error: '--device <id> is required' }).min(1, '--device must not be empty'),
  port: z.string({ error: '--port <name> is required' }).min(1, '--port must not be empty'),
  json: z.boolean().default(false),
  config: z.string().min(1, '--config must not be empty').optional(),
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
    .action(async (raw: Record<string, unknown>) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw usageFrom(parsed.error);
      const opts = parsed.data;
      const cfg = loadConfig(opts.config ? { path: opts.config } : {});
      const { device, port } = cliTarget(cfg, opts.device, opts.port);
      const poller = new SnmpPoller([device], cfg.monitoring);
      let result: Awaited<ReturnType<SnmpPoller['poll']>>[number] | undefined;
      try {
        [result] = await poller.poll(device.id, [port.name]);
      } finally {
        poller.close();
      }
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
      const doc = statusDocument(result, port.thresholds);
      if (opts.json) io.out(JSON.stringify(doc));
      else for (const line of formatStatus(doc, result.opticsRead)) io.out(line);
      process.exitCode = EXIT_OK;
    });
}
