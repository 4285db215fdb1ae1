import { checkOutboundLimits } from '../../../src/whatsapp/outbound';
import { welcomeOnlyStep } from '../../../workflows/flow/welcome-only';
import type { InboundContent, InboundMessage } from '../../../domain/types';

// The behaviour runs started before the full flow still replay with: it must not change.

const settings = { botName: 'EduBot' };
const initial = { name: 'INITIAL' as const, registered: false };
const message = (content: InboundContent): InboundMessage => ({
  waMessageId: 'wamid.1',
  sender: { phone: '15550002222' },
  sentAt: 1_788_000_000_000,
  receivedAt: 1_788_000_000_500,
  content,
});

describe('welcomeOnlyStep', () => {
  it('welcomes a first message with Register, FAQ and Chat Support and rests in IDLE', () => {
    const result = welcomeOnlyStep(initial, message({ kind: 'text', text: 'hi' }), settings);
    expect(result.state.name).toBe('IDLE');
    expect(result.replies).toHaveLength(1);
    const [reply] = result.replies;
    if (reply?.kind !== 'buttons') throw new Error('expected buttons');
    expect(reply.body).toContain('Welcome to EduBot');
    expect(reply.buttons.map((b) => b.id)).toEqual(['register', 'faq', 'support']);
    expect(checkOutboundLimits(reply)).toEqual([]);
  });

  it('uses the configured bot name', () => {
    const [reply] = welcomeOnlyStep(initial, message({ kind: 'text', text: 'hi' }), { botName: 'StudyPal' }).replies;
    expect(reply?.kind === 'buttons' && reply.body).toContain('Welcome to StudyPal');
  });

  it('stores a reaction without answering it', () => {
    const state = { name: 'IDLE' as const, registered: false };
    expect(welcomeOnlyStep(state, message({ kind: 'reaction', messageId: 'wamid.x', emoji: '👍' }), settings)).toEqual({
      state,
      replies: [],
    });
  });

  it('answers media, locations and unsupported messages instead of dropping them', () => {
    const contents: InboundContent[] = [
      { kind: 'media', mediaType: 'image', mediaId: '1' },
      { kind: 'location', latitude: 1, longitude: 2 },
      { kind: 'other', type: 'unsupported', summary: 'unsupported: edit' },
    ];
    for (const content of contents)
      expect(welcomeOnlyStep(initial, message(content), settings).replies).toHaveLength(1);
  });
});
