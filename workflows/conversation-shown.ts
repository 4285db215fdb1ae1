import * as wf from '@temporalio/workflow';
import { store } from './carry-out';
import type { FlowState } from './flow/state';
import { CONVERSATION_STATE, LAST_INBOUND_AT, REGISTERED } from './search-attributes';
import type { ConversationSnapshot, ShownState } from './snapshot';

// Where a conversation's state is shown outside the workflow: the conversations row in Postgres (the
// admin list) and the search attributes (the Temporal UI). Both are written only when what they show
// changed, and what they show is carried across runs, so a new run does not write them again.

/** How current LastInboundAt is kept in the Temporal UI: within a minute: upserted only once it moved that much. */
const LAST_INBOUND_AT_RESOLUTION_MS = 60_000;

export class Shown {
  /** What the conversations row in Postgres holds, and what the search attributes show. */
  private saved: ShownState | undefined;
  private published: ShownState | undefined;
  private publishedInboundAt: number | undefined;

  constructor(shown: ConversationSnapshot['shown']) {
    this.saved = shown.saved;
    this.published = shown.published;
    this.publishedInboundAt = shown.publishedInboundAt;
  }

  /** Whether the conversations row holds another state than `flow`'s. */
  unsaved(flow: FlowState): boolean {
    return differs(this.saved, flow);
  }

  /** A turn activity wrote `flow`'s state into the conversations row. */
  markSaved(flow: FlowState): void {
    this.saved = shownOf(flow);
  }

  /**
   * Saves the state for the admin list where it changed, and shows it in the Temporal UI's search
   * attributes. Returns a promise only when there is a save to wait for (the turn activity usually
   * saved the state already): on the per-message path, each promise costs (see Conversation.handleWork).
   */
  publish(contactId: string, flow: FlowState, lastInboundAt: number | undefined): Promise<void> | undefined {
    if (differs(this.saved, flow)) return this.saveAndShow(contactId, flow, lastInboundAt);
    this.show(flow, lastInboundAt);
    return undefined;
  }

  private async saveAndShow(contactId: string, flow: FlowState, lastInboundAt: number | undefined): Promise<void> {
    await store.saveConversationState({ contactId, state: flow.name, registered: flow.registered });
    this.saved = shownOf(flow);
    this.show(flow, lastInboundAt);
  }

  /** Every upsert is a visibility write on the server: only when the state changed or LastInboundAt moved. */
  private show(flow: FlowState, lastInboundAt: number | undefined): void {
    const inboundMoved =
      lastInboundAt !== undefined &&
      (this.publishedInboundAt === undefined ||
        lastInboundAt - this.publishedInboundAt >= LAST_INBOUND_AT_RESOLUTION_MS);
    if (!differs(this.published, flow) && !inboundMoved) return;
    this.published = shownOf(flow);
    this.publishedInboundAt = lastInboundAt;
    wf.upsertSearchAttributes([
      { key: CONVERSATION_STATE, value: flow.name },
      { key: REGISTERED, value: flow.registered },
      ...(lastInboundAt !== undefined ? [{ key: LAST_INBOUND_AT, value: new Date(lastInboundAt) }] : []),
    ]);
  }

  snapshot(): ConversationSnapshot['shown'] {
    return { saved: this.saved, published: this.published, publishedInboundAt: this.publishedInboundAt };
  }
}

function shownOf(flow: FlowState): ShownState {
  return { name: flow.name, registered: flow.registered };
}

function differs(shown: ShownState | undefined, flow: FlowState): boolean {
  return shown?.name !== flow.name || shown.registered !== flow.registered;
}
