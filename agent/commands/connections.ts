import type { Command } from 'commander';
import { z } from 'zod';
import type { ConnectionDetail, ConnectionView } from '../../contract/cli-output.js';
import { connectionIdSchema } from '../../contract/jobs.js';
import { OBSERVED_CONNECTION_STATES } from '../../contract/lifecycle.js';
import { UsageError } from '../../core/errors.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { resolveDevice } from '../../jobs/intent.js';
import { parseFlags } from '../command-line/flags.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { ConnectionStore } from '../connections.js';
import { readSubjectNewest } from '../events/stream.js';
import { connectionViews } from '../views/connection.js';
import { inventoryUsage } from '../views/job-check.js';
import { configFrom } from './common.js';
import { connectionDetailText, connectionsTable } from './connection-view.js';
import { withCliRedis } from './redis.js';

/**
 * `dcagent connections`: every tracked connection as the agent sees it (CONTRACT §7). Read-only:
 * it reads the connection records, intents, audits and the event stream, and writes nothing.
 */

/** `connections show` prints this many of the connection's newest events. */
export const SHOWN_EVENTS = 10;
/**
 * How deep `connections show` reads the stream backwards looking for them: a bounded read
 * (a stream of millions of entries is never loaded), so a connection quiet for longer than the
 * newest 10,000 events of the whole fleet shows fewer; `events --connection C` reads it all.
 */
export const EVENT_SCAN_MAX = 10_000;

const CONFIG_OPTION = [
  '--config <file>',
  'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)',
] as const;

const listFlags = z.strictObject({
  config: z.string().optional(),
  device: z.string().min(1).max(64).optional(),
  state: z.enum(OBSERVED_CONNECTION_STATES).optional(),
  json: z.boolean().optional(),
});

const oneFlags = z.strictObject({
  config: z.string().optional(),
  json: z.boolean().optional(),
});

export function registerConnections(program: Command, io: Output = processOutput): void {
  const connections = program
    .command('connections')
    // Without this, `connections show C --json` would hand --json to `connections` (which has one too).
    .enablePositionalOptions()
    .description(
      'every tracked connection as the agent sees it: state, intent, last poll, last audit; show one with its events',
    )
    .option('--device <id>', 'only connections on this inventory device')
    .option('--state <state>', `only connections in this state (${OBSERVED_CONNECTION_STATES.join(' | ')})`)
    .option('--json', 'a JSON array (docs/schema/cli.connections.schema.json)')
    .option(...CONFIG_OPTION)
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(listFlags, raw);
      const cfg = configFrom(flags);
      if (flags.device !== undefined) {
        try {
          resolveDevice(cfg, flags.device);
        } catch (err) {
          throw inventoryUsage(cfg, err, flags.device);
        }
      }
      const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
      const list = await withCliRedis(cfg, 'dcagent-connections', async (redis) => {
        const tracked = (await new ConnectionStore(redis, keys).list()).filter(
          (t) => flags.device === undefined || t.record.device === flags.device,
        );
        return (await connectionViews(redis, keys, tracked)).filter(
          (v) => flags.state === undefined || v.state === flags.state,
        );
      });
      io.out(
        flags.json ? JSON.stringify(list) : list.length ? connectionsTable(list) : '(no tracked connections)',
      );
      process.exitCode = EXIT_OK;
    });

  connections
    .command('show')
    .description(`one tracked connection, with its last ${SHOWN_EVENTS} events`)
    .argument('<connection>', 'connection id')
    .option('--json', 'one JSON object (docs/schema/cli.connection.schema.json)')
    .option(...CONFIG_OPTION)
    .action(async (rawId: string, raw: Record<string, unknown>) => {
      const { connection } = parseFlags(z.object({ connection: connectionIdSchema }), { connection: rawId });
      const flags = parseFlags(oneFlags, raw);
      const cfg = configFrom(flags);
      const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
      const detail = await withCliRedis(
        cfg,
        'dcagent-connections',
        async (redis): Promise<ConnectionDetail> => {
          const tracked = await new ConnectionStore(redis, keys).get(connection);
          if (!tracked) {
            throw new UsageError(
              `no tracked connection ${connection} (never provisioned, not yet, or deprovisioned; see dcagent events --connection ${connection})`,
            );
          }
          const [view] = await connectionViews(redis, keys, [tracked]);
          const { events, scanned } = await readSubjectNewest(
            redis,
            keys,
            connection,
            SHOWN_EVENTS,
            EVENT_SCAN_MAX,
          );
          return { ...(view as ConnectionView), events, eventsScanned: scanned };
        },
      );
      io.out(flags.json ? JSON.stringify(detail) : connectionDetailText(detail));
      process.exitCode = EXIT_OK;
    });
}
