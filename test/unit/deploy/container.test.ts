import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { healthUrl } from '../../../agent/healthcheck.js';
import { createMetrics, exportedNames } from '../../../agent/metrics.js';

// Neither the image nor the compose file can be built here (no Docker engine), so their
// essentials are asserted from the files themselves.

const dockerfile = readFileSync('Dockerfile', 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);

describe('Dockerfile', () => {
  it('is multi-stage: a build stage compiles, the runtime stage has production deps only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/RUN npm ci/);
    expect(stages[0]).toMatch(/RUN npm run build/);
    const runtime = stages.at(-1) ?? '';
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=\S+ \/src\/dist/);
    expect(runtime).not.toMatch(/npm run build/);
  });

  it('runs the launcher as a non-root user, with a HEALTHCHECK on /healthz and the config at /etc/dcagent/agent.yaml', () => {
    const runtime = stages.at(-1) ?? '';
    const user = runtime.match(/^USER (\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // The script probes /healthz where the config says (test: the container healthcheck, below).
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*dcagent-healthcheck\.js/m);
    expect(runtime).toMatch(/DCAGENT_CONFIG=\/etc\/dcagent\/agent\.yaml/);
    // The ENTRYPOINT (the launcher itself, decision 0013) is held by test/unit/agent/node-flags.test.ts;
    // a launcher without its exec bit would not start.
    expect(runtime).toMatch(/^COPY --chmod=0755 bin \.\/bin$/m);
    expect(runtime).toMatch(/EXPOSE 9464/);
  });

  it('builds and runs on the current Node LTS (22), while engines still allows Node 20.19', () => {
    for (const stage of stages) expect(stage).toMatch(/^node:22-/);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('makes /etc/dcagent and /var/lib/dcagent for node, and its HEALTHCHECK hard-codes no port', () => {
    const runtime = (stages.at(-1) ?? '').replace(/\\\n\s*/g, ' ');
    expect(runtime).toMatch(/mkdir -p [^&\n]*\/etc\/dcagent/);
    expect(runtime).toMatch(/chown -R node:node [^&\n]*\/etc\/dcagent/);
    const health = runtime.match(/^HEALTHCHECK .*$/m)?.[0] ?? '';
    expect(health).toContain('/app/bin/dcagent-healthcheck.js');
    expect(health).not.toMatch(/9464/);
  });

  it('copies every source folder the build needs', () => {
    const tsconfig = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[] };
    for (const dir of tsconfig.include) expect(stages[0]).toContain(`COPY ${dir} ./${dir}`);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: string;
        command?: string[];
        environment?: Record<string, string>;
        volumes?: string[];
        depends_on?: Record<string, unknown>;
      }
    >;
  };

  it('has Redis, the lab and two agent replicas', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent-1', 'agent-2', 'lab', 'redis']);
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    expect(compose.services.redis?.command?.join(' ')).toContain('noeviction');
    expect(compose.services.lab?.command?.[0]).toBe('lab');
  });

  it('the replicas share the lab-written config and differ in agent id', () => {
    const a1 = compose.services['agent-1'];
    const a2 = compose.services['agent-2'];
    for (const a of [a1, a2]) {
      expect(a?.command).toEqual(['run']);
      expect(a?.volumes?.some((v) => v.endsWith(':/etc/dcagent:ro'))).toBe(true);
      expect(a?.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(Object.keys(a?.depends_on ?? {}).sort()).toEqual(['lab', 'redis']);
    }
    expect(a1?.environment?.DCAGENT_AGENT_ID).not.toBe(a2?.environment?.DCAGENT_AGENT_ID);
    // Each replica's outbox spill on a volume of its own (the image's working directory).
    const data = [a1, a2].map((a) => a?.volumes?.find((v) => v.endsWith(':/var/lib/dcagent'))?.split(':')[0]);
    expect(data.every(Boolean)).toBe(true);
    expect(new Set(data).size).toBe(2);
    expect(compose.services.lab?.command).toContain('--agent-http-host=0.0.0.0');
    expect(compose.services.lab?.command).toContain('--config-out=/etc/dcagent/agent.yaml');
  });
});

