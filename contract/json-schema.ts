import { z } from 'zod';
import { EVENT_DATA_SCHEMAS, eventSchema } from './events.js';
import { deprovisionJobSchema, provisionJobSchema } from './jobs.js';

/**
 * The contract as JSON Schema (draft 2020-12) for consumers that do not run TypeScript. The
 * files under docs/schema/ are generated from the zod schemas; a test fails when they drift.
 */
export function contractJsonSchemas(): Record<string, unknown> {
  const gen = (schema: z.ZodType, title: string) => ({
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }),
    title,
  });
  const out: Record<string, unknown> = {
    'job.provision.schema.json': gen(provisionJobSchema, 'dcagent provision job data (schemaVersion 1)'),
    'job.deprovision.schema.json': gen(
      deprovisionJobSchema,
      'dcagent deprovision job data (schemaVersion 1)',
    ),
    'event.schema.json': gen(eventSchema, 'dcagent status event (CloudEvents 1.0 envelope)'),
  };
  for (const [type, schema] of Object.entries(EVENT_DATA_SCHEMAS)) {
    out[`event-data.${type}.schema.json`] = gen(schema, `data of ${type}`);
  }
  return out;
}

/** Serialised exactly as written to disk, so the drift test compares bytes. */
export function renderJsonSchema(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
