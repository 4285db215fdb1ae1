import type { Input } from './intents';
import { words } from './normalize';
import { campaignOptedIn, campaignOptedOut } from './texts';
import type { StepWork } from './step-work';

// Campaign opt-out (SPEC §13): a student who writes exactly STOP or unsubscribe gets no campaign
// messages until they write START. Read in every state but a chat, before the state's own handling:
// in a free-text step "stop" is no one's name, homework or email, and the step goes on where it was.
// In a chat every message is the agent's (SPEC §5), so "stop" there reaches the agent and opts out of
// nothing. START without an opt-out is what it always was (the main menu).

const STOP = ['stop', 'unsubscribe'];
const START = 'start';

/** The whole message, as its words: "STOP", " stop! " and "Unsubscribe." all read alike. */
const whole = (input: Input): string | undefined => (input.kind === 'text' ? words(input.norm).join(' ') : undefined);

/** Handles STOP and START; returns whether the message was one of them (and was answered). */
export function handleOptOut(work: StepWork, input: Input): boolean {
  const said = whole(input);
  if (said === undefined) return false;
  const { state, ctx } = work;
  if (STOP.includes(said)) {
    // A second STOP keeps the first time: the opt-out has been in force since then.
    state.campaignOptOut ??= { since: ctx.now };
    work.emit({ type: 'campaignOptOut', optedOut: true, at: state.campaignOptOut.since });
    work.send(campaignOptedOut(work.settings.botName));
    return true;
  }
  if (said === START && state.campaignOptOut !== undefined) {
    delete state.campaignOptOut;
    work.emit({ type: 'campaignOptOut', optedOut: false, at: ctx.now });
    work.send(campaignOptedIn(work.settings.botName));
    return true;
  }
  return false;
}
