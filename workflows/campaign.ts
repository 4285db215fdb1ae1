import * as wf from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  campaignControlUpdate,
  campaignStatusQuery,
  type CampaignAction,
  type CampaignControlResult,
  type CampaignRunStatus,
} from './campaign-messages';

// One workflow per campaign (SPEC §13): waits for its start, takes the audience snapshot, then sends
// slice by slice (activities/campaign.ts paces each second within the rate and WHATSAPP_MPS), backs
// off exponentially on 130429, stops for the day at the daily cap and goes on the next day, and can be
// paused, resumed and cancelled. Its progress lives in Postgres (each recipient's row), so a run that
// continues as new, or a worker that dies, resumes from the rows.

export interface CampaignInput {
  campaignId: string;
  /** Epoch ms of the start. */
  startAt: number;
  /** WHATSAPP_MPS when the campaign was created. */
  mps: number;
  dailyCap?: number;
  /** The length of a "day" for the daily cap (tests shorten it); 24 h. */
  dayMs?: number;
  /** Seconds of sending per activity call; 2. */
  sliceSeconds?: number;
  /** Continue as new after this many recipients' outcomes in one run; 2,000. */
  recipientsPerRun?: number;
  /** Carried over continue-as-new. */
  carried?: CampaignCarried;
}

export interface CampaignCarried {
  status: CampaignRunStatus;
  started: boolean;
  dayStartedAt?: number;
  sentToday: number;
  backoffMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_BACKOFF_MS = 60_000;
const FIRST_BACKOFF_MS = 1_000;
/** The longest a wait lasts before the run looks at its Worker Deployment version again. */
const LONGEST_WAIT_MS = 60 * 60 * 1000;

const acts = wf.proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const slices = wf.proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignRunStatus> {
  const { campaignId } = input;
  const state: CampaignCarried = input.carried ?? { status: 'scheduled', started: false, sentToday: 0, backoffMs: 0 };
  const dayMs = input.dayMs ?? DAY_MS;
  let sliceRunning = false;
  let outcomesThisRun = 0;
  const finished = () => state.status === 'done' || state.status === 'cancelled';

  wf.setHandler(campaignStatusQuery, () => state.status);
  wf.setHandler(
    campaignControlUpdate,
    async (action: CampaignAction): Promise<CampaignControlResult> => {
      const next = transition(state.status, action, state.started);
      if (next === undefined) return { status: state.status, changed: false };
      state.status = next;
      // Nothing is sent after the answer: the slice in flight ends first.
      await wf.condition(() => !sliceRunning);
      if (state.status !== next) return { status: state.status, changed: false };
      await acts.setCampaignStatus({ campaignId, status: next });
      return { status: next, changed: true };
    },
    { validator: (action) => void validateAction(action) },
  );

  const versionChanged = () => wf.workflowInfo().targetWorkerDeploymentVersionChanged;
  const waitUnless = (until: () => boolean, ms: number) =>
    wf.condition(until, Math.min(Math.max(ms, 1), LONGEST_WAIT_MS));

  // The start: a cancel meanwhile ends the run; a pause holds it at the start.
  while (!state.started && !finished()) {
    const wait = input.startAt - Date.now();
    if (wait > 0) {
      await waitUnless(finished, wait);
      continue;
    }
    if (state.status === 'paused') {
      await wf.condition(() => state.status !== 'paused');
      continue;
    }
    await acts.startCampaign({ campaignId });
    state.started = true;
    state.status = 'running';
  }

  while (!finished()) {
    if (state.status === 'paused') {
      await wf.condition(() => state.status !== 'paused');
      continue;
    }
    // The daily cap: a new day starts a new count.
    const now = Date.now();
    if (state.dayStartedAt === undefined || now >= state.dayStartedAt + dayMs) {
      state.dayStartedAt = now;
      state.sentToday = 0;
    }
    if (input.dailyCap !== undefined && state.sentToday >= input.dailyCap) {
      await waitUnless(() => state.status !== 'running', state.dayStartedAt + dayMs - now);
      continue;
    }
    sliceRunning = true;
    const slice = await slices
      .runCampaignSlice({
        campaignId,
        mps: input.mps,
        seconds: input.sliceSeconds ?? 2,
        ...(input.dailyCap === undefined ? {} : { maxSends: input.dailyCap - state.sentToday }),
      })
      .finally(() => {
        sliceRunning = false;
      });
    state.sentToday += slice.sent;
    outcomesThisRun += slice.sent + slice.failed + slice.capped + slice.skipped;
    if (slice.stopped === 'missing') {
      state.status = 'cancelled';
      break;
    }
    if (slice.queued === 0 && state.status === 'running') {
      state.status = 'done';
      await acts.setCampaignStatus({ campaignId, status: 'done' });
      break;
    }
    if (slice.stopped === 'template_unavailable' && state.status === 'running') {
      // An admin resumes once the template is approved again.
      state.status = 'paused';
      await acts.setCampaignStatus({ campaignId, status: 'paused' });
      continue;
    }
    if (slice.rateLimited) {
      state.backoffMs = Math.min(Math.max(state.backoffMs * 2, FIRST_BACKOFF_MS), MAX_BACKOFF_MS);
      await waitUnless(() => state.status !== 'running', state.backoffMs);
    } else {
      state.backoffMs = 0;
      const idle = slice.sent + slice.failed + slice.capped + slice.skipped + slice.retryLater === 0;
      // Everything left waits (a pair-rate retry, a lease): sleep until the first is due.
      if (idle) await waitUnless(() => state.status !== 'running', slice.nextDueInMs ?? 1_000);
    }
    if (
      outcomesThisRun >= (input.recipientsPerRun ?? 2_000) ||
      wf.workflowInfo().continueAsNewSuggested ||
      versionChanged()
    ) {
      await wf.condition(wf.allHandlersFinished);
      if (finished()) break;
      const moveOn = wf.makeContinueAsNewFunc<typeof campaignWorkflow>(
        versionChanged() ? { initialVersioningBehavior: 'AUTO_UPGRADE' } : {},
      );
      await moveOn({ ...input, carried: { ...state } });
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return state.status;
}

/** The status an action leads to, or undefined when it does not apply. */
export function transition(
  status: CampaignRunStatus,
  action: CampaignAction,
  started: boolean,
): CampaignRunStatus | undefined {
  if (status === 'done' || status === 'cancelled') return undefined;
  if (action === 'cancel') return 'cancelled';
  if (action === 'pause') return status === 'paused' ? undefined : 'paused';
  if (status !== 'paused') return undefined;
  return started ? 'running' : 'scheduled';
}

function validateAction(action: unknown): void {
  if (action !== 'pause' && action !== 'resume' && action !== 'cancel')
    throw new Error('the action is pause, resume or cancel');
}

// Pinned like the conversations: a campaign may last days (a daily cap); at a slice boundary where a
// newer version is the target it continues as new onto it.
wf.setWorkflowOptions({ versioningBehavior: 'PINNED' }, campaignWorkflow);
