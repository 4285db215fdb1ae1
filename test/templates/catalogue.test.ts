import { getTemplate, listTemplates } from '../../src/db/templates';
import type { Db } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { DEFAULT_FAKE_TEMPLATES } from '../../tools/sandbox/graph-fake-templates';
import { applyTemplateStatus, createTemplateCatalogue } from '../../src/templates/catalogue';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { createTestDatabase } from '../helpers/database';
import { sleep, waitFor } from '../helpers/wait';

// The stored catalogue against the Graph fake and a real Postgres: listings replace it, templates
// no longer listed are marked gone, webhook status updates apply at once, failures change nothing.

const TOKEN = 'test-access-token';
const WABA = '102000000000009';

let fake: GraphFake;
let db: Db;
let drop: () => Promise<void>;
const lines: { level: string; message: string; [key: string]: unknown }[] = [];
const logger = createLogger('debug', {}, { write: (line: string) => lines.push(JSON.parse(line) as never) });

beforeAll(async () => {
  fake = await startGraphFake({ accessToken: TOKEN });
  const database = await createTestDatabase({ migrated: true });
  db = database.db;
  drop = () => database.drop();
});
afterAll(async () => {
  await fake?.close();
  await drop?.();
});
beforeEach(async () => {
  fake.reset();
  lines.length = 0;
  await db.query('truncate message_templates');
});

const catalogue = (options: { token?: string; businessAccountId?: string | undefined; intervalMs?: number } = {}) =>
  createTemplateCatalogue({
    db,
    whatsapp: createGraphClient({ baseUrl: fake.baseUrl, accessToken: options.token ?? TOKEN, phoneNumberId: '1' }),
    businessAccountId: 'businessAccountId' in options ? options.businessAccountId : WABA,
    refreshIntervalMs: options.intervalMs ?? 60_000,
    logger,
  });

const stored = async () => (await listTemplates(db)).map((t) => `${t.name}/${t.language}:${t.status}`);

describe('refreshing the catalogue', () => {
  it('stores every listed template, by name then language, with its components', async () => {
    expect(await catalogue().refresh()).toEqual({ listed: DEFAULT_FAKE_TEMPLATES.length, gone: 0 });
    expect(await stored()).toEqual([
      'chat_rating/en:APPROVED',
      'exam_results_offer/en:REJECTED',
      'homework_reminder/en:APPROVED',
      'payment_reminder/en:APPROVED',
      'support_follow_up/en:APPROVED',
      'support_follow_up/es:APPROVED',
    ]);
    const followUp = await getTemplate(db, 'support_follow_up', 'es');
    expect(followUp).toEqual({
      id: '710000000000002',
      name: 'support_follow_up',
      language: 'es',
      status: 'APPROVED',
      category: 'UTILITY',
      parameterFormat: 'NAMED',
      components: DEFAULT_FAKE_TEMPLATES[1]!.components,
    });
  });

  it('marks a template no longer listed as gone, and brings it back when it is listed again', async () => {
    await catalogue().refresh();
    fake.setTemplates(DEFAULT_FAKE_TEMPLATES.filter((t) => t.name !== 'homework_reminder'));
    expect(await catalogue().refresh()).toEqual({ listed: DEFAULT_FAKE_TEMPLATES.length - 1, gone: 1 });
    expect(await stored()).not.toContain('homework_reminder/en:APPROVED');
    expect(await getTemplate(db, 'homework_reminder', 'en')).toBeUndefined();
    // The row stays: the runtime role deletes nothing.
    const { rows } = await db.query(`select gone_at from message_templates where name = 'homework_reminder'`);
    expect(rows[0]?.gone_at).toBeInstanceOf(Date);

    fake.reset();
    expect(await catalogue().refresh()).toEqual({ listed: DEFAULT_FAKE_TEMPLATES.length, gone: 0 });
    expect(await getTemplate(db, 'homework_reminder', 'en')).toMatchObject({ status: 'APPROVED' });
  });

  it('takes the listed status and texts over what was stored', async () => {
    await catalogue().refresh();
    fake.setTemplateStatus('payment_reminder', 'en', 'PAUSED');
    fake.setTemplates(
      fake.templates.map((t) =>
        t.name === 'support_follow_up' && t.language === 'en'
          ? { ...t, id: '710000000000099', components: [{ type: 'BODY', text: 'New text {{first_name}}' }] }
          : t,
      ),
    );
    await catalogue().refresh();
    expect(await getTemplate(db, 'payment_reminder', 'en')).toMatchObject({ status: 'PAUSED' });
    expect(await getTemplate(db, 'support_follow_up', 'en')).toMatchObject({
      id: '710000000000099',
      components: [{ type: 'BODY', text: 'New text {{first_name}}' }],
    });
  });

  it('leaves the catalogue as it was when the listing fails, and says so without the token', async () => {
    await catalogue().refresh();
    fake.setTemplates([]);
    const failing = catalogue({ token: 'a-refused-token-value' });
    await expect(failing.refresh()).rejects.toMatchObject({ code: 190 });
    expect(await stored()).toHaveLength(6);

    // Started, the failure is logged and the server goes on.
    failing.start();
    await waitFor(async () => lines.some((l) => l.level === 'warn'), 'the warning');
    failing.stop();
    const warning = lines.find((l) => l.level === 'warn')!;
    expect(warning.message).toBe('message templates not refreshed; trying again later');
    expect(JSON.stringify(lines)).not.toContain('a-refused-token-value');
    expect(await stored()).toHaveLength(6);
  });

  it('lists now and then on every interval until stopped', async () => {
    const running = catalogue({ intervalMs: 100 });
    running.start();
    await waitFor(
      async () => lines.filter((l) => l.message === 'message templates refreshed').length >= 3,
      'three refreshes',
    );
    running.stop();
    // A listing in flight at the stop may still finish its pages; none starts after it.
    await sleep(100);
    const refreshed = lines.filter((l) => l.message === 'message templates refreshed').length;
    const requests = fake.requests;
    await sleep(300);
    expect(fake.requests).toBe(requests);
    expect(lines.filter((l) => l.message === 'message templates refreshed')).toHaveLength(refreshed);
    expect(await stored()).toHaveLength(6);
  });

  it('without a business account lists nothing and says so once', async () => {
    const none = catalogue({ businessAccountId: undefined, intervalMs: 50 });
    expect(await none.refresh()).toBeUndefined();
    const before = fake.requests;
    none.start();
    await sleep(200);
    none.stop();
    expect(fake.requests).toBe(before);
    expect(lines.map((l) => l.message)).toEqual([
      'WHATSAPP_BUSINESS_ACCOUNT_ID is not set: no message templates can be listed or sent',
    ]);
  });
});

