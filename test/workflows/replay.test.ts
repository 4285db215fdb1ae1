import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleConversationWorkflows } from '../../src/temporal/workflow-bundle';
import { variantWorkflowBundle } from '../helpers/variant-bundle';
import { temporalDataConverter } from '../../src/temporal/connect';
import { testPayloadKeys } from '../helpers/payload-keys';

// The fast loop's check of determinism (`npm run test:unit`, no server): the workflow bundle holds
// nothing but workflow code, domain/ and the packages the SDK runs in its sandbox, and every recorded
// history of the current version (test/workflows/record-histories.test.ts, `npm run histories`)
// replays with it, without a nondeterminism error.

const HISTORIES_DIR = path.join(__dirname, 'histories');
const { History } = temporal.api.history.v1;

// Histories recorded since payloads are encrypted hold them sealed under the tests' key.
const testDataConverter = temporalDataConverter(testPayloadKeys());

/** Where a bundled module may come from: the project's workflow and domain code, and the SDK's sandboxed packages. */
const ALLOWED_MODULES = [
  /^\.\/(dist\/)?(workflows|domain)\/[\w/.-]+\.[jt]s$/,
  // The failure converter every client and worker shares (it encodes failures for the codec).
  /^\.\/(dist\/)?src\/temporal\/failure-converter\.[jt]s$/,
  /^\.\/node_modules\/(@temporalio\/(workflow|common)|long|ms|nexus-rpc)\//,
  // Modules the SDK's bundler replaces with nothing (webpack names them by a hash).
  /^\?[0-9a-f]+$/,
];

let code: string;
beforeAll(async () => {
  code = await bundleConversationWorkflows();
}, 60_000);

describe('the workflow bundle', () => {
  it('holds only workflow code, domain/ and the SDK', () => {
    const modules = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1]!);
    expect(modules).toEqual(expect.arrayContaining(['./workflows/conversation.ts', './workflows/flow/step.ts']));
    expect(modules.filter((m) => !ALLOWED_MODULES.some((allowed) => allowed.test(m)))).toEqual([]);
  });

  it('replays every recorded history of the current version', async () => {
    const files = historyFiles();
    // A scenario each: the live conversation, the full flow, agents' content.
    expect(new Set(files.map((f) => f.replace(/-\d+\.history\.bin$/, '')))).toEqual(
      new Set(['core', 'full-flow', 'support-content']),
    );
    const { replayed, failures } = await replayWith(code, files);
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });

  // The check above can fail: a build with one more timer per signal (the upgrade tests' other build)
  // does not replay these histories.
  it('tells a structurally changed build apart: it cannot replay them', async () => {
    const files = historyFiles();
    const { failures } = await replayWith(await variantWorkflowBundle(), files);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]!.error).toMatch(/nondetermin/i);
  }, 60_000);
});

function historyFiles(): string[] {
  return fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.history.bin'));
}

async function replayWith(bundle: string, files: string[]) {
  const histories = files.map((f) => ({
    workflowId: 'conversation-ct_00000000000000000000',
    history: History.decode(fs.readFileSync(path.join(HISTORIES_DIR, f))),
  }));
  const failures: { file: string; error: string }[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { code: bundle }, dataConverter: testDataConverter },
    histories,
  )) {
    replayed++;
    if (result.error) failures.push({ file: files[replayed - 1]!, error: String(result.error) });
  }
  return { replayed, failures };
}
