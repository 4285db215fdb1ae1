import { silentLogger } from '../../src/logger';
import { createTemplateCatalogue } from '../../src/templates/catalogue';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { TEST_ACCESS_TOKEN, type TestStack } from './stack';

/** The business account tests list templates from, when their stack names none. */
export const TEST_BUSINESS_ACCOUNT_ID = '102000000000009';

/** Lists the Graph fake's templates into the stack's Postgres, as the server does when it starts. */
export async function loadTemplates(stack: TestStack): Promise<void> {
  await createTemplateCatalogue({
    db: stack.db,
    whatsapp: createGraphClient({ baseUrl: stack.fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' }),
    businessAccountId: stack.config.templates.businessAccountId ?? TEST_BUSINESS_ACCOUNT_ID,
    refreshIntervalMs: 60_000,
    logger: silentLogger,
  }).refresh();
}
