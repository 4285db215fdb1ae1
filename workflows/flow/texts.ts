import type { ConversationSettings, OutboundContent } from '../types';

// Every message the bot writes, built in one place so a test can walk them all against WhatsApp's limits.

export function welcomeMessage(settings: ConversationSettings): OutboundContent {
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
