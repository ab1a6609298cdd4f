import type { Command } from 'commander';
import { z } from 'zod';
import { Agent } from '../app.js';
import { configFrom, parseFlags } from './common.js';
import { EXIT_OK, type Output, processOutput } from './io.js';

const flagsSchema = z.strictObject({ config: z.string().optional(), dryRun: z.boolean().optional() });

export function registerRun(program: Command, io: Output = processOutput): void {
  program
    .command('run')
    .description('run the agent: consume jobs, monitor ports, publish events (SIGTERM drains)')
    .option('--dry-run', 'plan every job only: publish *.planned events, change nothing, take no device lock')
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, raw);
      const cfg = configFrom(flags);
      const agent = new Agent({ cfg, dryRun: flags.dryRun ?? false });
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          // An operator who asks twice wants out now; jobs are retried elsewhere, events stay spilled.
          io.err(`dcagent: second ${sig}, exiting at once`);
          process.exit(130);
        }
        agent.logger.info({ signal: sig }, 'signal received; draining (send again to exit at once)');
        void agent.stop();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await agent.start();
      await new Promise<void>((resolve) =>
        agent.lifecycle.on('change', (_p, next) => next === 'stopped' && resolve()),
      );
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.exitCode = EXIT_OK;
    });
}
