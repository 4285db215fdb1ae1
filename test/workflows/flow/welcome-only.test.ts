import { checkOutboundLimits } from '../../../src/whatsapp/outbound';
import { initialFlowState } from '../../../workflows/flow/state';
import { step } from '../../../workflows/flow/step';
import type { InboundContent, InboundMessage } from '../../../workflows/types';

const settings = { botName: 'EduBot' };
const message = (content: InboundContent): InboundMessage => ({
  waMessageId: 'wamid.1',
  from: '15550002222',
  sentAt: 1_788_000_000_000,
  receivedAt: 1_788_000_000_500,
  content,
});

describe('step', () => {
  it('welcomes a first message with Register, FAQ and Chat Support and rests in IDLE', () => {
    const result = step(initialFlowState(), { type: 'inbound', message: message({ kind: 'text', text: 'hi' }) }, settings);
    expect(result.state.name).toBe('IDLE');
    expect(result.effects).toHaveLength(1);
    const [effect] = result.effects;
    expect(effect!.content).toMatchObject({ kind: 'buttons' });
    if (effect!.content.kind !== 'buttons') throw new Error('expected buttons');
    expect(effect!.content.body).toContain('Welcome to EduBot');
    expect(effect!.content.buttons.map((b) => b.id)).toEqual(['register', 'faq', 'support']);
    expect(checkOutboundLimits(effect!.content)).toEqual([]);
  });

  it('uses the configured bot name', () => {
    const result = step(initialFlowState(), { type: 'inbound', message: message({ kind: 'text', text: 'hi' }) }, { botName: 'StudyPal' });
    expect(result.effects[0]!.content.kind === 'buttons' && result.effects[0]!.content.body).toContain('Welcome to StudyPal');
  });

  it('stores a reaction without answering it', () => {
    const state = { name: 'IDLE' as const, registered: false };
    const result = step(state, { type: 'inbound', message: message({ kind: 'reaction', messageId: 'wamid.x', emoji: '👍' }) }, settings);
    expect(result).toEqual({ state, effects: [] });
  });

  it('answers media, locations and unsupported messages instead of dropping them', () => {
    const contents: InboundContent[] = [
      { kind: 'media', mediaType: 'image', mediaId: '1' },
      { kind: 'location', latitude: 1, longitude: 2 },
      { kind: 'other', type: 'unsupported', summary: 'unsupported: edit' },
    ];
    for (const content of contents) {
      expect(step(initialFlowState(), { type: 'inbound', message: message(content) }, settings).effects).toHaveLength(1);
    }
  });
});
