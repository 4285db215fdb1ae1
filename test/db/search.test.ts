import { linkSender } from '../../src/db/contacts';
import type { Db } from '../../src/db/pool';
import { RECENT_WINDOW, search, type SearchHit, type SearchOptions } from '../../src/db/search';
import { saveProfile } from '../../src/db/users';
import { createTestDatabase } from '../helpers/database';

// Search over a real Postgres with the product's migrations: which rows each kind of query finds, in
// which order, page after page, and the snippet of a message hit.

let target: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeAll(async () => {
  target = await createTestDatabase({ migrated: true });
  db = target.db;
});

afterAll(async () => {
  await target?.drop();
});

const BASE = "timestamptz '2026-03-01 12:00:00.000001+00'";

const contacts = new Map<string, string>();

/** The contact of a phone number, made as the webhook makes it on the number's first message. */
async function contactOf(phone: string): Promise<string> {
  let contactId = contacts.get(phone);
  if (contactId === undefined) {
    contactId = await linkSender(db, { sender: { phone } });
    contacts.set(phone, contactId);
  }
  return contactId;
}

async function conversation(phone: string, profileName: string | null, minute: number): Promise<void> {
  await db.query(
    `insert into conversations (contact_id, profile_name, state, last_activity_at)
     values ($1, $2, 'IDLE', ${BASE} + $3 * interval '1 minute')`,
    [await contactOf(phone), profileName, minute],
  );
}

/** Stores a message at BASE + `minute`, returns its id. */
async function message(phone: string, body: string, minute: number): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `insert into messages (contact_id, direction, sender, idempotency_key, type, body, status, created_at)
     values ($1, 'inbound', 'user', gen_random_uuid()::text, 'text', $2, 'received', ${BASE} + $3 * interval '1 minute')
     returning id`,
    [await contactOf(phone), body, minute],
  );
  return Number(rows[0]!.id);
}

const find = (text: string, options: Partial<SearchOptions> = {}) => search(db, { text, limit: 20, ...options });

const where = (hits: SearchHit[]) =>
  hits.map((hit) => (hit.kind === 'message' ? `m${hit.messageId}` : `c${hit.phone}`));

/** Every hit of a search, page after page. */
async function everyPage(text: string, limit: number): Promise<{ hits: SearchHit[]; pages: number }> {
  const hits: SearchHit[] = [];
  let page = await find(text, { limit });
  let pages = 1;
  hits.push(...page.hits);
  while (page.next) {
    expect(page.hits).toHaveLength(limit);
    page = await find(text, { limit, after: page.next });
    hits.push(...page.hits);
    pages++;
  }
  return { hits, pages };
}

