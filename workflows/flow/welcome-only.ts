import type { ConversationSettings, InboundMessage, OutboundContent } from '../../domain/types';
import type { StateName } from './state';

// The first behaviour the conversation workflow shipped with: every message but a reaction gets the
// welcome. Kept, unchanged, for runs that started before the full flow: the workflow picks it when
// `patched()` says the run's history was written by this code, so those histories still replay.

export interface WelcomeOnlyState {
  name: StateName;
  registered: boolean;
}

export interface WelcomeOnlyResult {
  state: WelcomeOnlyState;
  replies: OutboundContent[];
}

export function welcomeOnlyStep(
  state: WelcomeOnlyState,
  message: InboundMessage,
  settings: Pick<ConversationSettings, 'botName'>,
): WelcomeOnlyResult {
  const { content } = message;
  // A reaction is a feeling about a message we sent, not a request: store it, answer nothing.
  if (content.kind === 'reaction') return { state, replies: [] };
  return {
    state: { ...state, name: state.registered ? 'REGISTERED' : 'IDLE' },
    replies: [welcome(settings)],
  };
}

function welcome(settings: Pick<ConversationSettings, 'botName'>): OutboundContent {
  return {
    kind: 'buttons',
    body:
      `Welcome to ${settings.botName}! 👋\n\n` +
      'I can register you, take your homework, handle your subscription and connect you with our support team.',
    buttons: [
      { id: 'register', title: '📝 Register' },
      { id: 'faq', title: '❓ FAQ' },
      { id: 'support', title: '💬 Chat Support' },
    ],
  };
}
