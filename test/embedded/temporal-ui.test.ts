import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/logger';
import { GoBinariesUnavailableError } from '../../tools/embedded/go-binaries';
import { cachedBinaryPaths } from '../../tools/embedded/go-install';
import { resolveTemporalUi, TEMPORAL_UI_SERVER, temporalUiConfig } from '../../tools/embedded/temporal-ui';

// The Web UI server's resolution order and the shared Go build (one builder, a lock, progress lines),
// with shell scripts standing in for `temporal-ui-server` and `go`: the real build is never run here.

const cachedUiPath = (cacheDir: string): string => cachedBinaryPaths(TEMPORAL_UI_SERVER, cacheDir)[0]!;

let root: string;
let cacheDir: string;
let emptyPath: string;
const noGo = () => path.join(root, 'no-go-here', 'go');

function executable(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A `go` that behaves like `go install -v`: package lines on stderr, then $GOBIN/server. */
function fakeGo(options: { fail?: boolean } = {}): { go: string; calls: () => string[] } {
  const log = path.join(root, 'go-calls.log');
  const body = options.fail
    ? 'echo "go: github.com/temporalio/ui-server/v2/cmd/server@v2.54.1: no space left on device" >&2; exit 1'
    : [
        `echo "$* GOBIN=$GOBIN CGO_ENABLED=$CGO_ENABLED" >> ${log}`,
        'echo "go: downloading github.com/temporalio/ui-server/v2 v2.54.1" >&2',
        'echo "internal/goarch" >&2; echo "github.com/temporalio/ui-server/v2/server" >&2',
        'sleep 0.3',
        'printf "#!/bin/sh\\necho built\\n" > "$GOBIN/server"; chmod 755 "$GOBIN/server"',
      ].join('\n');
  return {
    go: executable(path.join(root, 'go-toolchain', 'bin', 'go'), body),
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

let stderrLines: string[];
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-ui-'));
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

describe('resolveTemporalUi', () => {
  it('prefers the cached build to a temporal-ui-server on PATH', async () => {
    const cached = executable(cachedUiPath(cacheDir), 'echo cached');
    const onPath = path.join(root, 'bin');
    executable(path.join(onPath, 'temporal-ui-server'), 'echo path');
    expect(await resolveTemporalUi({ cacheDir, logger: silentLogger, searchPath: onPath })).toBe(cached);
  });

  it('falls back to temporal-ui-server on PATH when the cache is empty', async () => {
    const onPath = path.join(root, 'bin');
    const found = executable(path.join(onPath, 'temporal-ui-server'), 'echo path');
    const searchPath = [emptyPath, path.join(root, 'missing-dir'), onPath].join(path.delimiter);
    expect(await resolveTemporalUi({ cacheDir, logger: silentLogger, searchPath, goBinary: noGo() })).toBe(found);
  });

  it('says why when nothing is found and there is no Go', async () => {
    const attempt = resolveTemporalUi({ cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: noGo() });
    await expect(attempt).rejects.toThrow(GoBinariesUnavailableError);
    await expect(attempt).rejects.toThrow(`there is no Go toolchain (looked in ${noGo()})`);
  });

  it('does not build when building is disabled', async () => {
    const { go, calls } = fakeGo();
    const attempt = resolveTemporalUi({
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

describe('temporalUiConfig', () => {
  it('binds the UI to 127.0.0.1, points it at the frontend, and asks nothing of the Internet', () => {
    const config = JSON.parse(
      temporalUiConfig({ frontendAddress: '127.0.0.1:7233', port: 8233, namespace: 'default' })
        .split('\n')
        .slice(1)
        .join('\n'),
    ) as Record<string, unknown>;
    expect(config).toMatchObject({
      temporalGrpcAddress: '127.0.0.1:7233',
      host: '127.0.0.1',
      port: 8233,
      enableUi: true,
      defaultNamespace: 'default',
      notifyOnNewVersion: false,
      codec: { endpoint: '' },
    });
  });

  it("points the UI at the product's codec server, which it calls without an access token", () => {
    const text = temporalUiConfig({
      frontendAddress: '127.0.0.1:7233',
      port: 8233,
      namespace: 'default',
      codecEndpoint: 'http://127.0.0.1:3000/api/temporal-codec',
    });
    expect((JSON.parse(text.split('\n').slice(1).join('\n')) as { codec: unknown }).codec).toEqual({
      endpoint: 'http://127.0.0.1:3000/api/temporal-codec',
      passAccessToken: false,
      includeCredentials: false,
    });
  });
});

describe('building the Web UI server with Go', () => {
  it('builds once into the cache even when two callers ask at the same time', async () => {
    const { go, calls } = fakeGo();
    const options = { cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: go };
    const [first, second] = await Promise.all([resolveTemporalUi(options), resolveTemporalUi(options)]);
    const target = cachedUiPath(cacheDir);
    expect([first, second]).toEqual([target, target]);
    expect(spawnSync(target, { encoding: 'utf8' }).stdout).toBe('built\n');

    const [call, ...others] = calls();
    expect(others).toEqual([]);
    expect(call).toMatch(
      /^install -v github\.com\/temporalio\/ui-server\/v2\/cmd\/server@v2\.54\.1 GOBIN=\S+ CGO_ENABLED=0$/,
    );
    // Installed into a private GOBIN and renamed into place; nothing is left behind.
    expect(call).not.toContain(`GOBIN=${path.dirname(target)} `);
    expect(fs.readdirSync(cacheDir)).toEqual([path.basename(path.dirname(target))]);

    const output = stderrLines.join('');
    expect(output).toContain(TEMPORAL_UI_SERVER.cost);
    expect(output).toContain('Temporal Web UI server v2.54.1 (the Web UI and its pages)');
    expect(output).toMatch(/Temporal Web UI server built in \dm\d\ds \(2 packages compiled\)/);
    expect(output).toContain('another process is building the Temporal Web UI server');
  });

  it('builds once when two processes ask at the same time', async () => {
    const { go, calls } = fakeGo();
    const register = path.join(__dirname, '..', 'helpers', 'ts-register.cjs');
    const script = [
      `const { resolveTemporalUi } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'tools', 'embedded', 'temporal-ui'))});`,
      `const { silentLogger } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'logger'))});`,
      `resolveTemporalUi({ ...${JSON.stringify({ cacheDir, searchPath: emptyPath, goBinary: go })}, logger: silentLogger })`,
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
    const target = cachedUiPath(cacheDir);
    expect(await Promise.all([run(), run()])).toEqual([target, target]);
    expect(calls()).toHaveLength(1);
  });

  it('takes over a lock left behind by a process that died', async () => {
    const { go, calls } = fakeGo();
    const dead = spawnSync('true').pid;
    const target = cachedUiPath(cacheDir);
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(`${path.dirname(target)}.lock`, JSON.stringify({ pid: dead, host: os.hostname() }));
    expect(await resolveTemporalUi({ cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: go })).toBe(
      target,
    );
    expect(calls()).toHaveLength(1);
  });

  it('reports what go printed when the build fails, with the other routes', async () => {
    const { go } = fakeGo({ fail: true });
    const attempt = resolveTemporalUi({ cacheDir, logger: silentLogger, searchPath: emptyPath, goBinary: go });
    await expect(attempt).rejects.toThrow(GoBinariesUnavailableError);
    await expect(attempt).rejects.toThrow(/exited with 1:\ngo: .*no space left on device/);
    expect(fs.existsSync(cachedUiPath(cacheDir))).toBe(false);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });
});
