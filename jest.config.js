// Five projects: `unit` (pure code, no services: seconds), `integration` (a real Temporal dev server
// and a real Postgres, started once by the global setup), `browser` (the same, plus Debian's
// Chromium), `cluster` (the product on Temporal's own server cluster with several servers and
// workers, as production runs it: about 90 s once Temporal's server is built) and `faults` (the
// product as separate processes that are killed, cut off and stormed under load: the short form, a
// few minutes). `npm test` runs all five; `npm run test:unit` the first alone, `npm run test:cluster`
// the cluster, `npm run test:faults` the fault suite in its full form.
//
// The unit project is every file that starts no service: no Temporal, no Postgres, no browser (a
// loopback HTTP server or a child Node process is fine). Files are listed here by path rather than
// moved, so the folders can keep mirroring the source.

const UNIT = [
  '<rootDir>/test/bench/svg.test.ts',
  '<rootDir>/test/config.test.ts',
  '<rootDir>/test/docs.test.ts',
  '<rootDir>/test/domain/**/*.test.ts',
  '<rootDir>/test/embedded/go-binaries.test.ts',
  '<rootDir>/test/embedded/temporal-sqlite-config.test.ts',
  '<rootDir>/test/embedded/temporal-ui.test.ts',
  '<rootDir>/test/entry.test.ts',
  '<rootDir>/test/logger.test.ts',
  '<rootDir>/test/metrics/**/*.test.ts',
  '<rootDir>/test/readme.test.ts',
  '<rootDir>/test/deploy/**/*.test.ts',
  '<rootDir>/test/server/admin/request-validation.test.ts',
  '<rootDir>/test/server/api/checked-fetch.test.ts',
  '<rootDir>/test/server/client-errors.test.ts',
  '<rootDir>/test/server/console-facts.test.ts',
  '<rootDir>/test/server/web-libraries.test.ts',
  '<rootDir>/test/temporal/payload-codec.test.ts',
  '<rootDir>/test/temporal/payload-keys.test.ts',
  '<rootDir>/test/sandbox/**/*.test.ts',
  '<rootDir>/test/whatsapp/**/*.test.ts',
  '<rootDir>/test/templates/template.test.ts',
  '<rootDir>/test/web/pages.test.ts',
  '<rootDir>/test/web/simulator-user.test.ts',
  '<rootDir>/test/web/ts-check.test.ts',
  '<rootDir>/test/workflows/determinism-fence.test.ts',
  '<rootDir>/test/workflows/replay.test.ts',
  '<rootDir>/test/workflows/snapshot.test.ts',
  '<rootDir>/test/workflows/flow/**/*.test.ts',
];
const BROWSER = [
  '<rootDir>/test/web/console*.test.ts',
  '<rootDir>/test/web/simulator.test.ts',
  '<rootDir>/test/web/docs.test.ts',
];
const CLUSTER = ['<rootDir>/test/cluster/*.test.ts'];
const FAULTS = ['<rootDir>/test/faults/*.test.ts'];

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // The browser's ES modules (src/web), required by the tests that run their logic in Node.
    '/src/web/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Stops whatever a file started and left running, even when its beforeAll failed halfway.
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup-after-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.cjs'],
  // Test files share one Temporal server and one Postgres cluster: run them one at a time. Jest reads
  // maxWorkers for the whole run, never per project, so the unit loop gets its parallelism from the
  // command line instead (`npm run test:unit` is `jest --selectProjects unit --maxWorkers 2`): its
  // files share nothing. `npm test` keeps this one config and this one setting for every file.
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
