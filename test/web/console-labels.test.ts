import { AdminClient } from '../helpers/admin-client';
import { openPage, screenshot, signIn } from './browser';
import { askForSupport, listButton, pageWidth, smallButtons, type TestAgent, useConsoleStack } from './console-helpers';

// Labels and priority in two consoles against the real stack: an admin creates labels from the
// console, an agent's console learns of them live; the agent ticks a label and picks a priority with
// the keyboard, the admin's list and header show both live; the list filters by label and priority;
// and it all fits a 360 px screen.

const setup = useConsoleStack(['Ada']);

const chips = (scope: { locator(selector: string): { allTextContents(): Promise<string[]> } }) =>
  scope.locator('.label-chip').allTextContents();

describe('labels and priority in the console', () => {
  it('lets an admin create labels and an agent set them and the priority, live in both consoles', async () => {
    const { stack, browser } = setup;
    const [ada] = setup.agents as [TestAgent];
    const [{ page: admin, problems: adminProblems }, { page: agent, problems: agentProblems }] = await Promise.all([
      openPage(browser),
      openPage(browser),
    ]);
    await Promise.all([signIn(admin, stack.baseUrl, stack.config.adminToken), signIn(agent, stack.baseUrl, ada.token)]);
    const student = await askForSupport(stack, 'Chiamaka Obi');

    // Only an admin is offered the form; the colour picker's value goes as it is, in lower case.
    await admin.locator('#label-admin').waitFor();
    expect(await agent.locator('#label-admin').isVisible()).toBe(false);
    await admin.locator('#label-admin summary').click();
    await admin.locator('#label-name').fill('Exam fees');
    await admin.locator('#label-color').fill('#b42318');
    await admin.getByRole('button', { name: 'Create label' }).click();
    await admin.locator('#label-admin-result', { hasText: '✓ Label “Exam fees” created' }).waitFor();
    await admin.locator('#label-name').fill('Homework');
    await admin.locator('#label-color').fill('#fde68a');
    await admin.locator('#label-name').press('Enter');
    await admin.locator('#label-admin-result', { hasText: '✓ Label “Homework” created' }).waitFor();
    await admin.locator('#label-name').fill('exam FEES');
    await admin.getByRole('button', { name: 'Create label' }).click();
    await admin.locator('#label-admin-result', { hasText: 'HTTP 409 duplicate_label' }).waitFor();

    // The agent's console learns of both without a reload: the list's filter offers them.
    await agent.locator('#label-filter option', { hasText: 'Homework' }).waitFor({ state: 'attached' });
    expect(await agent.locator('#label-filter option').allTextContents()).toEqual([
      'All labels',
      'Exam fees',
      'Homework',
    ]);

    // The agent opens the conversation and, with the keyboard only, ticks a label and picks a priority.
    await listButton(agent, student.id).click();
    await agent.locator('#conversation-title', { hasText: 'Chiamaka' }).waitFor();
    await agent.locator('#conversation-priority .priority-badge', { hasText: 'Normal' }).waitFor();
    await agent.locator('#labels-editor summary').focus();
    await agent.keyboard.press('Enter');
    await agent.getByRole('checkbox', { name: 'Exam fees' }).focus();
    await agent.keyboard.press('Space');
    await agent.locator('#labels-result', { hasText: '✓ Labels saved' }).waitFor();
    await agent.locator('#priority-select').focus();
    await agent.locator('#priority-select').selectOption('urgent');
    await agent.locator('#labels-result', { hasText: '✓ Priority saved' }).waitFor();
    await agent.locator('#conversation-priority .priority-badge', { hasText: 'Urgent' }).waitFor();
    expect(await chips(agent.locator('#conversation-labels'))).toEqual(['Exam fees']);

    // What the API stores is what the console shows.
    const api = new AdminClient(stack, stack.config.adminToken);
    const stored = await api.request('GET', `/api/admin/conversations/${student.id}`);
    expect(stored.body.conversation).toMatchObject({
      priority: 'urgent',
      labels: [{ name: 'Exam fees', color: '#b42318' }],
    });
    // Written to Postgres, then told to the conversation's running workflow.
    const { rows: audit } = await stack.db.query<{ details: { workflow?: string } }>(
      `select details from audit_log where action = 'conversations.priority' and contact_id = $1`,
      [student.id],
    );
    expect(audit.map((row) => row.details.workflow)).toEqual(['signalled']);

    // The admin's list shows it live, chip and badge; opening it shows the same in the header.
    const item = listButton(admin, student.id);
    await item.locator('.priority-badge', { hasText: 'Urgent' }).waitFor();
    expect(await chips(item)).toEqual(['Exam fees']);
    await item.click();
    await admin.locator('#conversation-priority .priority-badge', { hasText: 'Urgent' }).waitFor();
    expect(await chips(admin.locator('#conversation-labels'))).toEqual(['Exam fees']);
    // A change made through the API reaches both consoles' headers live.
    const set = await api.request('PUT', `/api/admin/conversations/${student.id}/labels`, {
      labels: ['Exam fees', 'Homework'],
    });
    expect(set.status).toBe(200);
    for (const page of [admin, agent])
      await page.locator('#conversation-labels .label-chip', { hasText: 'Homework' }).waitFor();
    await agent.locator('#label-choice-' + set.body.labels[1].id + ':checked').waitFor();
    await screenshot(agent, 'console-labels');

    // The list filters by label and by priority.
    const other = await askForSupport(stack, 'Tunde Bakare');
    await listButton(admin, other.id).waitFor();
    await admin.locator('#label-filter').selectOption('Homework');
    await listButton(admin, other.id).waitFor({ state: 'detached' });
    await listButton(admin, student.id).waitFor();
    await admin.locator('#priority-filter').selectOption('low');
    await listButton(admin, student.id).waitFor({ state: 'detached' });
    await admin.locator('#list-empty').waitFor();
    await admin.locator('#label-filter').selectOption('');
    await admin.locator('#priority-filter').selectOption('urgent');
    await listButton(admin, student.id).waitFor();
    expect(await admin.locator('#conversation-list button.conversation-item').count()).toBe(1);
    await admin.locator('#priority-filter').selectOption('');
    await listButton(admin, other.id).waitFor();

    // An admin deletes a label (a second click confirms): it leaves every console's chips, live.
    await admin.getByRole('button', { name: 'Delete Homework' }).click();
    await admin.locator('#label-admin-result', { hasText: 'Click Confirm delete' }).waitFor();
    await admin.getByRole('button', { name: 'Confirm delete Homework' }).click();
    await admin
      .locator('#label-admin-result', { hasText: '✓ Label “Homework” deleted, taken off 1 conversation(s)' })
      .waitFor();
    for (const page of [admin, agent]) {
      await page.locator('#conversation-labels .label-chip', { hasText: 'Homework' }).waitFor({ state: 'detached' });
      await page.locator('#label-filter option', { hasText: 'Homework' }).waitFor({ state: 'detached' });
    }
    expect(await chips(agent.locator('#conversation-labels'))).toEqual(['Exam fees']);
    await listButton(admin, student.id).locator('.label-chip', { hasText: 'Homework' }).waitFor({ state: 'detached' });
    expect(await chips(listButton(admin, student.id))).toEqual(['Exam fees']);

    // A phone-sized screen: nothing overflows, everything is big enough to tap.
    await agent.setViewportSize({ width: 360, height: 740 });
    expect(await pageWidth(agent)).toBeLessThanOrEqual(360);
    expect(await smallButtons(agent)).toEqual([]);
    await agent.getByRole('button', { name: '← Back' }).click();
    await listButton(agent, student.id).locator('.label-chip', { hasText: 'Exam fees' }).waitFor();
    expect(await pageWidth(agent)).toBeLessThanOrEqual(360);
    expect(await smallButtons(agent)).toEqual([]);

    // The admin's box of labels too.
    await admin.setViewportSize({ width: 360, height: 740 });
    await admin.getByRole('button', { name: '← Back' }).click();
    await admin.getByRole('button', { name: 'Delete Exam fees' }).scrollIntoViewIfNeeded();
    expect(await pageWidth(admin)).toBeLessThanOrEqual(360);
    expect(await smallButtons(admin)).toEqual([]);

    expect([...adminProblems, ...agentProblems]).toEqual([]);
  });
});
