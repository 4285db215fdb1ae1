// `npm run soak -- --minutes N` (default 30): runs the soak's jest project, which exists only when
// EDUBOT_SOAK is set, so a plain `jest` (npm test) never starts it.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
const at = args.indexOf('--minutes');
const minutes = at === -1 ? '30' : args[at + 1];
if (!/^\d+(\.\d+)?$/.test(minutes ?? '') || Number(minutes) <= 0) {
  process.stderr.write('usage: npm run soak -- --minutes N (a positive number of minutes)\n');
  process.exit(2);
}
const jest = path.join(__dirname, '../../node_modules/jest/bin/jest.js');
const run = spawnSync(process.execPath, [jest, '--selectProjects', 'soak'], {
  cwd: path.join(__dirname, '../..'),
  env: { ...process.env, EDUBOT_SOAK: '1', SOAK_MINUTES: minutes },
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
