import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  freeTcpPort,
  LOOPBACK,
  type PeerProcess,
  retryOnPortClash,
  spawnPeer,
  waitUntilReady,
} from '../../testkit/peers/process.js';

/**
 * A real `prometheus` (Debian package) in `dir` on a free loopback port, scraping `targets`
 * (host:port) every second; `ruleFiles` are evaluated every second too.
 */
export async function startPrometheus(o: {
  dir: string;
  runDir: string;
  targets: readonly string[];
  ruleFiles?: readonly string[];
}): Promise<{ proc: PeerProcess; url: string }> {
  writeFileSync(
    join(o.dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
      ...(o.ruleFiles ? { rule_files: [...o.ruleFiles] } : {}),
      scrape_configs: [{ job_name: 'dcagent', static_configs: [{ targets: [...o.targets] }] }],
    }),
  );
  let url = '';
  const proc = await retryOnPortClash(async () => {
    const port = await freeTcpPort();
    const logPath = join(o.dir, `prometheus-${port}.log`);
    const p = await spawnPeer({
      name: 'prometheus',
      runDir: o.runDir,
      cmd: 'prometheus',
      args: [
        `--config.file=${join(o.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(o.dir, `tsdb-${port}`)}`,
        `--web.listen-address=${LOOPBACK}:${port}`,
      ],
      cwd: o.dir,
      logPath,
    });
    url = `http://${LOOPBACK}:${port}`;
    try {
      await waitUntilReady(
        async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok,
        { peer: 'prometheus', timeoutMs: 60_000, procs: [p], logs: [logPath] },
      );
    } catch (err) {
      await p.stop();
      throw err;
    }
    return p;
  });
  return { proc, url };
}
