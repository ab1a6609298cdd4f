import type { Command } from 'commander';
import { z } from 'zod';
import { findDevice, findPort } from '../../config/load.js';
import { JOB_SCHEMAS, portDescription } from '../../contract/jobs.js';
import { UsageError } from '../../core/errors.js';
import { toFieldIssues } from '../../core/zod-issues.js';
import type { Operation, Plan, PortIntent } from '../../drivers/driver.js';
import { createDriver } from '../../drivers/factory.js';
import { configFrom, connectionTargetFlags, parseFlags } from './common.js';
import { EXIT_OK, type Output, processOutput } from './io.js';

/**
 * `dcagent plan provision|deprovision`: the engineer's dry run. It reads the port from the device
 * (get-config of running: no lock, no edit) and prints the exact RPC the agent would send and a
 * unified diff of the port before and after. `--offline` renders from the inventory alone.
 */

const flagsSchema = z.strictObject({
  ...connectionTargetFlags,
  offline: z.boolean().optional(),
  validate: z.boolean().optional(),
  json: z.boolean().optional(),
});

export interface PlanOutput {
  operation: Operation;
  connectionId: string;
  device: string;
  port: string;
  platform: string;
  rpc: string;
  diff: string;
  changes: number;
}

// Plain SGR codes: node's styleText also consults NO_COLOR/FORCE_COLOR on its own, while the
// decision here is already made once, in Output.isTTY (terminal and no NO_COLOR).
const SGR = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], cyan: [36, 39] } as const;
type Style = keyof typeof SGR;

function painter(io: Pick<Output, 'isTTY'>): (style: Style, text: string) => string {
  return io.isTTY
    ? (style, text) => `\u001b[${SGR[style][0]}m${text}\u001b[${SGR[style][1]}m`
    : (_style, text) => text;
}

/** The human form: headings, the RPC, and the diff with +/- lines coloured on a terminal. */
export function formatPlan(p: PlanOutput, io: Pick<Output, 'isTTY'>, offline: boolean): string {
  const paint = painter(io);
  const lines = [
    paint('bold', `plan ${p.operation} ${p.connectionId}: ${p.device} ${p.port} (${p.platform})`),
    paint('bold', 'rpc:'),
    p.rpc,
  ];
  if (offline) {
    lines.push(paint('dim', 'diff: none (--offline: rendered from the inventory, device not contacted)'));
  } else if (p.changes === 0) {
    lines.push(paint('green', 'diff: none, the port already matches (nothing would be sent)'));
  } else {
    lines.push(paint('bold', `diff (${p.changes} changed line${p.changes === 1 ? '' : 's'}):`));
    for (const l of p.diff.replace(/\n$/, '').split('\n')) {
      if (l.startsWith('+++') || l.startsWith('---')) lines.push(paint('bold', l));
      else if (l.startsWith('+')) lines.push(paint('green', l));
      else if (l.startsWith('-')) lines.push(paint('red', l));
      else if (l.startsWith('@@')) lines.push(paint('cyan', l));
      else lines.push(l);
    }
  }
  return lines.join('\n');
}

export function registerPlan(program: Command, io: Output = processOutput): void {
  program
    .command('plan')
    .description('dry run: print the exact payload and a diff against the device; writes nothing')
    .argument('<operation>', 'provision | deprovision')
    .requiredOption('--device <id>', 'device id from the inventory')
    .requiredOption('--port <name>', 'port name as the device spells it')
    .requiredOption('--connection <id>', 'Hosted Connection id, e.g. hc-7f2a9c')
    .option('--description <text>', 'customer text (provision only, at most 64 printable characters)')
    .option('--offline', 'render from the inventory alone, without contacting the device (no diff)')
    .option('--validate', 'also ask the device to test the edit (edit-config test-only; applies nothing)')
    .option('--json', 'print one JSON document')
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .action(async (operation: string, raw: Record<string, unknown>) => {
      if (operation !== 'provision' && operation !== 'deprovision') {
        throw new UsageError(`operation must be provision or deprovision, not ${JSON.stringify(operation)}`);
      }
      const flags = parseFlags(flagsSchema, raw);
      if (operation === 'deprovision' && flags.description !== undefined) {
        throw new UsageError('--description applies to provision only');
      }
      if (flags.offline && flags.validate)
        throw new UsageError('--validate needs the device; drop --offline');
      // The same data a job would carry must pass the job schema as well.
      const job = JOB_SCHEMAS[operation].safeParse({
        schemaVersion: 1,
        connectionId: flags.connection,
        device: flags.device,
        port: flags.port,
        ...(operation === 'provision' && flags.description !== undefined
          ? { description: flags.description }
          : {}),
        dryRun: true,
      });
      if (!job.success) {
        throw new UsageError(
          toFieldIssues(job.error)
            .map((i) => `${i.path}: ${i.message}`)
            .join('\n  '),
        );
      }

      const cfg = configFrom(flags);
      const device = findDevice(cfg, flags.device);
      if (!device)
        throw new UsageError(
          `--device: ${flags.device} is not in the inventory of ${cfg.source ?? 'the config'}`,
        );
      const port = findPort(device, flags.port);
      if (!port) throw new UsageError(`--port: ${flags.port} is not a port of ${device.id}`);

      const intent: PortIntent = {
        port: port.name,
        description: operation === 'provision' ? portDescription(flags.connection, flags.description) : '',
        enabled: operation === 'provision',
        portType: port.portType,
      };
      const driver = createDriver(device);
      let plan: Plan;
      try {
        plan = await driver.plan(operation, intent, {
          ...(flags.offline ? { offline: true } : {}),
          ...(flags.validate ? { validate: true } : {}),
        });
      } finally {
        await driver.close();
      }
      const out: PlanOutput = {
        operation,
        connectionId: flags.connection,
        device: device.id,
        port: port.name,
        platform: plan.platform,
        rpc: plan.rpc,
        diff: plan.diff,
        changes: plan.changes,
      };
      io.out(flags.json ? JSON.stringify(out, null, 2) : formatPlan(out, io, Boolean(flags.offline)));
      process.exitCode = EXIT_OK;
    });
}
