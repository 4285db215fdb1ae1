import { restingName } from './menu';
import { registerFirst, statusMessage } from './texts';
import type { StepWork } from './step-work';

/** The student's real profile, subscription and homework count, from the state the flow keeps. */
export function showStatus(work: StepWork): void {
  const { state } = work;
  work.moveTo(restingName(state));
  if (!state.registered || state.profile === undefined) {
    work.send(registerFirst('see your status'));
    return;
  }
  const pendingReference = state.payment?.reference;
  work.send(
    statusMessage({
      profile: state.profile,
      now: work.ctx.now,
      homeworkCount: state.homeworkCount,
      ...(state.subscriptionActiveUntil === undefined ? {} : { activeUntil: state.subscriptionActiveUntil }),
      ...(pendingReference === undefined ? {} : { pendingReference }),
    }),
  );
}
