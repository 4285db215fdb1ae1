import { restingName } from './menu';
import { faqList, helpList, NOTES, topicAnswer } from './texts';
import { findTopic } from './topics';
import type { Turn } from './turn';

// FAQ and Help: topic lists; each topic answers and offers the menu. Both are read from a
// resting state and leave the user there.

export function showFaq(turn: Turn, note?: string): void {
  turn.moveTo(restingName(turn.state));
  turn.send(faqList(note));
}

export function showHelp(turn: Turn): void {
  turn.moveTo(restingName(turn.state));
  turn.send(helpList());
}

/** Answers a `faq_<topic>` pick; a topic that no longer exists (an old list) shows the current FAQ. */
export function showTopic(turn: Turn, id: string): void {
  const topic = findTopic(id);
  if (topic === undefined) {
    showFaq(turn, NOTES.unknownTopic);
    return;
  }
  turn.moveTo(restingName(turn.state));
  turn.send(topicAnswer(topic, turn.settings));
}
