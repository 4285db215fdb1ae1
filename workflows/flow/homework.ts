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
import type { StepWork } from './step-work';
import { parseSubject } from './validate';

// Homework: subject → text or image → content → saved with a reference → HOMEWORK_SUBMITTED.

type Submission = Extract<Effect, { type: 'saveHomework' }>['submission'];
type Media = Extract<Input, { kind: 'media' }>['media'];

const TEXT_WORDS = ['text', 'typed', 'type', 'typing', 'write', 'words'];
const IMAGE_WORDS = ['image', 'images', 'photo', 'photos', 'picture', 'pictures', 'pic', 'camera', 'snap'];

/** Starts a submission (registered users only), at the type step when the subject is already known. */
export function startHomework(work: StepWork, subject?: string): void {
  const { state } = work;
  if (!state.registered) {
    work.moveTo(restingName(state));
    work.send(registerFirst('submit homework'));
    return;
  }
  if (subject === undefined) {
    state.homework = {};
    work.moveTo('HOMEWORK_SUBJECT');
    work.send(askSubject());
    return;
  }
  state.homework = { subject };
  work.moveTo('HOMEWORK_TYPE');
  work.send(askHomeworkType(subject));
}

/**
 * Images count whether sent as a photo or as a document with an image MIME type: students often send
 * "as document" to keep the quality, and it is the same homework.
 */
function isImage(media: Media): boolean {
  return media.mediaType === 'image' || (media.mediaType === 'document' && (media.mimeType ?? '').startsWith('image/'));
}

/** One answer in a HOMEWORK_* step. Returns false for a command that leaves the flow. */
export function handleHomework(work: StepWork, input: Input): boolean {
  const { state } = work;
  if (state.name === 'HOMEWORK_SUBJECT') return chooseSubject(work, input);
  const subject = state.homework?.subject;
  if (subject === undefined) {
    startHomework(work);
    return true;
  }
  return state.name === 'HOMEWORK_TYPE' ? chooseKind(work, input, subject) : takeContent(work, input, subject);
}

function chooseSubject(work: StepWork, input: Input): boolean {
  let subject: string | undefined;
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'subject') return false;
    subject = subjectFromSlug(input.tap.slug);
  } else if (input.kind === 'text') {
    subject = parseSubject(input.raw);
  }
  if (subject === undefined) {
    work.send(askSubject(PROBLEMS.subject));
    return true;
  }
  startHomework(work, subject);
  return true;
}

function askFor(work: StepWork, kind: 'text' | 'image', subject: string): void {
  work.state.homework = { subject, kind };
  work.moveTo('HOMEWORK_CONTENT');
  work.send(kind === 'text' ? askHomeworkText(subject) : askHomeworkImage(subject));
}

function chooseKind(work: StepWork, input: Input, subject: string): boolean {
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'homework_kind') return false;
    askFor(work, input.tap.homeworkKind, subject);
    return true;
  }
  // A photo sent straight away answers the question and is the homework itself.
  if (input.kind === 'media' && isImage(input.media)) {
    submit(work, subject, imageSubmission(input.media));
    return true;
  }
  if (input.kind === 'text') {
    const text = hasPhrase(input.norm, TEXT_WORDS);
    const image = hasPhrase(input.norm, IMAGE_WORDS);
    if (text !== image) {
      askFor(work, text ? 'text' : 'image', subject);
      return true;
    }
    if (matchIntent(input.norm) !== undefined) return false;
  }
  work.send(askHomeworkType(subject, PROBLEMS.homeworkType));
  return true;
}

function takeContent(work: StepWork, input: Input, subject: string): boolean {
  if (input.kind === 'tap') {
    if (input.tap.kind !== 'homework_kind') return false;
    askFor(work, input.tap.homeworkKind, subject);
    return true;
  }
  const expected = work.state.homework?.kind ?? 'text';
  if (expected === 'image') {
    if (input.kind === 'media' && isImage(input.media)) submit(work, subject, imageSubmission(input.media));
    else work.send(wrongHomeworkKind('image', subject));
    return true;
  }
  if (input.kind === 'media') {
    work.send(wrongHomeworkKind('text', subject));
    return true;
  }
  const body = input.kind === 'text' ? input.raw.trim() : '';
  // A homework text is held to the length of one WhatsApp text.
  if (body.length === 0 || [...body].length > MAX_TEXT_CHARS) {
    work.send(askHomeworkText(subject, PROBLEMS.homeworkText));
    return true;
  }
  submit(work, subject, { kind: 'text', text: body });
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

function submit(work: StepWork, subject: string, submission: Submission): void {
  const { state } = work;
  const reference = `HW-${work.ctx.contactId}-${work.newId()}`;
  work.emit({ type: 'saveHomework', reference, subject, submission });
  state.homeworkCount += 1;
  delete state.homework;
  work.moveTo('HOMEWORK_SUBMITTED');
  work.send(homeworkSubmitted(subject, reference));
}
