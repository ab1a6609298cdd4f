import type { Command } from 'commander';
import { z } from 'zod';
import { PORT_TYPES } from '../../contract/port-types.js';
import { UsageError } from '../../core/errors.js';
import type { Operation, Plan, PlanValidation } from '../../drivers/driver.js';
import { isConnectTimeout } from '../../drivers/transport/ssh.js';
import { prettyXml } from '../../drivers/xml/xml.js';
import { intFlag, parseFlags } from '../command-line/flags.js';
import { EXIT_FAILURE, EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { configFrom, connectionTargetFlags } from './common.js';
import { planCliJob, prepareCliJob } from './job-check.js';

/**
 * `dcagent plan provision|deprovision`: the engineer's dry run. It reads the port from the device
 * (get-config of running: no lock, no edit) and prints the exact RPC the agent would send and a
 * unified diff of the port before and after. `--offline` renders from the inventory alone.
 */

const flagsSchema = z.strictObject({
  ...connectionTargetFlags,
  portType: z.enum(PORT_TYPES).optional(),
  bandwidthMbps: intFlag.optional(),
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
  /** With --validate: what the device answered to the test-only edit. */
  validation?: PlanValidation;
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
  // The payload says what it is: a NETCONF RPC is XML, a CLI plan is command lines (none when
  // the port already matches; a NETCONF plan always carries its edit).
  const xml = p.rpc.startsWith('<');
  const lines = [
    paint('bold', `plan ${p.operation} ${p.connectionId}: ${p.device} ${p.port} (${p.platform})`),
  ];
  if (p.rpc === '') lines.push(paint('bold', 'commands: none'));
  else lines.push(paint('bold', xml ? 'rpc:' : 'commands:'), xml ? prettyXml(p.rpc) : p.rpc);
  if (p.validation) {
    lines.push(
      p.validation.accepted
        ? paint('green', `validate: the device accepted the edit (test-only): ${p.validation.answer}`)
        : paint('red', `validate: the device refused the edit (test-only): ${p.validation.answer}`),
    );
  }
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
    .option('--port-type <type>', `provision only: ${PORT_TYPES.join(' | ')}; must match the inventory`)
    .option('--bandwidth-mbps <n>', 'provision only: bandwidth, at most the port speed')
    .option('--offline', 'render from the inventory alone, without contacting the device (no diff)')
    .option(
      '--validate',
      'also ask the device to test the edit (edit-config test-only; applies nothing) and print its answer',
    )
    .option('--json', 'print one JSON document')
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .action(async (operation: string, raw: Record<string, unknown>) => {
      if (operation !== 'provision' && operation !== 'deprovision') {
        throw new UsageError(`operation must be provision or deprovision, not ${JSON.stringify(operation)}`);
      }
      const flags = parseFlags(flagsSchema, raw);
      if (
        operation === 'deprovision' &&
        (flags.description !== undefined || flags.portType || flags.bandwidthMbps)
      ) {
        throw new UsageError('--description, --port-type and --bandwidth-mbps apply to provision only');
      }
      if (flags.offline && flags.validate)
        throw new UsageError('--validate needs the device; drop --offline');
      const cfg = configFrom(flags);
      // The job's own checks and the job handler's own plan: a plan fails where the job would.
      const job = prepareCliJob(cfg, operation, {
        schemaVersion: 1,
        connectionId: flags.connection,
        device: flags.device,
        port: flags.port,
        ...(operation === 'provision' && flags.description !== undefined
          ? { description: flags.description }
          : {}),
        ...(flags.portType ? { portType: flags.portType } : {}),
        ...(flags.bandwidthMbps ? { bandwidthMbps: flags.bandwidthMbps } : {}),
        dryRun: true,
      });
      const once = async (): Promise<Plan> => {
        const plan = await planCliJob(job, {
          ...(flags.offline ? { offline: true } : {}),
          ...(flags.validate ? { validate: true } : {}),
        });
        if (!plan) throw new UsageError(`${operation} has no plan`);
        return plan;
      };
      let plan: Plan;
      try {
        plan = await once();
      } catch (err) {
        // A job gets another attempt after a connect that ran out of time; so does a plan, once,
        // on a fresh connection. Nothing was read or sent yet, so trying again is safe.
        if (!isConnectTimeout(err)) throw err;
        io.err(`dcagent: ${(err as Error).message}; trying once more`);
        plan = await once();
      }
      const out: PlanOutput = {
        operation,
        connectionId: flags.connection,
        device: plan.device,
        port: plan.port,
        platform: plan.platform,
        rpc: plan.rpc,
        diff: plan.diff,
        changes: plan.changes,
        ...(plan.validation ? { validation: plan.validation } : {}),
      };
      if (plan.validation && !plan.validation.accepted) process.exitCode = EXIT_FAILURE;
      io.out(flags.json ? JSON.stringify(out, null, 2) : formatPlan(out, io, Boolean(flags.offline)));
      process.exitCode ??= EXIT_OK;
    });
}
