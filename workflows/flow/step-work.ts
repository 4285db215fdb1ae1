import type { OutboundContent } from '../../domain/types';
import type { FlowContext, StepResult } from './context';
import type { Effect } from '../../domain/effects';
import { idFromCause } from './ids';
import type { StateName, TimerName } from '../../domain/conversation';
import type { FlowState } from './state';

/**
 * The working copy of one step: a private deep copy of the state that the flow modules change in
 * place, and the effects they ask for, in order. The caller's state object is never touched. (The
 * "turn" of activities/turn.ts is something else: the one activity that carries out steps' effects.)
 */
export class StepWork {
  readonly state: FlowState;
  readonly effects: Effect[] = [];
  private ids = 0;

  constructor(
    original: FlowState,
    readonly ctx: FlowContext,
  ) {
    // A JSON copy: the state is plain JSON by contract, and this also drops `undefined` fields, so what
    // the flow returns is exactly what survives continue-as-new.
    this.state = JSON.parse(JSON.stringify(original)) as FlowState;
  }

  get settings(): FlowContext['settings'] {
    return this.ctx.settings;
  }

  moveTo(name: StateName): void {
    this.state.name = name;
  }

  send(content: OutboundContent, agent?: string): void {
    this.effects.push(agent === undefined ? { type: 'send', content } : { type: 'send', content, agent });
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  /** A new id for a reference, a session key or a timer token, from the event's cause. */
  newId(): string {
    return idFromCause(this.ctx.cause, ++this.ids);
  }

  /** Starts or restarts a timer under a fresh token, so a firing of its previous run is recognised as stale. */
  startTimer(timer: TimerName, delayMs: number): void {
    const token = `${timer}-${this.newId()}`;
    this.state.timers[timer] = token;
    this.emit({ type: 'startTimer', timer, token, delayMs });
  }

  /** Cancels a timer if it is running; a timer that is not running needs no effect. */
  cancelTimer(timer: TimerName): void {
    if (this.state.timers[timer] === undefined) return;
    delete this.state.timers[timer];
    this.emit({ type: 'cancelTimer', timer });
  }

  result(): StepResult {
    return { state: this.state, effects: this.effects };
  }
}
