import type { AgentConfig } from '../../config/load.js';
import { testConfig } from './device-config.js';

/**
 * Stand-ins for the monitor's unit tests (test/unit/agent/monitor-*.test.ts): one switch `sw1`
 * with a Huawei optics MIB, and a connection store that lists fixed rows and accepts every write.
 */

const FP = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The config of one monitored switch `sw1`; `sections` adds others (`monitoring`, …). */
export function switchConfig(
  ports: readonly string[],
  portType: string,
  sections: Record<string, unknown> = {},
): AgentConfig {
  return testConfig(
    {
      ...sections,
      devices: [
        {
          id: 'sw1',
          platform: 'ietf-interfaces',
          portType,
          ports,
          netconf: { username: 'netops', passwordEnv: 'SW_PASS', hostKey: FP },
          snmp: { version: '2c', communityEnv: 'SW_COMM' },
          optics: 'huawei',
        },
      ],
    },
    { SW_PASS: 'pa55-word-xyz', SW_COMM: 'comm-unity-xyz' },
  );
}

/** A store whose tracked set is `rows()` at version `version()`, and whose writes all land. */
export function storeStub(rows: () => unknown[], version: () => string = () => '1') {
  return {
    version: async () => version(),
    list: async () => rows(),
    saveTracker: async () => 'saved',
    trackerWrite: () => ({ key: 'k', field: 'tracker', value: '{}', onlyIfField: 'record' }),
    add: async () => true,
    remove: async () => {},
  };
}
