import { describe, expect, it } from 'vitest';
import { PLATFORM_KINDS, PLATFORMS } from '../../../../contract/port-types.js';
import { ietfInterfacesPlatform } from '../../../../drivers/platforms/ietf-interfaces/index.js';
import {
  PLATFORM_REGISTRY,
  type PlatformRegistry,
  platformEntry,
} from '../../../../drivers/platforms/registry.js';

describe('platform registry', () => {
  it('has one entry per platform, of the kind PLATFORM_KINDS names, carrying that platform by name', () => {
    for (const p of PLATFORMS) {
      const entry = platformEntry(p);
      expect(entry.kind).toBe(PLATFORM_KINDS[p]);
      expect(entry.kind === 'netconf' ? entry.model.name : entry.dialect.name).toBe(p);
    }
    expect(Object.keys(PLATFORM_REGISTRY).sort()).toEqual([...PLATFORMS].sort());
  });

  it('refuses, at compile time, a missing platform or an entry of the wrong kind', () => {
    const { junos: _dropped, ...rest } = PLATFORM_REGISTRY;
    // @ts-expect-error junos has no entry
    const missing: PlatformRegistry = rest;
    const wrongKind: PlatformRegistry = {
      ...PLATFORM_REGISTRY,
      // @ts-expect-error cli-vrp is a CLI platform; a NETCONF model cannot stand in for its dialect
      'cli-vrp': { kind: 'netconf', model: ietfInterfacesPlatform },
    };
    expect(Object.keys(missing)).not.toContain('junos');
    expect(wrongKind['cli-vrp'].kind).toBe('netconf');
  });
});
