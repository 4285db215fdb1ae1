// The conversation flow's public surface, for the workflow and the tests.

export { step } from './step';
export type { FlowContext, Rejection, StepResult } from './context';
export type { FlowEvent } from './events';
export { initialFlowState } from './state';
export type { FlowState } from './state';
export { normalize, cleanData } from './normalize';
export { matchIntent, parseTapId } from './intents';
export type { Intent, Tap } from './intents';
export { formatDate, formatDuration, formatPrice } from './format';
export { SUBSCRIPTION_PERIOD_MS } from './payment';
export { SUBJECTS } from './subjects';
export { TOPICS } from './topics';
export {
  AGENT_PREFIX,
  BUTTONS,
  DEFAULT_AGENT_CLOSING,
  NOTES,
  agentJoined,
  agentMessage,
  agentPrefix,
  alreadyRegistered,
  askClass,
  askEmail,
  askHomeworkImage,
  askHomeworkText,
  askHomeworkType,
  askName,
  askSubject,
  chatAcknowledged,
  chatConnected,
  chatReminder,
  chatTimedOut,
  faqList,
  helpList,
  homeworkSubmitted,
  mainMenu,
  notice,
  paymentLink,
  paymentOffer,
  paymentWaiting,
  ratingAsk,
  ratingThanks,
  registerFirst,
  statusMessage,
  topicAnswer,
  welcomeMessage,
  wrongHomeworkKind,
} from './texts';
