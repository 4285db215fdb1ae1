import { restingName } from './menu';
import { registerFirst, statusMessage } from './texts';
import type { Turn } from './turn';

/** The student's real profile, subscription and homework count, from the state the flow keeps. */
export function showStatus(turn: Turn): void {
  const { state } = turn;
  turn.moveTo(restingName(state));
  if (!state.registered || state.profile === undefined) {
    turn.send(registerFirst('see your status'));
    return;
  }
  const pendingReference = state.payment?.reference;
  turn.send(
    statusMessage({
      profile: state.profile,
      now: turn.ctx.now,
      homeworkCount: state.homeworkCount,
      ...(state.subscriptionActiveUntil === undefined ? {} : { activeUntil: state.subscriptionActiveUntil }),
      ...(pendingReference === undefined ? {} : { pendingReference }),
    }),
  );
}
