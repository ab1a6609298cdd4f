import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../config/load.js';
import { ConfigError } from '../../../core/errors.js';

describe('DCAGENT_HTTP_PORT', () => {
  it('overrides agent.httpPort, so replicas sharing one file can each serve their own port', () => {
    expect(
      buildConfig({ agent: { httpPort: 9464 } }, { env: { DCAGENT_HTTP_PORT: '9465' } }).agent.httpPort,
    ).toBe(9465);
    expect(buildConfig({ agent: { httpPort: 9464 } }, { env: {} }).agent.httpPort).toBe(9464);
    expect(buildConfig({}, { env: { DCAGENT_HTTP_PORT: '0' } }).agent.httpPort).toBe(0);
  });

  it.each(['', 'abc', '-1', '65536', '9464x', '1e3'])(
    'refuses %j with one issue naming the variable',
    (v) => {
      let err: unknown;
      try {
        buildConfig({}, { env: { DCAGENT_HTTP_PORT: v } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['DCAGENT_HTTP_PORT']);
    },
  );
});
