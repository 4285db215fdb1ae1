import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/logger';
import { GoBinaryPathError, resolveGoBinaries } from '../../tools/embedded/go-binaries';
import { cachedBinaryPaths, type GoBinarySet } from '../../tools/embedded/go-install';
import {
  resolveTemporalServer,
  TEMPORAL_SERVER,
  TemporalServerUnavailableError,
} from '../../tools/cluster/temporal-server-build';

// A set of several programs from one module (Temporal's server and SQL tool): one `go install` builds
// them all, each is kept under its own name, and each can come from a named path or PATH instead.
// A shell script stands in for `go`.

let root: string;
let cacheDir: string;
let emptyPath: string;

const SET: GoBinarySet = {
  label: 'test pair',
  version: 'v0.0.1',
  dirName: 'pair-v0.0.1',
  binaries: [
    { name: 'pair-server', package: 'example.com/pair/cmd/server' },
    { name: 'pair-sql-tool', package: 'example.com/pair/cmd/tools/sql' },
  ],
  contents: 'a server and its tool',
  cost: 'takes no time',
};

function executable(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A `go install -v` that writes one program per package, named after the package's last element. */
function fakeGo(): { go: string; calls: () => string[] } {
  const log = path.join(root, 'go-calls.log');
  const body = [
    `echo "$*" >> ${log}`,
    'for pkg in "$@"; do case "$pkg" in install|-v) ;; *) name=$(basename "${pkg%@*}"); echo "$pkg" >&2;',
    '  printf "#!/bin/sh\\necho %s\\n" "$name" > "$GOBIN/$name"; chmod 755 "$GOBIN/$name";; esac; done',
  ].join('\n');
  return {
    go: executable(path.join(root, 'go-toolchain', 'bin', 'go'), body),
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-gobin-'));
  cacheDir = path.join(root, 'cache');
  emptyPath = path.join(root, 'empty-bin');
  fs.mkdirSync(emptyPath);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('resolveGoBinaries with a set of two programs', () => {
  it('builds both with one go install and keeps each under its own name', async () => {
    const { go, calls } = fakeGo();
    const paths = await resolveGoBinaries({
      set: SET,
      cacheDir,
      logger: silentLogger,
      searchPath: emptyPath,
      goBinary: go,
    });
    expect(paths).toEqual(cachedBinaryPaths(SET, cacheDir));
    expect(paths.map((p) => spawnSync(p, { encoding: 'utf8' }).stdout)).toEqual(['server\n', 'sql\n']);
    expect(calls()).toEqual(['install -v example.com/pair/cmd/server@v0.0.1 example.com/pair/cmd/tools/sql@v0.0.1']);
    expect(fs.readdirSync(cacheDir)).toEqual(['pair-v0.0.1']);
  });

  it('builds again when only one of the two is in the cache', async () => {
    const { go, calls } = fakeGo();
    const [server] = cachedBinaryPaths(SET, cacheDir);
    executable(server!, 'echo cached');
    await resolveGoBinaries({ set: SET, cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: go });
    expect(calls()).toHaveLength(1);
  });

  it('takes a named path for one program and the cache for the other, without building', async () => {
    const { go, calls } = fakeGo();
    const named = executable(path.join(root, 'mine', 'server'), 'echo mine');
    const [, tool] = cachedBinaryPaths(SET, cacheDir);
    executable(tool!, 'echo cached tool');
    const paths = await resolveGoBinaries({
      set: SET,
      explicit: { 'pair-server': named },
      cacheDir,
      logger: silentLogger,
      searchPath: emptyPath,
      goBinary: go,
    });
    expect(paths).toEqual([named, tool]);
    expect(calls()).toEqual([]);
  });

  it('finds both on PATH by their names', async () => {
    const bin = path.join(root, 'bin');
    const server = executable(path.join(bin, 'pair-server'), 'echo path');
    const tool = executable(path.join(bin, 'pair-sql-tool'), 'echo path');
    const paths = await resolveGoBinaries({ set: SET, cacheDir, logger: silentLogger, searchPath: bin, build: false });
    expect(paths).toEqual([server, tool]);
  });

  it('rejects a named path that does not exist, naming it', async () => {
    const missing = path.join(root, 'nope');
    const attempt = resolveGoBinaries({
      set: SET,
      explicit: { 'pair-sql-tool': missing },
      cacheDir,
      logger: silentLogger,
    });
    await expect(attempt).rejects.toThrow(GoBinaryPathError);
    await expect(attempt).rejects.toThrow(`${missing} (pair-sql-tool) does not exist`);
  });
});

describe('the Temporal server set', () => {
  it('installs the server and the SQL tool of v1.32.0 into temporal-server-v1.32.0', () => {
    expect(cachedBinaryPaths(TEMPORAL_SERVER, '/c')).toEqual([
      '/c/temporal-server-v1.32.0/temporal-server',
      '/c/temporal-server-v1.32.0/temporal-sql-tool',
    ]);
    expect(TEMPORAL_SERVER.binaries.map((b) => `${b.package}@${TEMPORAL_SERVER.version}`)).toEqual([
      'go.temporal.io/server/cmd/server@v1.32.0',
      'go.temporal.io/server/cmd/tools/sql@v1.32.0',
    ]);
  });

  it('lists every way out when neither binary is found and there is no Go', async () => {
    const attempt = resolveTemporalServer({
      cacheDir,
      logger: silentLogger,
      searchPath: emptyPath,
      goBinary: path.join(root, 'no-go', 'go'),
    });
    await expect(attempt).rejects.toThrow(TemporalServerUnavailableError);
    await expect(attempt).rejects.toThrow(/there is no Go toolchain/);
    await expect(attempt).rejects.toThrow('--temporal-server and --temporal-sql-tool');
    await expect(attempt).rejects.toThrow(`built into ${path.join(cacheDir, 'temporal-server-v1.32.0')}`);
    await expect(attempt).rejects.toThrow('put temporal-server and temporal-sql-tool on PATH');
  });
});