describe('messages', () => {
  it('are found by the words of their text, whatever the case, accents or script', async () => {
    const phone = '15550200001';
    await conversation(phone, 'Lúcia', 0);
    const pt = await message(phone, 'Obrigado pela ajuda, professora Lúcia!', 1);
    const ru = await message(phone, 'Спасибо за помощь с домашним заданием', 2);
    const ar = await message(phone, 'شكرا على المساعدة في الواجب', 3);
    const en = await message(phone, 'Question 7 is really HARD', 4);

    expect(where((await find('OBRIGADO')).hits)).toEqual([`m${pt}`]);
    expect(where((await find('спасибо')).hits)).toEqual([`m${ru}`]);
    expect(where((await find('الواجب')).hits)).toEqual([`m${ar}`]);
    // Every word must be there, in any order; punctuation is no word.
    expect(where((await find('hard, question?')).hits)).toEqual([`m${en}`]);
    expect((await find('hard obrigado')).hits).toEqual([]);
    // A word is a whole word: no stemming, no substring.
    expect((await find('obrigad')).hits).toEqual([]);
    // The profile name is the conversation's; the text's "Lúcia" is the message's.
    expect(where((await find('lúcia')).hits)).toEqual([`m${pt}`, `c${phone}`]);
  });

  it('give a plain-text snippet with the places of the words found', async () => {
    const phone = '15550200002';
    await conversation(phone, null, 0);
    // The characters the snippet's marks are made of, typed into a text, mark nothing.
    const id = await message(phone, 'say \uE000hi\uE001 to Zanele for me', 1);
    const [hit] = (await find('zanele')).hits;
    expect(hit).toMatchObject({
      kind: 'message',
      messageId: id,
      contactId: await contactOf(phone),
      phone,
      sender: 'user',
      direction: 'inbound',
    });
    const { snippet, highlights } = hit as Extract<SearchHit, { kind: 'message' }>;
    expect(snippet).toBe('say hi to Zanele for me');
    expect(highlights).toEqual([[10, 16]]);
    expect(snippet.slice(10, 16)).toBe('Zanele');
  });

  it(`are found beyond the newest ${RECENT_WINDOW} messages too, newest first, each once`, async () => {
    const phone = '15550200003';
    await conversation(phone, null, 0);
    // RECENT_WINDOW + 60 messages a second apart, after every other message of this file; "sparse" is
    // in three of the newest (10th, 20th, 30th newest: within the window) and in every fifth of the 60
    // oldest (beyond it); "dense" in every message. The first page needs both.
    const total = RECENT_WINDOW + 60;
    await db.query(
      `insert into messages (contact_id, direction, sender, idempotency_key, type, body, status, created_at)
       select $1, 'inbound', 'user', 'window-' || i, 'text',
              'dense' || case when $2 - i in (10, 20, 30) or (i <= 60 and i % 5 = 0) then ' sparse' else '' end,
              'received', ${BASE} + interval '1 day' + i * interval '1 second'
         from generate_series(1, $2) i`,
      [await contactOf(phone), total],
    );
    const { rows } = await db.query<{ id: string }>(
      `select id from messages where contact_id = $1 and body like '%sparse%' order by created_at desc`,
      [await contactOf(phone)],
    );
    const expected = rows.map((row) => `m${row.id}`);
    expect(expected).toHaveLength(15);

    const { hits, pages } = await everyPage('sparse', 7);
    expect(where(hits)).toEqual(expected);
    expect(pages).toBe(3);

    const dense = await find('dense', { limit: 5 });
    const { rows: newest } = await db.query<{ id: string }>(
      `select id from messages where contact_id = $1 order by created_at desc limit 5`,
      [await contactOf(phone)],
    );
    expect(where(dense.hits)).toEqual(newest.map((row) => `m${row.id}`));
  });
});

describe('conversations', () => {
  it("are found by the start of each word of the profile name or the student's name, and by email", async () => {
    await conversation('15550300001', 'Chidiebere Okafor', 1);
    await conversation('15550300002', 'Chi', 2);
    await conversation('15550300003', 'Wanjiru', 3);
    await saveProfile(db, await contactOf('15550300003'), {
      fullName: 'Ngozi Okonkwo-Mensah',
      email: 'n.okonkwo@school.example',
      className: 'Grade 9',
    });

    expect(where((await find('chidi oka')).hits)).toEqual(['c15550300001']);
    expect(where((await find('chi')).hits)).toEqual(['c15550300002', 'c15550300001']);
    const byName = (await find('Ngozi Okonkwo')).hits;
    expect(byName).toEqual([
      expect.objectContaining({
        kind: 'conversation',
        contactId: await contactOf('15550300003'),
        phone: '15550300003',
        profileName: 'Wanjiru',
        fullName: 'Ngozi Okonkwo-Mensah',
        email: 'n.okonkwo@school.example',
        matched: ['name'],
      }),
    ]);
    for (const text of ['n.okonkwo@school.example', 'n.okonkwo', 'school.example', 'okonkwo@school', 'school']) {
      expect(where((await find(text)).hits)).toEqual(['c15550300003']);
    }
    expect((await find('n.okonkwo@school.example')).hits[0]).toMatchObject({ matched: ['email'] });
  });

  it('are found by the digits a phone number starts or ends with', async () => {
    await conversation('15550401111', null, 1);
    await conversation('2348031234567', null, 2);
    const byDigits = async (digits: string) => where((await find(digits, { phoneDigits: digits })).hits);

    expect(await byDigits('15550401111')).toEqual(['c15550401111']);
    expect(await byDigits('1555040')).toEqual(['c15550401111']);
    expect(await byDigits('0401111')).toEqual(['c15550401111']);
    // A national number with its trunk 0 ends the international one.
    expect(await byDigits('08031234567')).toEqual(['c2348031234567']);
    // Digits in the middle are no match.
    expect(await byDigits('5504011')).toEqual([]);
    expect((await find('0401111', { phoneDigits: '0401111' })).hits[0]).toMatchObject({ matched: ['phone'] });
  });

  it('are found by a number the student wrote from before changing it, showing the current one', async () => {
    const contactId = await contactOf('15550402222');
    await conversation('15550402222', null, 3);
    // user_changed_number: the old number stays as an alias of the contact.
    const changed = await linkSender(db, {
      sender: { phone: '15550402222' },
      change: { type: 'user_changed_number', phone: '15550403333' },
    });
    expect(changed).toBe(contactId);
    const byDigits = async (digits: string) => (await find(digits, { phoneDigits: digits })).hits;
    for (const digits of ['15550402222', '15550403333', '0403333']) {
      expect(await byDigits(digits)).toEqual([
        expect.objectContaining({ kind: 'conversation', contactId, phone: '15550403333', matched: ['phone'] }),
      ]);
    }
  });
});