describe('monitoring assets', () => {
  const exported = new Set(exportedNames(createMetrics()));
  // Histograms expose _bucket/_sum/_count series under their base name.
  const known = (name: string) =>
    exported.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, ''));
  const metricNames = (text: string) => [...new Set(text.match(/dcagent_[a-z_]+/g) ?? [])];

  it('exports every series CONTRACT §8 names', () => {
    for (const name of [
      'dcagent_port_rx_dbm',
      'dcagent_port_tx_dbm',
      'dcagent_port_oper_up',
      'dcagent_port_healthy',
      'dcagent_jobs_total',
      'dcagent_job_duration_seconds',
      'dcagent_poll_duration_seconds',
      'dcagent_poll_failures_total',
      'dcagent_events_published_total',
      'dcagent_outbox_depth',
      'dcagent_connection_state',
      'dcagent_port_rx_threshold_dbm',
      'dcagent_port_tx_threshold_dbm',
      'dcagent_port_optic_present',
      'dcagent_port_rx_dark',
      'dcagent_build_info',
    ]) {
      expect(exported.has(name), name).toBe(true);
    }
  });

  it('the Grafana dashboard is valid JSON and uses only exported metrics', () => {
    const text = readFileSync('docs/monitoring/grafana-dashboard.json', 'utf8');
    const dash = JSON.parse(text) as { panels: { targets: { expr: string }[] }[] };
    expect(dash.panels.length).toBeGreaterThanOrEqual(6);
    const used = metricNames(text);
    expect(used).toEqual(
      expect.arrayContaining(['dcagent_port_rx_dbm', 'dcagent_outbox_depth', 'dcagent_jobs_total']),
    );
    for (const name of used) expect(known(name), name).toBe(true);
  });

  it("the dashboard's optics bands come from the exported thresholds, not fixed dBm steps", () => {
    const dash = JSON.parse(readFileSync('docs/monitoring/grafana-dashboard.json', 'utf8')) as {
      panels: {
        title: string;
        targets: { expr: string }[];
        fieldConfig: { defaults: { thresholds?: unknown } };
      }[];
    };
    for (const k of ['rx', 'tx']) {
      const panel = dash.panels.find((p) =>
        p.targets.some((t) => t.expr.startsWith(`dcagent_port_${k}_dbm`)),
      );
      expect(panel, k).toBeDefined();
      expect(panel?.targets.some((t) => t.expr.startsWith(`dcagent_port_${k}_threshold_dbm`))).toBe(true);
      expect(panel?.fieldConfig.defaults.thresholds).toBeUndefined();
    }
  });

  it('the alert rules parse and use only exported metrics', () => {
    const text = readFileSync('docs/monitoring/alerts.yml', 'utf8');
    const rules = parse(text) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'DcagentRxLow',
        'DcagentPortUnhealthy',
        'DcagentJobsStuck',
        'DcagentOutboxGrowing',
      ]),
    );
    for (const name of metricNames(text)) expect(known(name), name).toBe(true);
  });
});

describe('the container healthcheck', () => {
  it('dials loopback for a wildcard listen address and the configured port', () => {
    expect(healthUrl({ agent: { httpHost: '0.0.0.0', httpPort: 9500 } } as never)).toBe(
      'http://127.0.0.1:9500/healthz',
    );
    expect(healthUrl({ agent: { httpHost: '::', httpPort: 1 } } as never)).toBe('http://[::1]:1/healthz');
    expect(healthUrl({ agent: { httpHost: '10.0.0.5', httpPort: 9464 } } as never)).toBe(
      'http://10.0.0.5:9464/healthz',
    );
  });
});
