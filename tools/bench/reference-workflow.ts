import * as wf from '@temporalio/workflow';

// The Temporal reference of the benchmark: the engine's pattern with nothing of the product in it. One
// workflow per conversation, started by signal-with-start; every message is one no-op local activity.
// Signals that arrive together are handled in the same workflow task, as in the conversation workflow.

const { noop } = wf.proxyLocalActivities<{ noop(phone: string): Promise<void> }>({ startToCloseTimeout: '10s' });

export const messageSignal = wf.defineSignal<[string]>('message');

export async function referenceWorkflow(phone: string): Promise<void> {
  const pending: string[] = [];
  wf.setHandler(messageSignal, (id) => void pending.push(id));
  for (;;) {
    await wf.condition(() => pending.length > 0 || wf.workflowInfo().continueAsNewSuggested);
    while (pending.length > 0) {
      pending.shift();
      await noop(phone);
    }
    if (wf.workflowInfo().continueAsNewSuggested) {
      await wf.condition(wf.allHandlersFinished);
      if (pending.length === 0) await wf.continueAsNew<typeof referenceWorkflow>(phone);
    }
  }
}