describe('pages', () => {
  it('order messages of one instant by id as a number, so pages across 99999 and 100000 miss none', async () => {
    // Newer than every other message here: they are in the newest window and beyond it both.
    await conversation('15550600000', null, 0);
    await db.query(
      `insert into messages (id, contact_id, direction, sender, idempotency_key, type, body, status, created_at)
       select id, $1, 'inbound', 'user', 'tie-' || id, 'text', 'tiebreak', 'received', ${BASE} + interval '2 days'
         from unnest(array[9999, 10000, 99999, 100000]::bigint[]) id`,
      [await contactOf('15550600000')],
    );
    const { hits } = await everyPage('tiebreak', 1);
    expect(where(hits)).toEqual(['m100000', 'm99999', 'm10000', 'm9999']);
  });

  it('list conversations and messages together, newest first, each once, ties at one instant included', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) await conversation(`1555050000${i}`, `Pagina ${i}`, 10 * i);
    for (let i = 0; i < 9; i++) ids.push(await message('15550500000', `pagina ${i}`, 5 * i));
    // A conversation and two messages at the same microsecond as a third message.
    await conversation('15550500009', 'Pagina', 20);
    ids.push(await message('15550500001', 'pagina again', 20), await message('15550500002', 'pagina too', 20));

    const { hits } = await everyPage('pagina', 3);
    const order = hits.map((hit) => [hit.kind === 'message' ? hit.at.getTime() : hit.at.getTime(), where([hit])[0]]);
    const times = order.map(([time]) => time as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(where(hits)).size).toBe(hits.length);
    expect(where(hits).sort()).toEqual(
      [
        ...ids.map((id) => `m${id}`),
        ...['15550500000', '15550500001', '15550500002', '15550500003', '15550500009'].map((p) => `c${p}`),
      ].sort(),
    );
    // At one instant: messages first (newest id first), then conversations (highest contact id first).
    const atTwenty = where(
      hits.filter(
        (hit) =>
          hit.at.getTime() === hits.find((h) => h.kind === 'conversation' && h.phone === '15550500009')!.at.getTime(),
      ),
    );
    const conversationsAtTwenty = ['15550500009', '15550500002'].sort((a, b) =>
      contacts.get(b)!.localeCompare(contacts.get(a)!),
    );
    expect(atTwenty).toEqual([`m${ids[10]}`, `m${ids[9]}`, `m${ids[4]}`, ...conversationsAtTwenty.map((p) => `c${p}`)]);
  });
});
