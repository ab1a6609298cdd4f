import type { Command } from 'commander';
import { z } from 'zod';
import { startConsole } from '../../console/start.js';
import { createLogger } from '../../core/logger.js';
import { parseFlags } from '../command-line/flags.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { configFromLean } from './common.js';

const flagsSchema = z.strictObject({
  config: z.string().optional(),
  listen: z.string().min(1).max(300).optional(),
});

export function registerConsole(program: Command, io: Output = processOutput): void {
  program
    .command('console')
    .description(
      'serve the web console: the fleet live, one connection’s story with light charts, plan, jobs, events (reads Redis; never writes to a device)',
    )
    .option(
      '--listen <host:port>',
      'address to serve on (default: console.listen, 127.0.0.1:9470); not loopback needs console.auth',
    )
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, raw);
      const cfg = await configFromLean(flags);
      const log = createLogger({ level: cfg.agent.logLevel, name: 'dcagent-console' });
      const running = await startConsole(cfg, { ...(flags.listen ? { listen: flags.listen } : {}), log });
      io.err(`dcagent console: ${running.url}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        // No reload to do: the console holds no state of its own; SIGHUP must not kill it either.
        process.on('SIGHUP', () => log.info('SIGHUP: nothing to reload'));
      });
      await running.close();
      process.exitCode = EXIT_OK;
    });
}
