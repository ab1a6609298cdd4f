import type { Command } from 'commander';
import { z } from 'zod';
import { PORT_TYPES } from '../../contract/port-types.js';
import { UsageError } from '../../core/errors.js';
import { prettyXml } from '../../drivers/xml/xml.js';
import { intFlag, parseFlags } from '../command-line/flags.js';
import { EXIT_FAILURE, EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { type PlanOutput, planJob } from '../views/job-check.js';
import { configFrom, connectionTargetFlags } from './common.js';

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
      const out = await planJob(
        cfg,
        operation,
        {
          schemaVersion: 1,
          connectionId: flags.connection,
          device: flags.device,
          port: flags.port,
          ...(operation === 'provision' && flags.description !== undefined
            ? { description: flags.description }
            : {}),
          ...(flags.portType ? { portType: flags.portType } : {}),
          ...(flags.bandwidthMbps ? { bandwidthMbps: flags.bandwidthMbps } : {}),
        },
        { ...(flags.offline ? { offline: true } : {}), ...(flags.validate ? { validate: true } : {}) },
        (reason) => io.err(`dcagent: ${reason}`),
      );
      if (out.validation && !out.validation.accepted) process.exitCode = EXIT_FAILURE;
      io.out(flags.json ? JSON.stringify(out, null, 2) : formatPlan(out, io, Boolean(flags.offline)));
      process.exitCode ??= EXIT_OK;
    });
}
