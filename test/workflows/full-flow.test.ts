import { listChatSessions } from '../../src/db/chat-sessions';
import { listHomework } from '../../src/db/homework';
import { getMedia } from '../../src/db/media';
import { findPayment } from '../../src/db/payments';
import { getStudent } from '../../src/db/users';
import { choices, textOf, TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// The whole conversation, every state and intent, over the HTTP webhook, on real Temporal and Postgres,
// with the Graph API fake as WhatsApp: each step asserts the stored rows and the messages sent.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('a student on WhatsApp', () => {
  it('registers, submits text and photo homework, chats, pays and checks status', async () => {
    const user = new TestUser(stack, newPhone(), 'Howard Smith');

    // Welcome, then registration: a name that contains "how", a wrong email, then a right one.
    let replies = await user.say('Hello');
    expect(choices(replies[0])).toEqual(['register', 'faq', 'support']);
    expect(textOf(replies[0])).toContain('Welcome to EduBot');
    expect(await user.state()).toBe('IDLE');

    await user.tap('register');
    expect(await user.state()).toBe('REGISTERING_NAME');
    await user.say('Howard Smith');
    expect(await user.state()).toBe('REGISTERING_EMAIL');
    replies = await user.say('howard@');
    expect(await user.state()).toBe('REGISTERING_EMAIL');
    expect(replies).toHaveLength(1);
    await user.say('howard@example.com');
    expect(await user.state()).toBe('REGISTERING_CLASS');
    replies = await user.say('Grade 10');
    expect(await user.state()).toBe('REGISTERED');
    const menu = replies[replies.length - 1];
    expect(menu?.content.kind).toBe('list');
    expect(textOf(menu)).toContain('Hey Howard! What would you like to do?');
    expect(choices(menu)).toEqual(['homework', 'pay', 'status', 'faq', 'support', 'help', 'update_profile']);
    expect(await getStudent(stack.db, await user.contact())).toMatchObject({
      fullName: 'Howard Smith',
      email: 'howard@example.com',
      className: 'Grade 10',
    });

    // Text homework.
    await user.pick('homework', 'Submit Homework');
    expect(await user.state()).toBe('HOMEWORK_SUBJECT');
    await user.say('Mathematics');
    expect(await user.state()).toBe('HOMEWORK_TYPE');
    await user.tap('homework_text', '📄 Text');
    expect(await user.state()).toBe('HOMEWORK_CONTENT');
    replies = await user.say('x = 4 because 2x = 8');
    expect(await user.state()).toBe('HOMEWORK_SUBMITTED');
    expect(textOf(replies[0])).toContain('✅ Homework submitted for Mathematics!');
    expect(choices(replies[0])).toEqual(['faq', 'support', 'main_menu']);

    // Photo homework: a photo sent in WhatsApp is downloaded through the Graph media API and stored.
    const photo = Buffer.from('a photo of worked answers');
    stack.fake.addMedia('media-hw-1', photo, 'image/jpeg');
    await user.tap('main_menu');
    await user.pick('homework');
    await user.pick('subject_physics', 'Physics');
    await user.tap('homework_image', '🖼️ Image');
    await user.say('here it comes');
    expect(await user.state()).toBe('HOMEWORK_CONTENT');
    replies = await user.photo('media-hw-1', 'question 2');
    expect(await user.state()).toBe('HOMEWORK_SUBMITTED');
    expect(textOf(replies[0])).toContain('✅ Homework submitted for Physics!');

    const homework = await listHomework(stack.db, await user.contact());
    expect(homework.map((h) => [h.subject, h.kind, h.textBody])).toEqual([
      ['Mathematics', 'text', 'x = 4 because 2x = 8'],
      ['Physics', 'image', null],
    ]);
    expect(textOf(replies[0])).toContain(homework[1]!.reference);
    expect((await getMedia(stack.db, homework[1]!.mediaId!))?.data.equals(photo)).toBe(true);

    // Chat support by typing; a message that mentions "done" stays with the agent.
    replies = await user.say('support');
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    expect(choices(replies[replies.length - 1])).toEqual(['end_chat']);
    await user.say("I'm done with question 3");
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    replies = await user.say('end chat');
    expect(await user.state()).toBe('REGISTERED');
    expect(replies.some((r) => textOf(r).includes('Hey Howard! What would you like to do?'))).toBe(true);
    const [session] = await listChatSessions(stack.db, await user.contact());
    expect(session).toMatchObject({ startedBy: 'user', endedBy: 'user' });
    expect(session!.firstUserMessageAt).not.toBeNull();

    // Payment: offer, confirm, signed provider webhook.
    replies = await user.say('pay');
    expect(await user.state()).toBe('PAYMENT_PENDING');
    expect(choices(replies[replies.length - 1])).toEqual(['payment_confirm', 'main_menu']);
    replies = await user.tap('payment_confirm', '✅ Confirm');
    const link = replies
      .map(textOf)
      .join('\n')
      .match(/https:\/\/checkout\.sandbox\.edubot\.local\/pay\/(\S+)/);
    expect(link).not.toBeNull();
    const reference = link![1]!;
    expect(await findPayment(stack.db, reference)).toMatchObject({
      status: 'pending',
      contactId: await user.contact(),
      amount: 5000,
    });

    expect(await stack.confirmPayment(reference, 5000)).toBe(200);
    await waitFor(
      async () => (await findPayment(stack.db, reference))?.status === 'confirmed',
      'the confirmed payment',
    );
    await user.settled();
    expect(await user.state()).toBe('REGISTERED');
    expect(stack.fake.sendsTo(user.phone).some((s) => textOf(s).includes('Payment received'))).toBe(true);
    expect((await getStudent(stack.db, await user.contact()))?.subscriptionActiveUntil).not.toBeNull();
    // The same confirmation again changes nothing.
    const sendsBefore = stack.fake.sendsTo(user.phone).length;
    expect(await stack.confirmPayment(reference, 5000)).toBe(200);
    await user.settled();
    expect(stack.fake.sendsTo(user.phone)).toHaveLength(sendsBefore);

    // Status shows the real values.
    replies = await user.say('status');
    const status = replies.map(textOf).join('\n');
    expect(status).toContain('Howard Smith');
    expect(status).toContain('howard@example.com');
    expect(status).toContain('Grade 10');
    expect(status).toMatch(/\b2\b/);
    expect(status).not.toMatch(/[{}]/);
  });

  it('refuses a payment webhook with a bad signature and ignores unknown references', async () => {
    const body = JSON.stringify({
      event: 'charge.success',
      data: { reference: 'nope', status: 'success', amount: 5000 },
    });
    const bad = await fetch(`${stack.baseUrl}/api/payments/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': 'ab'.repeat(64) },
      body,
    });
    expect(bad.status).toBe(401);
    expect(await stack.confirmPayment('unknown-reference', 5000)).toBe(200);
  });
});
