import { restingName } from './menu';
import { faqList, helpList, NOTES, topicAnswer } from './texts';
import { findTopic } from './topics';
import type { StepWork } from './step-work';

// FAQ and Help: topic lists; each topic answers and offers the menu. Both are read from a
// resting state and leave the user there.

export function showFaq(work: StepWork, note?: string): void {
  work.moveTo(restingName(work.state));
  work.send(faqList(note));
}

export function showHelp(work: StepWork): void {
  work.moveTo(restingName(work.state));
  work.send(helpList());
}

/** Answers a `faq_<topic>` pick; a topic that no longer exists (an old list) shows the current FAQ. */
export function showTopic(work: StepWork, id: string): void {
  const topic = findTopic(id);
  if (topic === undefined) {
    showFaq(work, NOTES.unknownTopic);
    return;
  }
  work.moveTo(restingName(work.state));
  work.send(topicAnswer(topic, work.settings));
}
