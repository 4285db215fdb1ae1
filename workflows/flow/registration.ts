import type { Input } from './intents';
import { showMenu } from './menu';
import type { Profile } from '../../domain/conversation';
import { askClass, askEmail, askName, NOTES, PROBLEMS } from './texts';
import type { StepWork } from './step-work';
import { parseClassName, parseEmail, parseName } from './validate';

// Registration and profile update: name → email → class, then the student is saved. An update
// walks the same steps showing the current values; `skip` keeps one.

/** Starts registration, or a profile update when `updating` and a profile exists. */
export function startRegistration(work: StepWork, updating: boolean): void {
  const profile = updating ? work.state.profile : undefined;
  work.state.draft = { updating: profile !== undefined };
  work.moveTo('REGISTERING_NAME');
  work.send(askName(profile?.fullName));
}

const isSkip = (input: Input): boolean => input.kind === 'text' && input.norm === 'skip';

/** One answer in a REGISTERING_* state. Returns false for a tap, which the caller routes as a command. */
export function handleRegistration(work: StepWork, input: Input): boolean {
  if (input.kind === 'tap') return false;
  const { state } = work;
  const draft = (state.draft ??= { updating: false });
  const current = draft.updating ? state.profile : undefined;
  const raw = input.kind === 'text' ? input.raw : undefined;

  switch (state.name) {
    case 'REGISTERING_NAME': {
      const name = isSkip(input) ? current?.fullName : raw === undefined ? undefined : parseName(raw);
      if (name === undefined) {
        const problem = raw === undefined ? PROBLEMS.typeIt : isSkip(input) ? PROBLEMS.nameNeeded : PROBLEMS.name;
        work.send(askName(current?.fullName, problem));
        return true;
      }
      draft.fullName = name;
      work.moveTo('REGISTERING_EMAIL');
      work.send(askEmail(current?.email));
      return true;
    }
    case 'REGISTERING_EMAIL': {
      const email = isSkip(input) ? current?.email : raw === undefined ? undefined : parseEmail(raw);
      if (email === undefined) {
        work.send(askEmail(current?.email, raw === undefined ? PROBLEMS.typeIt : PROBLEMS.email));
        return true;
      }
      draft.email = email;
      work.moveTo('REGISTERING_CLASS');
      work.send(askClass(current?.className));
      return true;
    }
    default: {
      const className = isSkip(input) ? current?.className : raw === undefined ? undefined : parseClassName(raw);
      if (className === undefined) {
        work.send(askClass(current?.className, raw === undefined ? PROBLEMS.typeIt : PROBLEMS.className));
        return true;
      }
      // A draft that lost a field (it cannot, but the state is data) falls back to the saved value.
      const fullName = draft.fullName ?? current?.fullName;
      const email = draft.email ?? current?.email;
      if (fullName === undefined || email === undefined) {
        startRegistration(work, draft.updating);
        return true;
      }
      saveProfile(work, { fullName, email, className }, draft.updating);
      return true;
    }
  }
}

function saveProfile(work: StepWork, profile: Profile, updating: boolean): void {
  const { state } = work;
  state.profile = profile;
  state.registered = true;
  delete state.draft;
  work.emit({ type: 'saveProfile', profile });
  showMenu(work, updating ? NOTES.profileUpdated : NOTES.registered(profile));
}
