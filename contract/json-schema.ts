import { z } from 'zod';
import {
  connectionDetailSchema,
  connectionViewSchema,
  deviceStatusSchema,
  jobDetailSchema,
  jobViewSchema,
  portStatusSchema,
} from './cli-output.js';
import { EVENT_DATA_SCHEMAS, eventSchema } from './events.js';
import { JOB_SCHEMAS } from './jobs.js';

/**
 * The contract as JSON Schema (draft 2020-12) for consumers that do not run TypeScript. The
 * files under docs/schema/ are generated from the zod schemas; a test fails when they drift.
 */
export function contractJsonSchemas(): Record<string, unknown> {
  const gen = (schema: z.ZodType, title: string) => ({
    ...(portablePatterns(
      z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }),
    ) as object),
    title,
  });
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(JOB_SCHEMAS)) {
    out[`job.${name}.schema.json`] = gen(schema, `dcagent ${name} job data (schemaVersion 1)`);
  }
  out['event.schema.json'] = gen(eventSchema, 'dcagent status event (CloudEvents 1.0 envelope)');
  out['cli.jobs.schema.json'] = gen(z.array(jobViewSchema), 'output of dcagent jobs --json');
  out['cli.job.schema.json'] = gen(jobDetailSchema, 'output of dcagent jobs show ID --json');
  out['cli.connections.schema.json'] = gen(
    z.array(connectionViewSchema),
    'output of dcagent connections --json',
  );
  out['cli.connection.schema.json'] = gen(
    connectionDetailSchema,
    'output of dcagent connections show C --json',
  );
  out['cli.status.schema.json'] = gen(
    portStatusSchema,
    'output of dcagent status --device D --port P --json',
  );
  out['cli.device-status.schema.json'] = gen(
    deviceStatusSchema,
    'output of dcagent status --device D --json (every port of the device)',
  );
  for (const [type, schema] of Object.entries(EVENT_DATA_SCHEMAS)) {
    out[`event-data.${type}.schema.json`] = gen(schema, `data of ${type}`);
  }
  return out;
}

/**
 * Makes zod's patterns read the same in every regex engine (JSON Schema's interoperable subset):
 * `\d` becomes `[0-9]` (Python's `\d` also matches other scripts' digits), and a pattern anchored
 * with `$` also refuses a trailing line feed, which Python's `$` lets through (`re.search`).
 */
export function portablePatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(portablePatterns);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = portablePatterns(v);
  const pattern = out.pattern;
  if (typeof pattern === 'string') {
    out.pattern = pattern.replaceAll('\\d', '[0-9]');
    if (pattern.endsWith('$') && out.not === undefined) out.not = { pattern: '\n$' };
  }
  return out;
}

/**
 * Serialised exactly as written to disk, so the drift test compares bytes. Every non-ASCII
 * character is written as a JSON `\\u` escape, so the files are plain ASCII and the invisible
 * characters in patterns can be read.
 */
export function renderJsonSchema(schema: unknown): string {
  const text = JSON.stringify(schema, null, 2).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${text}\n`;
}
