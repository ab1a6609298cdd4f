import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * The agent's version, from its own package.json. The file is found by walking up from this
 * module, because the compiled copy (dist/core) sits one level deeper than the source (core).
 */
export function agentVersion(): string {
  if (cached !== undefined) return cached;
  let dir = import.meta.dirname;
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'dcagent' && typeof pkg.version === 'string') {
        cached = pkg.version;
        return cached;
      }
    } catch {
      // No package.json at this level: keep climbing.
    }
    dir = dirname(dir);
  }
  cached = 'unknown';
  return cached;
}
