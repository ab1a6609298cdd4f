import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_FILE } from '../../../config/json-schema.js';
import { contractJsonSchemas, renderJsonSchema } from '../../../contract/json-schema.js';

const DIR = resolve('docs/schema');

describe('exported JSON Schema (docs/schema)', () => {
  const generated = contractJsonSchemas();

  it('has exactly the generated files (and the config file schema, tested in test/unit/config)', () => {
    const onDisk = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(onDisk).toEqual([...Object.keys(generated), CONFIG_SCHEMA_FILE].sort());
  });

  it.each(Object.keys(generated).map((n) => [n]))(
    '%s matches the zod schema (run `npm run schema:export` if not)',
    (name) => {
      expect(readFileSync(join(DIR, name), 'utf8')).toBe(renderJsonSchema(generated[name]));
    },
  );
});
