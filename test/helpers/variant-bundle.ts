import path from 'node:path';
import { bundleConversationWorkflows } from '../../src/temporal/workflow-bundle';

/**
 * The product's workflow bundle with a structural change (one extra timer per signal,
 * test/workflows/variant/extra-timer.ts): another build of the same workflow, for upgrade tests. Its
 * build id differs from the product's, as it is derived from the bundle.
 */
export function variantWorkflowBundle(): Promise<string> {
  return bundleConversationWorkflows({
    interceptorModules: [path.resolve(__dirname, '../workflows/variant/extra-timer.ts')],
  });
}
