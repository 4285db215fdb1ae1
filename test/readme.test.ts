import { readDoc, section, tableKeys, trackedFolders } from './helpers/markdown';

// The README is a map: the commands a newcomer runs, the folders they will find, the test projects they
// will meet. Each of these is checked against what it describes, so the map cannot drift from the land.

describe('README', () => {
  const readme = readDoc('README.md');

  it('names the two commands that matter', () => {
    expect(readme).toContain('npm install');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });

  it('has one row in its folder table for every top-level folder and every src/ and tools/ folder, and no other', () => {
    const table = tableKeys(section(readme, 'Where things are'));
    const tree = [...trackedFolders(''), ...trackedFolders('src'), ...trackedFolders('tools')];
    expect([...table].sort()).toEqual([...tree].sort());
  });

  it('names every jest project that npm test runs, and says how many there are', () => {
    const projects = jestProjects();
    const tests = section(readme, 'Tests');
    const listed = [...tests.matchAll(/^- `([a-z]+)` \(/gm)].map((match) => match[1]);
    expect(listed).toEqual(projects);
    expect(tests).toMatch(new RegExp(`^${NUMBER_WORDS[projects.length]} jest projects run under \`npm test\``, 'im'));
  });
});

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The display names of the projects a plain `jest` runs (the soak exists only under EDUBOT_SOAK). */
function jestProjects(): string[] {
  const saved = process.env.EDUBOT_SOAK;
  delete process.env.EDUBOT_SOAK;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.config.js is CommonJS, read as jest reads it
    const config = require('../jest.config.js') as { projects: { displayName: string }[] };
    return config.projects.map((project) => project.displayName);
  } finally {
    if (saved !== undefined) process.env.EDUBOT_SOAK = saved;
  }
}
