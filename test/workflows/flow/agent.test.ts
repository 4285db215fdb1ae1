import { CUSTOMER_SERVICE_WINDOW_MS } from '../../../domain/whatsapp-limits';
import { agentEvent, agentResult, outsideWindow } from '../../../workflows/flow/agent';
import type { AgentCommand } from '../../../workflows/messages';

const NOW = 1_800_000_000_000;
const command = (action: AgentCommand['action'], message?: string): AgentCommand => ({
  action,
  agent: 'Ada',
  requestId: `r-${action}`,
  ...(message !== undefined ? { message } : {}),
});

describe('the 24-hour window', () => {
  it('refuses a start or a send once the user last wrote more than 24 hours ago, or never', () => {
    for (const action of ['start', 'send'] as const) {
      expect(outsideWindow(command(action), NOW - CUSTOMER_SERVICE_WINDOW_MS, NOW)).toBeUndefined();
      expect(outsideWindow(command(action), NOW - CUSTOMER_SERVICE_WINDOW_MS - 1, NOW)).toMatchObject({
        ok: false,
        code: 'outside_customer_service_window',
      });
      expect(outsideWindow(command(action), undefined, NOW)).toMatchObject({ code: 'outside_customer_service_window' });
    }
  });

  it('lets an end through: the chat closes even if its closing line cannot be delivered', () => {
    expect(outsideWindow(command('end'), undefined, NOW)).toBeUndefined();
  });
});

describe("an agent's answer", () => {
  it('reports a refused text for every action, with the state a start or an end left behind', () => {
    const refused = { agentFailure: { code: 131026 } };
    expect(agentResult(command('send', 'hi'), refused, 'CHAT_SUPPORT_ACTIVE', NOW)).toEqual({
      ok: false,
      code: 'whatsapp_rejected',
      message: 'WhatsApp refused the message',
      whatsappCode: 131026,
    });
    expect(agentResult(command('start', 'hi'), refused, 'CHAT_SUPPORT_ACTIVE', NOW)).toMatchObject({
      code: 'whatsapp_rejected',
      state: 'CHAT_SUPPORT_ACTIVE',
    });
    expect(agentResult(command('end'), refused, 'IDLE', NOW)).toMatchObject({
      code: 'whatsapp_rejected',
      state: 'IDLE',
    });
  });

  it('passes a rejection through and reports a set-aside command as such', () => {
    const rejection = { code: 'not_in_chat_support', message: 'no chat' } as const;
    expect(agentResult(command('send', 'x'), { rejection }, 'IDLE', NOW)).toEqual({ ok: false, ...rejection });
    expect(agentResult(command('send', 'x'), { setAside: true }, 'IDLE', NOW)).toMatchObject({ code: 'set_aside' });
  });

  it('answers a success with the wamid of the text the agent wrote', () => {
    expect(agentResult(command('send', 'x'), { agentWaMessageId: 'wamid.A' }, 'CHAT_SUPPORT_ACTIVE', NOW)).toEqual({
      ok: true,
      state: 'CHAT_SUPPORT_ACTIVE',
      waMessageId: 'wamid.A',
      at: NOW,
    });
  });

  it('turns each command into its flow event', () => {
    expect(agentEvent(command('start', 'hi'))).toEqual({ type: 'agentStart', agent: 'Ada', message: 'hi' });
    expect(agentEvent(command('send'))).toEqual({ type: 'agentSend', agent: 'Ada', message: '' });
    expect(agentEvent(command('end'))).toEqual({ type: 'agentEnd', agent: 'Ada', message: undefined });
  });
});
