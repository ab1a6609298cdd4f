import { EventEmitter } from 'node:events';
import { LifecycleError } from '../core/errors.js';

/** The agent process's own states (not a connection's): starting → running → draining → stopped. */
export const AGENT_STATES = ['starting', 'running', 'draining', 'stopped'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

const NEXT: Readonly<Record<AgentState, readonly AgentState[]>> = {
  starting: ['running', 'draining', 'stopped'],
  running: ['draining'],
  draining: ['stopped'],
  stopped: [],
};

export class AgentLifecycle extends EventEmitter<{ change: [AgentState, AgentState] }> {
  #state: AgentState = 'starting';

  get state(): AgentState {
    return this.#state;
  }

  to(next: AgentState): void {
    if (!NEXT[this.#state].includes(next))
      throw new LifecycleError(`agent cannot go from ${this.#state} to ${next}`);
    const prev = this.#state;
    this.#state = next;
    this.emit('change', prev, next);
  }
}
