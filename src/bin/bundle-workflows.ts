import fs from 'node:fs';
import { BUILT_BUNDLE_PATH, bundleConversationWorkflows } from '../temporal/workflow-bundle';

// The last step of `npm run build`: bundles the compiled workflows into dist/workflow-bundle.js.

bundleConversationWorkflows().then(
  (code) => {
    fs.writeFileSync(BUILT_BUNDLE_PATH, code);
    process.stdout.write(`workflow bundle: ${BUILT_BUNDLE_PATH} (${Math.round(code.length / 1024)} KB)\n`);
  },
  (err: unknown) => {
    process.stderr.write(
      `bundling the workflows failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
