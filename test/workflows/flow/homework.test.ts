import { step } from '../../../workflows/flow/step';
import {
  CONTACT_ID,
  after,
  bodyOf,
  ctx,
  drive,
  image,
  inbound,
  media,
  offeredIds,
  pick,
  sends,
  states,
  tap,
  text,
} from './fixtures';

describe('homework', () => {
  it('asks an unregistered user to register first, with the Register button', () => {
    const result = step(states.idle(), text('homework'), ctx);
    expect(result.state.name).toBe('IDLE');
    expect(offeredIds(sends(result.effects)[0])).toEqual(['register', 'main_menu']);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/register first/);
  });

  it('offers subjects as a list, then the three type buttons with their exact titles', () => {
    const [subjects, type] = drive([pick('homework'), pick('subject_physics')], states.registered());
    expect(sends(subjects!.effects)[0]?.kind).toBe('list');
    expect(offeredIds(sends(subjects!.effects)[0])).toContain('subject_mathematics');
    const buttons = sends(type!.effects)[0];
    expect(buttons?.kind === 'buttons' && buttons.buttons).toEqual([
      { id: 'homework_text', title: '📄 Text' },
      { id: 'homework_image', title: '🖼️ Image' },
      { id: 'main_menu', title: '📍 Main Menu' },
    ]);
    expect(type!.state.homework).toEqual({ subject: 'Physics' });
  });

  it('takes a typed subject, in the list spelling when it names a listed one', () => {
    expect(after([text('Further Maths')], states.homeworkSubject()).homework?.subject).toBe('Further Maths');
    expect(after([text('computer science')], states.homeworkSubject()).homework?.subject).toBe('Computer Science');
    expect(after([text('x')], states.homeworkSubject()).name).toBe('HOMEWORK_SUBJECT');
    expect(after([text('y'.repeat(61))], states.homeworkSubject()).name).toBe('HOMEWORK_SUBJECT');
  });

  it.each([
    ['text', 'text'],
    ['I will type it', 'text'],
    ['photo', 'image'],
    ['a picture', 'image'],
    ['Image', 'image'],
  ] as const)('reads the typed type %j as %s', (typed, kind) => {
    const state = after([text(typed)], states.homeworkType());
    expect(state.name).toBe('HOMEWORK_CONTENT');
    expect(state.homework?.kind).toBe(kind);
  });

  it('saves typed homework with a reference and answers with the HOMEWORK_SUBMITTED buttons', () => {
    const result = step(states.homeworkText(), text('  Newton: F = ma  '), ctx);
    const save = result.effects.find((e) => e.type === 'saveHomework');
    expect(save).toEqual({
      type: 'saveHomework',
      reference: expect.stringMatching(new RegExp(`^HW-${CONTACT_ID}-[0-9A-Z]{8}$`)),
      subject: 'Physics',
      submission: { kind: 'text', text: 'Newton: F = ma' },
    });
    expect(result.state.name).toBe('HOMEWORK_SUBMITTED');
    expect(result.state.homeworkCount).toBe(1);
    expect(result.state.homework).toBeUndefined();
    const reply = sends(result.effects)[0];
    expect(bodyOf(reply)).toContain('✅ Homework submitted for Physics!');
    expect(bodyOf(reply)).toContain(save?.type === 'saveHomework' ? save.reference : 'missing');
    expect(reply?.kind === 'buttons' && reply.buttons).toEqual([
      { id: 'faq', title: '❓ FAQ' },
      { id: 'support', title: '💬 Support' },
      { id: 'main_menu', title: '📍 Main Menu' },
    ]);
  });

  it('saves a photo with its media id, type and caption', () => {
    const result = step(states.homeworkImage(), image('media-77', 'page 2'), ctx);
    expect(result.effects).toContainEqual(
      expect.objectContaining({
        type: 'saveHomework',
        subject: 'Physics',
        submission: { kind: 'image', mediaId: 'media-77', mimeType: 'image/jpeg', caption: 'page 2' },
      }),
    );
    expect(result.state.name).toBe('HOMEWORK_SUBMITTED');
  });

  it('accepts an image sent as a document, and refuses a PDF with a hint', () => {
    const png = step(states.homeworkImage(), media('document', 'image/png'), ctx);
    expect(png.state.name).toBe('HOMEWORK_SUBMITTED');
    const pdf = step(states.homeworkImage(), media('document', 'application/pdf'), ctx);
    expect(pdf.state.name).toBe('HOMEWORK_CONTENT');
    expect(pdf.effects.map((e) => e.type)).not.toContain('saveHomework');
  });

  it('hints when a photo arrives where text was asked, and the reverse, state unchanged', () => {
    const photoForText = step(states.homeworkText(), image(), ctx);
    expect(photoForText.state.name).toBe('HOMEWORK_CONTENT');
    expect(photoForText.state.homework).toEqual({ subject: 'Physics', kind: 'text' });
    expect(bodyOf(sends(photoForText.effects)[0])).toMatch(/waiting for typed text/);
    expect(offeredIds(sends(photoForText.effects)[0])).toEqual(['homework_image', 'main_menu']);

    const textForPhoto = step(states.homeworkImage(), text('here it is'), ctx);
    expect(textForPhoto.state.homework).toEqual({ subject: 'Physics', kind: 'image' });
    expect(bodyOf(sends(textForPhoto.effects)[0])).toMatch(/waiting for a photo/);
    expect(offeredIds(sends(textForPhoto.effects)[0])).toEqual(['homework_text', 'main_menu']);
  });

  it('switches between text and photo with the hint buttons', () => {
    const state = after([tap('homework_image')], states.homeworkText());
    expect(state.homework).toEqual({ subject: 'Physics', kind: 'image' });
  });

  it('submits a photo sent right away at the type step', () => {
    expect(step(states.homeworkType(), image(), ctx).state.name).toBe('HOMEWORK_SUBMITTED');
  });

  it('gives each submission its own reference and counts them', () => {
    const results = drive(
      [
        pick('homework'),
        pick('subject_english'),
        tap('homework_text'),
        text('essay'),
        pick('homework'),
        text('Chemistry'),
        text('photo'),
        image(),
      ],
      states.registered(),
    );
    const refs = results.flatMap((r) => r.effects.flatMap((e) => (e.type === 'saveHomework' ? [e.reference] : [])));
    expect(refs).toHaveLength(2);
    expect(new Set(refs).size).toBe(2);
    expect(results[results.length - 1]!.state.homeworkCount).toBe(2);
  });

  it('goes back to the main menu from HOMEWORK_SUBMITTED', () => {
    const result = step(states.homeworkSubmitted(), tap('main_menu'), ctx);
    expect(result.state.name).toBe('REGISTERED');
    expect(bodyOf(sends(result.effects)[0])).toContain('Hey Ada!');
  });

  it('cancels without saving, keeping the count', () => {
    const result = step(states.homeworkText(), text('cancel'), ctx);
    expect(result.state.name).toBe('REGISTERED');
    expect(result.state.homeworkCount).toBe(0);
    expect(result.effects.map((e) => e.type)).not.toContain('saveHomework');
  });

  it('starts homework on the subject of a subject row tapped from the menu', () => {
    expect(after([pick('subject_biology')], states.registered()).homework).toEqual({ subject: 'Biology' });
  });

  it('keeps a homework text of up to 4096 characters exactly as typed', () => {
    const body = 'x²+y² = z²\n'.repeat(372).slice(0, 4096);
    const result = step(states.homeworkText(), inbound({ kind: 'text', text: body }), ctx);
    expect(result.effects).toContainEqual(expect.objectContaining({ submission: { kind: 'text', text: body.trim() } }));
  });
});
