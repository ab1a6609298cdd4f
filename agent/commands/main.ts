import { Command, CommanderError } from 'commander';
import { agentVersion } from '../../core/version.js';
import { registerDemo } from '../../tools/demo/command.js';
import { EXIT_OK, EXIT_USAGE, type Output, processOutput, reportError } from '../command-line/io.js';
import { registerAudit } from './audit.js';
import { registerCheckConfig } from './check-config.js';
import { registerCompletion } from './completion.js';
import { registerConnections } from './connections.js';
import { registerConsole } from './console.js';
import { registerEnqueue } from './enqueue.js';
import { registerEvents } from './events.js';
import { registerJobs } from './jobs.js';

export { exitQuietlyOnClosedPipe } from '../command-line/io.js';

import { registerLab } from '../../tools/lab/command.js';
import { registerPlan } from './plan.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';

/** Each command lives in its own module and registers itself here. */
export function buildProgram(io: Output = processOutput): Command {
  const program = new Command();
  program
    .name('dcagent')
    .description(
      'Direct Connect port agent: provisions Hosted Connection ports, monitors their optics, reports events',
    )
    .version(agentVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  registerCheckConfig(program, io);
  registerEnqueue(program, io);
  registerEvents(program, io);
  registerJobs(program, io);
  registerConnections(program, io);
  registerConsole(program, io);
  registerRun(program, io);
  registerDemo(program, io);
  registerPlan(program, io);
  registerStatus(program, io);
  registerAudit(program, io);
  registerLab(program, io);
  // Last: it describes the commands registered before it.
  registerCompletion(program, io);
  // `jobs show ID --json` is show's --json, not the `jobs` list's: commander needs positional
  // options on every level above such a command. Set after the commands are registered, because
  // commands copy it when created, and `lab ctl` relies on `lab` reading options given after `ctl`.
  program.enablePositionalOptions();
  return program;
}

export async function main(argv: string[], io: Output = processOutput): Promise<number> {
  const program = buildProgram(io);
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successful exits; every other commander error is bad usage.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    return reportError(err, io);
  }
}
