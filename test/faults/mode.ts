// The fault suite's two sizes. `npm test` runs the short form (a few conversations, short outages: the
// same faults in a few minutes); `npm run test:faults` sets FAULTS_MODE=full for more conversations
// and the 20-second outages production would see.

export const FULL = process.env.FAULTS_MODE === 'full';

export const SIZE = {
  conversations: FULL ? 15 : 6,
  /** Pause between one conversation's messages. */
  paceMs: FULL ? 600 : 300,
  /** How long Temporal and Postgres stay away. */
  outageMs: FULL ? 20_000 : 8_000,
  workerKills: 5,
  serverKills: FULL ? 4 : 2,
};

/** Jest's limit for one fault test: the stack's start, the load, the outages and the ledger's settling. */
export const FAULT_TIMEOUT_MS = FULL ? 600_000 : 240_000;

/** The campaign fault test (campaign-crash.test.ts): issue 25's 2,000 students in both forms. */
export const CAMPAIGN = {
  students: 2_000,
  /** The stack's start is apart (beforeAll); this is the STOPs, the campaign, its faults and the checks. */
  timeoutMs: 420_000,
};
