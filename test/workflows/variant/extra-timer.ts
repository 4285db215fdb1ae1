import * as wf from '@temporalio/workflow';

// A structural change to the conversation workflow, for the upgrade tests: bundled in as a workflow
// interceptor (test/helpers/variant-bundle.ts), it makes every signal the conversation takes also start
// a 1 ms timer. A history of either build replayed on the other fails with a nondeterminism error, so a
// run that moves between them without one shows it moved only by continuing as new.

export const interceptors = (): wf.WorkflowInterceptors => ({
  inbound: [
    {
      async handleSignal(input, next) {
        await next(input);
        await wf.sleep(1);
      },
    },
  ],
});
