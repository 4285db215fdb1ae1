import { DefaultFailureConverter } from '@temporalio/common';

// Loaded by path (`failureConverterPath`) in the workflow bundle, the worker and every client: a
// failure's message and stack trace are encoded as a payload, so the codec encrypts them like any other
// (SPEC §12) — an activity's error may quote what a student wrote. Failures recorded before they were
// encoded keep their plain message and still read.

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
