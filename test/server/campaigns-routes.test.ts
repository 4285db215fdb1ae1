import { newCampaignId } from '../../src/db/campaigns';
import { DEFAULT_FAKE_TEMPLATES } from '../../tools/sandbox/graph-fake-templates';
import { campaignWorkflowId } from '../../workflows/campaign-messages';
import { AdminClient } from '../helpers/admin-client';
import { campaignReaches, seedStudents, startClassCampaign } from '../helpers/campaigns';
import { startTestStack, type TestStack } from '../helpers/stack';
import { loadTemplates } from '../helpers/templates';
import { waitFor } from '../helpers/wait';

// The campaign routes' refusals (400, 401, 403, 404, 409), their audit rows, and the daily cap with a
// short day, on the real stack.

let stack: TestStack;
let admin: AdminClient;

const HOMEWORK = { name: 'homework_reminder', language: 'en', parameters: { '1': '{first_name}', '2': 'Maths' } };
const valid = { name: 'reminder', template: HOMEWORK, audience: { registered: true } };

beforeAll(async () => {
  stack = await startTestStack({ WHATSAPP_MPS: '30' });
  admin = new AdminClient(stack, stack.config.adminToken);
  // An approved marketing template beside the sandbox's, which are UTILITY (or rejected).
  stack.fake.setTemplates([
    ...DEFAULT_FAKE_TEMPLATES,
    {
      id: '710000000000099',
      name: 'open_day',
      language: 'en',
      status: 'APPROVED',
      category: 'MARKETING',
      parameter_format: 'POSITIONAL',
      components: [{ type: 'BODY', text: 'Come to our open day!' }],
    },
  ]);
  await loadTemplates(stack);
}, 120_000);

afterAll(() => stack?.stop(), 60_000);

const post = (body: unknown) => admin.request('POST', '/api/admin/campaigns', body);

describe('refusals', () => {
  it.each([
    ['no body', {}, 'invalid_body'],
    ['an empty audience', { ...valid, audience: {} }, 'invalid_body'],
    ['an unknown audience filter', { ...valid, audience: { everyone: true } }, 'invalid_body'],
    ['a malformed contact id', { ...valid, audience: { contacts: ['15550001111'] } }, 'invalid_body'],
    ['a rate of 0', { ...valid, ratePerSecond: 0 }, 'invalid_body'],
    ['a rate above WHATSAPP_MPS', { ...valid, ratePerSecond: 31 }, 'rate_above_mps'],
    ['a start that is no date', { ...valid, startAt: 'tomorrow' }, 'invalid_body'],
    [
      'an unknown field',
      { ...valid, template: { ...HOMEWORK, parameters: { '1': '{firstname}', '2': 'x' } } },
      'invalid_parameters',
    ],
    [
      'a missing parameter',
      { ...valid, template: { ...HOMEWORK, parameters: { '1': '{first_name}' } } },
      'invalid_parameters',
    ],
    [
      'ignoreOptOut on a marketing template',
      { ...valid, template: { name: 'open_day', language: 'en' }, ignoreOptOut: true },
      'opt_out_required',
    ],
  ])('answers 400 to %s', async (_what, body, code) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(code);
  });

  it('answers 404 to an unknown template and 409 to one not approved', async () => {
    const unknown = await post({ ...valid, template: { name: 'no_such', language: 'en' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'template_not_found']);
    const rejected = await post({ ...valid, template: { name: 'exam_results_offer', language: 'en' } });
    expect([rejected.status, rejected.body.error.code]).toEqual([409, 'template_not_approved']);
  });

  it('answers 401 without a token and 403 to an agent, on every route', async () => {
    const agent = await AdminClient.agent(stack, 'Agent Campaigns');
    const anonymous = new AdminClient(stack, 'not-a-token');
    const id = newCampaignId();
    const routes: [string, string][] = [
      ['POST', '/api/admin/campaigns'],
      ['GET', '/api/admin/campaigns'],
      ['GET', `/api/admin/campaigns/${id}`],
      ['GET', `/api/admin/campaigns/${id}/recipients`],
      ['GET', `/api/admin/campaigns/${id}/recipients.csv`],
      ['POST', `/api/admin/campaigns/${id}/pause`],
      ['POST', `/api/admin/campaigns/${id}/resume`],
      ['POST', `/api/admin/campaigns/${id}/cancel`],
    ];
    for (const [method, path] of routes) {
      const body = method === 'POST' ? {} : undefined;
      expect([method, path, (await anonymous.request(method, path, body)).status]).toEqual([method, path, 401]);
      expect([method, path, (await agent.request(method, path, body)).status]).toEqual([method, path, 403]);
    }
  });

  it('answers 404 to an unknown campaign, 400 to a malformed id or query', async () => {
    const id = newCampaignId();
    for (const path of [`/api/admin/campaigns/${id}`, `/api/admin/campaigns/${id}/recipients`]) {
      const answer = await admin.request('GET', path);
      expect([answer.status, answer.body.error.code]).toEqual([404, 'campaign_not_found']);
    }
    expect((await admin.request('POST', `/api/admin/campaigns/${id}/pause`)).status).toBe(404);
    expect((await admin.request('GET', '/api/admin/campaigns/cp_nothex')).body.error.code).toBe('invalid_campaign_id');
    const { id: real } = (await post({ ...valid, audience: { contacts: [`ct_${'0'.repeat(20)}`] } })).body;
    for (const query of ['status=sending', 'cursor=%%%', 'limit=1000'])
      expect((await admin.request('GET', `/api/admin/campaigns/${real}/recipients?${query}`)).status).toBe(400);
  });

  it('audits a created campaign by its id, template and filters, naming no student', async () => {
    const [student] = await seedStudents(stack.db, 1, { className: 'Audit' });
    const { body } = await post({ ...valid, audience: { contacts: [student!.contactId] } });
    const { rows } = await stack.db.query<{ details: Record<string, unknown>; outcome: string }>(
      "select details, outcome from audit_log where action = 'campaigns.create' order by id desc limit 1",
    );
    expect(rows[0]).toEqual({
      outcome: 'ok',
      details: expect.objectContaining({
        campaignId: body.id,
        template: 'homework_reminder',
        audience: ['contacts'],
        recipients: 1,
      }),
    });
    expect(JSON.stringify(rows[0])).not.toContain(student!.phone);
  });
});

