import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: madge ships no type declarations
import madge from 'madge';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { cyclicGroups, folderGraph } from '../../../scripts/import-cycles.mjs';

describe('the import-cycle check behind npm run lint', () => {
  it('finds folders that import each other through any files, and passes a one-way tree', () => {
    const cyclic = folderGraph({
      'jobs/queue.ts': ['jobs/handlers/index.ts'],
      'jobs/handlers/index.ts': ['jobs/intent.ts'],
      'jobs/intent.ts': [],
      'agent/app.ts': ['jobs/queue.ts'],
    });
    expect(cyclicGroups(cyclic)).toEqual([['jobs', 'jobs/handlers']]);
    const oneWay = folderGraph({
      'jobs/pipeline/queue.ts': ['jobs/handlers/index.ts'],
      'jobs/handlers/index.ts': ['jobs/intent.ts'],
      'jobs/intent.ts': [],
    });
    expect(cyclicGroups(oneWay)).toEqual([]);
  });

  it('madge sees a file cycle in TypeScript sources, type-only imports included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcagent-cycles-'));
    try {
      mkdirSync(join(dir, 'a'));
      writeFileSync(join(dir, 'a', 'x.ts'), "import type { Y } from './y.js';\nexport type X = Y | 1;\n");
      writeFileSync(join(dir, 'a', 'y.ts'), "import type { X } from './x.js';\nexport type Y = X | 2;\n");
      const result = await madge(dir, { fileExtensions: ['ts'] });
      expect(result.circular()).toEqual([['a/x.ts', 'a/y.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
