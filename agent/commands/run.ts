import type { Command } from 'commander';
import { z } from 'zod';
import { type AgentConfig, resolveConfigPath } from '../../config/load.js';
import { httpPortSchema } from '../../config/schema.js';
import { RedisAccessError } from '../../core/errors.js';
import { Agent } from '../app.js';
import { parseFlags } from '../command-line/flags.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Output, processOutput } from '../command-line/io.js';
import { missingNodeFlags } from '../node-flags.js';
import { ConfigReloader, watchConfigFile } from '../reload.js';
import { configFrom, configFromLean } from './common.js';

const flagsSchema = z.strictObject({
  config: z.string().optional(),
  dryRun: z.boolean().optional(),
  httpPort: z.coerce.number().pipe(httpPortSchema).optional(),
  watchConfig: z.boolean().optional(),
});

/** How long the file must stay quiet before a watched change is read (an editor writes in bursts). */
const WATCH_DEBOUNCE_MS = 500;

export function registerRun(program: Command, io: Output = processOutput): void {
  program
    .command('run')
    .description(
      'run the agent: consume jobs, monitor ports, publish events (SIGTERM drains, SIGHUP reloads the config)',
    )
    .option('--dry-run', 'plan every job only: publish *.planned events, change nothing, take no device lock')
    .option(
      '--http-port <port>',
      'serve /metrics, /healthz, /readyz here (wins over DCAGENT_HTTP_PORT and agent.httpPort; 0 = any free port)',
    )
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .option('--watch-config', 'reload the configuration file when it changes, as SIGHUP does')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, raw);
      // The flag wins at every load, so a reload does not see it as a changed setting.
      const withFlags = (loaded: AgentConfig): AgentConfig =>
        flags.httpPort === undefined
          ? loaded
          : { ...loaded, agent: { ...loaded.agent, httpPort: flags.httpPort } };
      // Reloads are rare and answer at once, so they parse here; the first load is the lean one.
      const load = () => withFlags(configFrom(flags));
      const agent = new Agent({ cfg: withFlags(await configFromLean(flags)), dryRun: flags.dryRun ?? false });
      const missing = missingNodeFlags(process.execArgv);
      if (missing.length > 0)
        agent.logger.warn(
          { missing },
          "node is not running with the agent's options: start bin/dcagent.js itself (or npx dcagent) " +
            'rather than `node bin/dcagent.js`, and do not override them; without them garbage ' +
            'collection costs more CPU (decision 0013)',
        );
      const reloader = new ConfigReloader({
        load,
        current: () => agent.config,
        apply: (next, diff) => agent.applyInventory(next, diff),
        logger: agent.logger,
        metrics: agent.metrics,
      });
      const reload = (trigger: string) => {
        // Before running there is nothing to swap; after the drain began nothing uses it.
        if (agent.lifecycle.state === 'running') reloader.reload(trigger);
        else
          agent.logger.warn(
            { trigger, state: agent.lifecycle.state },
            'config reload skipped: agent not running',
          );
      };
      const watcher = flags.watchConfig
        ? watchConfigFile(
            resolveConfigPath(flags.config ? { path: flags.config } : {}),
            () => reload('watch'),
            agent.logger,
            WATCH_DEBOUNCE_MS,
          )
        : undefined;
      // The reload's own line names the trigger: one line per reload.
      const onHup = () => reload('SIGHUP');
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
      const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
      for (const sig of SIGNALS) process.on(sig, onSignal);
      // CONTRACT §6: SIGHUP reloads the file (it would otherwise end the process on the spot).
      process.on('SIGHUP', onHup);
      try {
        // A failed start has cleaned up after itself (and taken no job); the error reaches main,
        // which prints it and exits 1.
        try {
          await agent.start();
        } catch (err) {
          if (!(err instanceof RedisAccessError)) throw err;
          // Bad credentials, a missing permission or TLS refused at start-up is a configuration
          // problem: one line and exit 2 (CONTRACT §2).
          io.err(`dcagent: ${err.message}`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        await agent.whenStopped();
      } finally {
        for (const sig of SIGNALS) process.off(sig, onSignal);
        process.off('SIGHUP', onHup);
        watcher?.close();
      }
      process.exitCode = agent.fatalReason ? EXIT_FAILURE : EXIT_OK;
      exitIfStuck(agent.logger);
    });
}

/** How long the process may stay up after `stopped` before it exits on its own. */
const EXIT_GRACE_MS = 2_000;

/**
 * Everything is closed by the time the drain says `stopped`, but a library can still hold a handle
 * (seen: a socket of an ioredis Cluster node that BullMQ's duplicated connection opened while the
 * drain closed it). An agent that logged `stopped` and never exits is worse than one that exits:
 * a supervisor waits for it and then kills it. So after a grace the process exits with the exit
 * code it already has, naming what was still open.
 */
function exitIfStuck(logger: Agent['logger']): void {
  setTimeout(() => {
    logger.warn(
      { handles: process.getActiveResourcesInfo() },
      'handles still open after stopped; exiting anyway',
    );
    process.exit();
  }, EXIT_GRACE_MS).unref();
}