describe('status updates from the webhook', () => {
  beforeEach(async () => {
    await catalogue().refresh();
  });

  it('pauses a template found by its id and approves it again', async () => {
    await applyTemplateStatus(db, { event: 'PAUSED', templateId: '710000000000001' }, logger);
    expect(await getTemplate(db, 'support_follow_up', 'en')).toMatchObject({ status: 'PAUSED' });
    // The other language of the same name is another template.
    expect(await getTemplate(db, 'support_follow_up', 'es')).toMatchObject({ status: 'APPROVED' });
    await applyTemplateStatus(db, { event: 'APPROVED', templateId: '710000000000001' }, logger);
    expect(await getTemplate(db, 'support_follow_up', 'en')).toMatchObject({ status: 'APPROVED' });
  });

  it('finds a template by name and language, and maps REINSTATED to APPROVED', async () => {
    await applyTemplateStatus(db, { event: 'DISABLED', name: 'homework_reminder', language: 'en' }, logger);
    expect(await getTemplate(db, 'homework_reminder', 'en')).toMatchObject({ status: 'DISABLED' });
    await applyTemplateStatus(db, { event: 'REINSTATED', name: 'homework_reminder', language: 'en' }, logger);
    expect(await getTemplate(db, 'homework_reminder', 'en')).toMatchObject({ status: 'APPROVED' });
  });

  it('changes nothing for FLAGGED or a template not stored yet, and does not throw', async () => {
    await applyTemplateStatus(db, { event: 'FLAGGED', templateId: '710000000000001' }, logger);
    await applyTemplateStatus(db, { event: 'PAUSED', templateId: '999', name: 'new_one', language: 'en' }, logger);
    expect(await getTemplate(db, 'support_follow_up', 'en')).toMatchObject({ status: 'APPROVED' });
    expect(await getTemplate(db, 'new_one', 'en')).toBeUndefined();
    expect(lines.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        'message template event changes no status',
        'status update for a template not listed yet',
      ]),
    );
  });
});