describe('the daily cap', () => {
  it('stops for the day at the cap and goes on the next day', async () => {
    const students = await seedStudents(stack.db, 7, { className: 'Capped day' });
    // A "day" of 4 s: the route has no such setting, so the campaign is stored and started as the route does.
    const id = await startClassCampaign(stack, 'Capped day', { ratePerSecond: 20, mps: 30, dailyCap: 3, dayMs: 4000 });
    await campaignReaches(admin, id, 'done', 60_000);
    const times = students.flatMap((s) => stack.fake.sendsTo(s.phone).map((send) => send.at)).sort((a, b) => a - b);
    expect(times).toHaveLength(7);
    // Three a day: the fourth waits for the second day, the seventh for the third. A day starts when the
    // workflow looks at the clock, a moment before its first send (slack: 1 s for that moment).
    expect(times[3]! - times[0]!).toBeGreaterThanOrEqual(3000);
    expect(times[6]! - times[3]!).toBeGreaterThanOrEqual(3000);
    const gaps = times.slice(1).map((t, i) => ({ after: i + 1, gap: t - times[i]! }));
    const longest = [...gaps].sort((a, b) => b.gap - a.gap).slice(0, 2);
    expect(longest.map((g) => g.after).sort()).toEqual([3, 6]);
  }, 90_000);
});

describe('erasure', () => {
  it("takes an erased student's recipient row with it, and the campaign message", async () => {
    const [kept, erased] = await seedStudents(stack.db, 2, { className: 'Erased one' });
    const { body } = await post({ ...valid, audience: { class: 'Erased one' } });
    await campaignReaches(admin, body.id, 'done', 60_000);
    const answer = await admin.request('POST', `/api/admin/contacts/${erased!.contactId}/erase`);
    expect(answer.status).toBe(200);
    const page = await admin.request('GET', `/api/admin/campaigns/${body.id}/recipients`);
    expect(page.body.recipients.map((r: { contactId: string }) => r.contactId)).toEqual([kept!.contactId]);
    const { rows } = await stack.db.query('select count(*)::int as n from messages where idempotency_key like $1', [
      `campaign:${body.id}:${erased!.contactId}`,
    ]);
    expect(rows[0]!.n).toBe(0);
  }, 90_000);
});

describe('continue-as-new', () => {
  it('goes on in a new run after its share of recipients, sending each student once', async () => {
    const students = await seedStudents(stack.db, 12, { className: 'Many runs' });
    // Four recipients a run (a slice of 2 s at 2 a second sends 4): 12 students take three runs.
    const id = await startClassCampaign(stack, 'Many runs', { ratePerSecond: 2, mps: 30, recipientsPerRun: 4 });
    await campaignReaches(admin, id, 'done', 60_000);
    expect(students.map((s) => stack.fake.sendsTo(s.phone).length)).toEqual(students.map(() => 1));
    // Temporal's visibility store catches up a moment after the runs close.
    await waitFor(async () => {
      const runs: string[] = [];
      for await (const run of stack.client.workflow.list({ query: `WorkflowId = "${campaignWorkflowId(id)}"` }))
        runs.push(run.status.name);
      return runs.filter((status) => status === 'CONTINUED_AS_NEW').length >= 2;
    }, 'two runs continued as new');
  }, 90_000);
});
