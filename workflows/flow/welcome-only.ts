import type { ConversationSettings, InboundMessage } from '../types';
import type { Effect } from './effects';
import type { FlowState } from './state';
import { welcomeMessage } from './texts';

// The conversation's behaviour as a pure function: (state, event) → (new state, effects).
// No I/O and no Temporal imports, so it is tested directly and replays deterministically.

export type FlowEvent = { type: 'inbound'; message: InboundMessage };

export interface StepResult {
  state: FlowState;
  effects: Effect[];
}

export function step(state: FlowState, event: FlowEvent, settings: ConversationSettings): StepResult {
  const { content } = event.message;
  // A reaction is a feeling about a message we sent, not a request: store it, answer nothing.
  if (content.kind === 'reaction') return { state, effects: [] };
  return {
    state: { ...state, name: state.registered ? 'REGISTERED' : 'IDLE' },
    effects: [{ type: 'send', content: welcomeMessage(settings) }],
  };
}
