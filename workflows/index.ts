// Everything the worker registers from the workflow bundle.
export { campaignWorkflow } from './campaign';
export { conversationWorkflow } from './conversation';
export { eraseContactWorkflow } from './erase-contact';
export { retentionWorkflow } from './retention';
