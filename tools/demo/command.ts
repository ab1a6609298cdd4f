import type { Command } from 'commander';
import { z } from 'zod';
import { intFlag, parseFlags } from '../../agent/command-line/flags.js';
import { EXIT_OK, type Output, processOutput } from '../../agent/command-line/io.js';
import { loadConfig } from '../../config/load.js';
import { runDemo } from './scenario.js';

const flagsSchema = z.strictObject({
  config: z.string().optional(),
  keep: z.boolean().optional(),
  console: z.boolean().optional(),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  stepTimeout: intFlag.default(30),
});

export function registerDemo(program: Command, io: Output = processOutput): void {
  program
    .command('demo')
    .description(
      'the main job end to end on the built-in lab: provision, light, cut, repair, blocked and final deprovision',
    )
    .option('--keep', 'leave the lab and the agent running afterwards, with a connection to watch')
    .option('--console', 'as --keep, and serve the web console too; prints its URL')
    .option(
      '--redis-url <url>',
      'Redis to use (default: $REDIS_URL, else a private redis-server on a free port)',
    )
    .option('--step-timeout <seconds>', 'give up on a step after this long', '30')
    .option(
      '--config <file>',
      "use this config's Redis (redis.url; REDIS_URL applies); the lab brings its own devices",
    )
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, raw);
      const redisUrl =
        flags.redisUrl ??
        (flags.config ? loadConfig({ path: flags.config }).redis.url : process.env.REDIS_URL);
      await runDemo({
        io,
        ...(redisUrl ? { redisUrl } : {}),
        ...(flags.keep || flags.console ? { keep: true } : {}),
        ...(flags.console ? { console: true } : {}),
        stepTimeoutMs: flags.stepTimeout * 1000,
      });
      process.exitCode = EXIT_OK;
    });
}
