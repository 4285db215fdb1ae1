import { MAX_TEXT_CHARS } from '../../domain/whatsapp-limits';
import type { Effect } from '../../domain/effects';
import { hasPhrase, matchIntent, type Input } from './intents';
import { restingName } from './menu';
import { subjectFromSlug } from './subjects';
import {
  askHomeworkImage,
  askHomeworkText,
  askHomeworkType,
  askSubject,
  homeworkSubmitted,
  PROBLEMS,
  registerFirst,
  wrongHomeworkKind,
} from './texts';
import type { Turn } from './turn';
import { parseSubject } from './validate';

// Homework: subject → text or image → content → saved with a reference → HOMEWORK_SUBMITTED.

type Submission = Extract<Effect, { type: 'saveHomework' }>['submission'];
type Media = Extract<Input, { kind: 'media' }>['media'];

const TEXT_WORDS = ['text', 'typed', 'type', 'typing', 'write', 'words'];
const IMAGE_WORDS = ['image', 'images', 'photo', 'photos', 'picture', 'pictures', 'pic', 'camera', 'snap'];

/** Starts a submission (registered users only), at the type step when the subject is already known. */
export function startHomework(turn: Turn, subject?: string): void {
  const { state } = turn;
  if (!state.registered) {
    turn.moveTo(restingName(state));
    turn.send(registerFirst('submit homework'));
    return;
  }
  if (subject === undefined) {
    state.homework = {};
    turn.moveTo('HOMEWORK_SUBJECT');
    turn.send(askSubject());
    return;
  }
  state.homework = { subject };
  turn.moveTo('HOMEWORK_TYPE');
  turn.send(askHomeworkType(subject));
}

/**
 * Images count whether sent as a photo or as a document with an image MIME type: students often send
 * "as document" to keep the quality, and it is the same homework.
 */
function isImage(media: Media): boolean {
  return media.mediaType === 'image' || (media.mediaType === 'document' && (media.mimeType ?? '').startsWith('image/'));
}

/** One answer in a HOMEWORK_* step. Returns false for a command that leaves the flow. */
export function handleHomework(turn: Turn, input: Input): boolean {
  const { state } = turn;
  if (state.name === 'HOMEWORK_SUBJECT') return chooseSubject(turn, input);
  const subject = state.homework?.subject;
  if (subject === undefined) {
    startHomework(turn);
    return true;
  }
  return state.name === 'HOMEWORK_TYPE' ? chooseKind(turn, input, subject) : takeContent(turn, input, subject);
}

function chooseSubject(turn: Turn, input: Input): boolean {
  let subject: string | undefined;
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'subject') return false;
    subject = subjectFromSlug(input.tap.slug);
  } else if (input.kind === 'text') {
    subject = parseSubject(input.raw);
  }
  if (subject === undefined) {
    turn.send(askSubject(PROBLEMS.subject));
    return true;
  }
  startHomework(turn, subject);
  return true;
}

function askFor(turn: Turn, kind: 'text' | 'image', subject: string): void {
  turn.state.homework = { subject, kind };
  turn.moveTo('HOMEWORK_CONTENT');
  turn.send(kind === 'text' ? askHomeworkText(subject) : askHomeworkImage(subject));
}

function chooseKind(turn: Turn, input: Input, subject: string): boolean {
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'homework_kind') return false;
    askFor(turn, input.tap.homeworkKind, subject);
    return true;
  }
  // A photo sent straight away answers the question and is the homework itself.
  if (input.kind === 'media' && isImage(input.media)) {
    submit(turn, subject, imageSubmission(input.media));
    return true;
  }
  if (input.kind === 'text') {
    const text = hasPhrase(input.norm, TEXT_WORDS);
    const image = hasPhrase(input.norm, IMAGE_WORDS);
    if (text !== image) {
      askFor(turn, text ? 'text' : 'image', subject);
      return true;
    }
    if (matchIntent(input.norm) !== undefined) return false;
  }
  turn.send(askHomeworkType(subject, PROBLEMS.homeworkType));
  return true;
}

function takeContent(turn: Turn, input: Input, subject: string): boolean {
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'homework_kind') return false;
    askFor(turn, input.tap.homeworkKind, subject);
    return true;
  }
  const expected = turn.state.homework?.kind ?? 'text';
  if (expected === 'image') {
    if (input.kind === 'media' && isImage(input.media)) submit(turn, subject, imageSubmission(input.media));
    else turn.send(wrongHomeworkKind('image', subject));
    return true;
  }
  if (input.kind === 'media') {
    turn.send(wrongHomeworkKind('text', subject));
    return true;
  }
  const body = input.kind === 'text' ? input.raw.trim() : '';
  // A homework text is held to the length of one WhatsApp text.
  if (body.length === 0 || [...body].length > MAX_TEXT_CHARS) {
    turn.send(askHomeworkText(subject, PROBLEMS.homeworkText));
    return true;
  }
  submit(turn, subject, { kind: 'text', text: body });
  return true;
}

function imageSubmission(media: Media): Submission {
  return {
    kind: 'image',
    mediaId: media.mediaId,
    ...(media.mimeType === undefined ? {} : { mimeType: media.mimeType }),
    ...(media.caption === undefined ? {} : { caption: media.caption }),
  };
}

function submit(turn: Turn, subject: string, submission: Submission): void {
  const { state } = turn;
  const reference = `HW-${turn.ctx.contactId}-${turn.newId()}`;
  turn.emit({ type: 'saveHomework', reference, subject, submission });
  state.homeworkCount += 1;
  delete state.homework;
  turn.moveTo('HOMEWORK_SUBMITTED');
  turn.send(homeworkSubmitted(subject, reference));
}
