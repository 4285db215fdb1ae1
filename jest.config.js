// Five projects: `unit` (pure code, no services: seconds), `integration` (a real Temporal dev server
// and a real Postgres, started once by the global setup), `browser` (the same, plus Debian's
// Chromium), `cluster` (the product on Temporal's own server cluster with several servers and
// workers, as production runs it: about 90 s once Temporal's server is built) and `faults` (the
// product as separate processes that are killed, cut off and stormed under load: the short form, a
// few minutes). `npm test` runs all five; `npm run test:unit` the first alone, `npm run test:cluster`
// the cluster, `npm run test:faults` the fault suite in its full form.

const UNIT = [
  '<rootDir>/test/config.test.ts',
  '<rootDir>/test/domain/**/*.test.ts',
  '<rootDir>/test/entry.test.ts',
  '<rootDir>/test/logger.test.ts',
  '<rootDir>/test/metrics/**/*.test.ts',
  '<rootDir>/test/readme.test.ts',
  '<rootDir>/test/deploy/**/*.test.ts',
  '<rootDir>/test/sandbox/**/*.test.ts',
  '<rootDir>/test/whatsapp/**/*.test.ts',
  '<rootDir>/test/templates/template.test.ts',
  '<rootDir>/test/web/pages.test.ts',
  '<rootDir>/test/workflows/determinism-fence.test.ts',
  '<rootDir>/test/workflows/replay.test.ts',
  '<rootDir>/test/workflows/snapshot.test.ts',
  '<rootDir>/test/workflows/flow/**/*.test.ts',
];
const BROWSER = ['<rootDir>/test/web/console*.test.ts', '<rootDir>/test/web/simulator.test.ts'];
const CLUSTER = ['<rootDir>/test/cluster/*.test.ts'];
const FAULTS = ['<rootDir>/test/faults/*.test.ts'];

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Stops whatever a file started and left running, even when its beforeAll failed halfway.
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup-after-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.cjs'],
  // Test files share one Temporal server and one Postgres cluster: run them one at a time.
  maxWorkers: 1,
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: UNIT },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...[...UNIT, ...BROWSER, ...CLUSTER, ...FAULTS].map(globToPattern)],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: BROWSER,
      globalSetup: '<rootDir>/test/web/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'cluster',
      testMatch: CLUSTER,
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'faults',
      testMatch: FAULTS,
      globalSetup: '<rootDir>/test/faults/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    // Only for `npm run soak`, which sets EDUBOT_SOAK: a plain `jest` never runs it.
    ...(process.env.EDUBOT_SOAK
      ? [
          {
            ...common,
            displayName: 'soak',
            testMatch: ['<rootDir>/test/faults/soak.soak.ts'],
            globalSetup: '<rootDir>/test/faults/global-setup.ts',
            globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
          },
        ]
      : []),
  ],
};

/** testPathIgnorePatterns are regular expressions over the path; the lists above are globs. */
function globToPattern(glob) {
  const escaped = glob.replace('<rootDir>/', '/').replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return escaped
    .split('/**/')
    .map((part) => part.replace(/\*/g, '[^/]*'))
    .join('/(?:.*/)?');
}
