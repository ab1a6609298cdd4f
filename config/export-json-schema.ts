import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderJsonSchema } from '../contract/json-schema.js';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from './json-schema.js';

// Part of `npm run schema:export`, beside the contract's schemas (config sits above contract).
const dir = resolve(process.argv[2] ?? 'docs/schema');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, CONFIG_SCHEMA_FILE), renderJsonSchema(configJsonSchema()));
process.stdout.write(`wrote ${join(dir, CONFIG_SCHEMA_FILE)}\n`);
