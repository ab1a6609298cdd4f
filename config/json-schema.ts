import { z } from 'zod';
import { portablePatterns } from '../contract/json-schema.js';
import { configSchema } from './schema.js';

export const CONFIG_SCHEMA_FILE = 'config.schema.json';

/**
 * The configuration file as JSON Schema (draft 2020-12), for editors: the example config names it
 * in a `yaml-language-server` modeline, so keys are checked while typing. It describes what the
 * file may hold (the input side: every key with a default is optional); the cross-field rules
 * (exactly one of …Env/…File, a netconf block for NETCONF platforms) stay with the loader.
 */
export function configJsonSchema(): Record<string, unknown> {
  // The same portable patterns as the contract's schemas, so any consumer's regex engine agrees.
  const schema = portablePatterns(
    z.toJSONSchema(configSchema, {
      target: 'draft-2020-12',
      unrepresentable: 'any',
      io: 'input',
    }),
  ) as Record<string, unknown>;
  // agent.id defaults to this host's name; a schema file must not carry one machine's name.
  const agent = (
    schema.properties as Record<string, { properties?: Record<string, Record<string, unknown>> }>
  ).agent;
  if (agent?.properties?.id) delete agent.properties.id.default;
  return {
    ...schema,
    title: 'dcagent configuration file (config/agent.yaml)',
  };
}
