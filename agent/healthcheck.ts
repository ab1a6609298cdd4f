import type { AgentConfig } from '../config/load.js';
import { loadConfig } from '../config/load.js';

/**
 * The container HEALTHCHECK (`bin/dcagent-healthcheck.js`): GET /healthz on the address and port
 * the agent's own config gives (file, DCAGENT_CONFIG, DCAGENT_HTTP_PORT), so a config that moves
 * the port moves the check with it.
 */

/** Where to reach the agent's HTTP server from inside its own host or container. */
export function healthUrl(cfg: Pick<AgentConfig, 'agent'>): string {
  const { httpHost, httpPort } = cfg.agent;
  // A wildcard listens on loopback too; anything else is dialled as configured.
  const host =
    httpHost === '0.0.0.0'
      ? '127.0.0.1'
      : httpHost === '::'
        ? '[::1]'
        : httpHost.includes(':')
          ? `[${httpHost}]`
          : httpHost;
  return `http://${host}:${httpPort}/healthz`;
}

/** 0 when /healthz answers 2xx within the timeout, 1 otherwise (Docker's healthy/unhealthy). */
export async function runHealthcheck(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 3_000,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  let url: string;
  try {
    url = healthUrl(loadConfig({ env }));
  } catch (err) {
    write(`dcagent healthcheck: ${(err as Error).message}`);
    return 1;
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) return 0;
    write(`dcagent healthcheck: ${url} answered ${res.status}`);
  } catch (err) {
    write(`dcagent healthcheck: ${url}: ${(err as Error).message}`);
  }
  return 1;
}
