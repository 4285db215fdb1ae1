import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/logger';
import {
  cachedTemporalCliPath,
  resolveTemporalCli,
  TemporalCliPathError,
  TemporalCliUnavailableError,
} from '../../src/embedded/temporal-cli';

// Resolution order and the Go build, with shell scripts standing in for `temporal` and `go`: the
// real build takes minutes and is never run here.

let root: string;
let cacheDir: string;
let emptyPath: string;
const noGo = () => path.join(root, 'no-go-here', 'go');

function executable(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A `go` that behaves like `go install -v`: package lines on stderr, then $GOBIN/temporal. */
function fakeGo(options: { fail?: boolean } = {}): { go: string; calls: () => string[] } {
  const log = path.join(root, 'go-calls.log');
  const body = options.fail
    ? 'echo "go: github.com/temporalio/cli/cmd/temporal@v1.5.1: no space left on device" >&2; exit 1'
    : [
        `echo "$* GOBIN=$GOBIN CGO_ENABLED=$CGO_ENABLED" >> ${log}`,
        'echo "go: downloading go.temporal.io/server v1.29.1" >&2',
        'echo "internal/goarch" >&2; echo "go.temporal.io/server/common/log" >&2',
        'sleep 0.3',
        'printf "#!/bin/sh\\necho built\\n" > "$GOBIN/temporal"; chmod 755 "$GOBIN/temporal"',
      ].join('\n');
  return {
    go: executable(path.join(root, 'go-toolchain', 'bin', 'go'), body),
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

let stderrLines: string[];
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-cli-'));
  cacheDir = path.join(root, 'cache');
  emptyPath = path.join(root, 'empty-bin');
  fs.mkdirSync(emptyPath);
  stderrLines = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderrLines.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('resolveTemporalCli', () => {
  it('uses TEMPORAL_CLI_PATH before the cache and PATH', async () => {
    const chosen = executable(path.join(root, 'custom', 'temporal'), 'echo custom');
    executable(cachedTemporalCliPath(cacheDir), 'echo cached');
    const onPath = path.join(root, 'bin');
    executable(path.join(onPath, 'temporal'), 'echo path');
    const resolved = await resolveTemporalCli({ cliPath: chosen, cacheDir, logger: silentLogger, searchPath: onPath });
    expect(resolved).toBe(chosen);
  });

  it('rejects a TEMPORAL_CLI_PATH that does not exist, naming the variable', async () => {
    const missing = path.join(root, 'nope', 'temporal');
    executable(cachedTemporalCliPath(cacheDir), 'echo cached');
    const attempt = resolveTemporalCli({ cliPath: missing, cacheDir, logger: silentLogger, searchPath: emptyPath });
    await expect(attempt).rejects.toThrow(TemporalCliPathError);
    await expect(attempt).rejects.toThrow(`TEMPORAL_CLI_PATH=${missing} does not exist`);
  });

  it('rejects a TEMPORAL_CLI_PATH that is not executable', async () => {
    const plain = path.join(root, 'temporal.txt');
    fs.writeFileSync(plain, 'not a program', { mode: 0o644 });
    await expect(resolveTemporalCli({ cliPath: plain, cacheDir, logger: silentLogger })).rejects.toThrow(
      /TEMPORAL_CLI_PATH=.*temporal\.txt is not executable/,
    );
    await expect(resolveTemporalCli({ cliPath: root, cacheDir, logger: silentLogger })).rejects.toThrow(
      /is not a file/,
    );
  });

  it('prefers the cached build to a temporal on PATH', async () => {
    const cached = executable(cachedTemporalCliPath(cacheDir), 'echo cached');
    const onPath = path.join(root, 'bin');
    executable(path.join(onPath, 'temporal'), 'echo path');
    expect(await resolveTemporalCli({ cacheDir, logger: silentLogger, searchPath: onPath })).toBe(cached);
  });

  it('falls back to temporal on PATH when the cache is empty', async () => {
    const onPath = path.join(root, 'bin');
    const found = executable(path.join(onPath, 'temporal'), 'echo path');
    const searchPath = [emptyPath, path.join(root, 'missing-dir'), onPath].join(path.delimiter);
    expect(await resolveTemporalCli({ cacheDir, logger: silentLogger, searchPath, goBinary: noGo() })).toBe(found);
  });

  it('lists every way out when nothing is found and there is no Go', async () => {
    const attempt = resolveTemporalCli({ cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: noGo() });
    await expect(attempt).rejects.toThrow(TemporalCliUnavailableError);
    const error = (await attempt.catch((e: unknown) => e)) as TemporalCliUnavailableError;
    expect(error.routes).toHaveLength(4);
    expect(error.message).toContain('set TEMPORAL_CLI_PATH to a temporal CLI binary');
    expect(error.message).toContain(
      `install Go >= 1.25 (https://go.dev/dl) so it can be built into ${cachedTemporalCliPath(cacheDir)}`,
    );
    expect(error.message).toContain('put `temporal` on PATH');
    expect(error.message).toContain('set TEMPORAL_ADDRESS to an existing Temporal server');
    expect(error.message).toContain(`looked in ${noGo()}`);
  });

  it('does not build when building is disabled', async () => {
    const { go, calls } = fakeGo();
    const attempt = resolveTemporalCli({
      cacheDir,
      logger: silentLogger,
      searchPath: emptyPath,
      goBinary: go,
      build: false,
    });
    await expect(attempt).rejects.toThrow(/building is disabled/);
    expect(calls()).toEqual([]);
  });
});

describe('building the CLI with Go', () => {
  it('builds once into the cache even when two callers ask at the same time', async () => {
    const { go, calls } = fakeGo();
    const options = { cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: go };
    const [first, second] = await Promise.all([resolveTemporalCli(options), resolveTemporalCli(options)]);
    const target = cachedTemporalCliPath(cacheDir);
    expect([first, second]).toEqual([target, target]);
    expect(spawnSync(target, { encoding: 'utf8' }).stdout).toBe('built\n');

    const [call, ...others] = calls();
    expect(others).toEqual([]);
    expect(call).toMatch(/^install -v github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1 GOBIN=\S+ CGO_ENABLED=0$/);
    // Installed into a private GOBIN and renamed into place; nothing is left behind.
    expect(call).not.toContain(`GOBIN=${path.dirname(target)} `);
    expect(fs.readdirSync(cacheDir)).toEqual([path.basename(path.dirname(target))]);

    const output = stderrLines.join('');
    expect(output).toMatch(/takes about 2½–5½ minutes on 2 cores and yields a ~250 MB binary/);
    expect(output).toContain('Temporal Server 1.29.1, UI 2.42.1');
    expect(output).toMatch(/temporal CLI built in \dm\d\ds \(2 packages compiled\)/);
    expect(output).toContain('another process is building the temporal CLI');
  });

  it('builds once when two processes ask at the same time', async () => {
    const { go, calls } = fakeGo();
    const register = path.join(__dirname, '..', 'helpers', 'ts-register.cjs');
    const script = [
      `const { resolveTemporalCli } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'embedded', 'temporal-cli'))});`,
      `const { silentLogger } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'logger'))});`,
      `resolveTemporalCli({ ...${JSON.stringify({ cacheDir, searchPath: emptyPath, goBinary: go })}, logger: silentLogger })`,
      '  .then((p) => process.stdout.write(p), (e) => { console.error(e); process.exit(1); });',
    ].join('\n');
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--require', register, '-e', script], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
      });
    const target = cachedTemporalCliPath(cacheDir);
    expect(await Promise.all([run(), run()])).toEqual([target, target]);
    expect(calls()).toHaveLength(1);
  });

  it('takes over a lock left behind by a process that died', async () => {
    const { go, calls } = fakeGo();
    const dead = spawnSync('true').pid;
    const target = cachedTemporalCliPath(cacheDir);
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(`${path.dirname(target)}.lock`, JSON.stringify({ pid: dead, host: os.hostname() }));
    expect(await resolveTemporalCli({ cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: go })).toBe(
      target,
    );
    expect(calls()).toHaveLength(1);
  });

  it('reports what go printed when the build fails, with the other routes', async () => {
    const { go } = fakeGo({ fail: true });
    const attempt = resolveTemporalCli({ cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: go });
    await expect(attempt).rejects.toThrow(TemporalCliUnavailableError);
    await expect(attempt).rejects.toThrow(/exited with 1:\ngo: .*no space left on device/);
    await expect(attempt).rejects.toThrow(/set TEMPORAL_ADDRESS to an existing Temporal server/);
    expect(fs.existsSync(cachedTemporalCliPath(cacheDir))).toBe(false);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });
});
