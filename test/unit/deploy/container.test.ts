import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../../agent/metrics.js';

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

  it('runs node dist as a non-root user, with a HEALTHCHECK on /healthz and the config at /etc/dcagent/agent.yaml', () => {
    const runtime = stages.at(-1) ?? '';
    const user = runtime.match(/^USER (\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/DCAGENT_CONFIG=\/etc\/dcagent\/agent\.yaml/);
    expect(runtime).toMatch(/ENTRYPOINT \["node", "\/app\/bin\/dcagent\.js"\]/);
    expect(runtime).toMatch(/EXPOSE 9464/);
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
    expect(compose.services.lab?.command).toContain('--config-out=/etc/dcagent/agent.yaml');
  });
});

describe('monitoring assets', () => {
  const exported = new Set(
    createMetrics()
      .registry.getMetricsAsArray()
      .map((m) => m.name),
  );
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
