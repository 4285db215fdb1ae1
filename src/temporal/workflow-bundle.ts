import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

// The conversation workflows as one webpack bundle. `npm run build` writes it next to the compiled
// code, so a worker started from dist/ loads it instead of bundling at start: bundling in the worker
// costs seconds, and the bundler (webpack, swc) stays in the worker's memory afterwards (measured
// here: RSS 39 MB before bundling, 164 MB after, with the garbage collected).

/** The conversation workflows' entry point. */
const WORKFLOWS_PATH = require.resolve('../../workflows');

/**
 * Modules loaded once into the SDK's reusable V8 context and shared by every workflow, instead of one
 * instance per cached workflow: the flow (`workflows/flow/`) is pure and keeps no module state (the SDK
 * freezes shared modules, so a write would throw, not leak).
 */
const PRELOADED_WORKFLOW_MODULES = [require.resolve('../../workflows/flow')];

/** Failures encoded as payloads, so the codec encrypts their messages (connect.ts gives clients the same). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** Where the build puts the bundle: dist/workflow-bundle.js for compiled code; nothing from the sources. */
export const BUILT_BUNDLE_PATH = path.resolve(__dirname, '../../workflow-bundle.js');

/**
 * Bundles the conversation workflows (every bundling of them goes through here, so all share the
 * options). `interceptorModules`: workflow interceptors bundled in (the upgrade tests' other build).
 */
export async function bundleConversationWorkflows(options: { interceptorModules?: string[] } = {}): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: PRELOADED_WORKFLOW_MODULES,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(options.interceptorModules ? { workflowInterceptorModules: options.interceptorModules } : {}),
    logger: new DefaultLogger('WARN'),
  });
  return bundle.code;
}

/** The bundle the build wrote beside this compiled module, if there is one. */
export function builtWorkflowBundle(): { codePath: string } | undefined {
  return fs.existsSync(BUILT_BUNDLE_PATH) ? { codePath: BUILT_BUNDLE_PATH } : undefined;
}
