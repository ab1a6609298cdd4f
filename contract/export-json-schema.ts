import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { contractJsonSchemas, renderJsonSchema } from './json-schema.js';

// Run as `npm run schema:export` after changing the contract; the drift test tells you when to.
const dir = resolve(process.argv[2] ?? 'docs/schema');
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(contractJsonSchemas())) {
  writeFileSync(join(dir, name), renderJsonSchema(schema));
  process.stdout.write(`wrote ${join(dir, name)}\n`);
}
