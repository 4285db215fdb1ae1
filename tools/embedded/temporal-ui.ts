import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/logger';
import { acceptsTcp } from '../../src/temporal/server-checks';
import { onProcessExit } from './exit-hooks';
import { resolveGoBinaries } from './go-binaries';
import type { GoBinarySet } from './go-install';

// Temporal's Web UI for `npm start`: the `ui-server` program, built from its Go module like the server
// (its Go module ships the built pages, so no Node build is involved), run as a process of its own
// beside the server with a configuration file written here. Tests run without it.

/** The UI the temporal CLI 1.9 embeds; its go.mod asks for Go 1.26.5 and has no replace directive. */
export const TEMPORAL_UI_VERSION = 'v2.54.1';

/** `<cacheDir>/temporal-ui-server-v2.54.1/temporal-ui-server`. */
export const TEMPORAL_UI_SERVER: GoBinarySet = {
  label: 'Temporal Web UI server',
  version: TEMPORAL_UI_VERSION,
  dirName: `temporal-ui-server-${TEMPORAL_UI_VERSION}`,
  binaries: [{ name: 'temporal-ui-server', package: 'github.com/temporalio/ui-server/v2/cmd/server' }],
  contents: 'the Web UI and its pages',
  cost: 'takes 1–5 minutes on 2 cores from an empty Go module cache and yields a ~36 MB binary',
};

export interface TemporalUi {
  url: string;
  pid?: number;
  /** SIGTERM, then SIGKILL after 5 s; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartTemporalUiOptions {
  /** The ui-server binary; resolved (cache, PATH, Go build) when absent. */
  binary?: string;
  cacheDir: string;
  /** The frontend the UI talks to, `127.0.0.1:PORT`. */
  frontendAddress: string;
  port: number;
  namespace: string;
  /** Its configuration goes to `<dir>/config/`. */
  dir: string;
  logFile?: string;
  logger: Logger;
  /** Forwarded to the resolution: build with Go when nothing is found (default true). */
  build?: boolean;
  searchPath?: string;
  /** mTLS to the frontend: the client certificate, its key, the CA and the name to verify. */
  tls?: TemporalUiTls;
  /** No signal, terminate, reset or start from the UI (SPEC §12: off outside sandbox mode). */
  disableWriteActions?: boolean;
  /** The product's codec server (`…/api/temporal-codec`), which shows the UI decrypted payloads. */
  codecEndpoint?: string;
}

export interface TemporalUiTls {
  certPath: string;
  keyPath: string;
  caPath: string;
  serverName: string;
}

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/** The cached UI server, else one on PATH, else a one-off Go build into the cache. */
export async function resolveTemporalUi(options: {
  cacheDir: string;
  logger: Logger;
  build?: boolean;
  goBinary?: string;
  searchPath?: string;
}): Promise<string> {
  const [binary] = await resolveGoBinaries({ set: TEMPORAL_UI_SERVER, ...options });
  return binary!;
}

/** The UI's configuration file (JSON, which YAML readers take): every address on 127.0.0.1. */
export function temporalUiConfig(options: {
  frontendAddress: string;
  port: number;
  namespace: string;
  tls?: TemporalUiTls;
  disableWriteActions?: boolean;
  codecEndpoint?: string;
}): string {
  const config = {
    temporalGrpcAddress: options.frontendAddress,
    host: '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    // Served over plain HTTP on this machine, as the CLI's dev server does.
    cors: { cookieInsecure: true },
    // Payloads are encrypted (SPEC §12): the UI asks the product's codec server to decrypt them. Without
    // passAccessToken: the UI would then call only an https endpoint, with the token of its own OIDC
    // login, which it has none of here (temporal-codec.ts says what takes its place in sandbox mode).
    codec: { endpoint: options.codecEndpoint ?? '', passAccessToken: false, includeCredentials: false },
    // It would ask the Internet for news and versions, which this project's machines cannot reach.
    notifyOnNewVersion: false,
    hideLogs: true,
    ...(options.tls === undefined
      ? {}
      : {
          tls: {
            certFile: options.tls.certPath,
            keyFile: options.tls.keyPath,
            caFile: options.tls.caPath,
            serverName: options.tls.serverName,
            enableHostVerification: true,
          },
        }),
    ...(options.disableWriteActions === true ? { disableWriteActions: true } : {}),
  };
  return `# Generated for the Web UI of \`npm start\`; rewritten at every start.\n${JSON.stringify(config, null, 2)}\n`;
}

/** Starts the UI and resolves once it accepts connections; a UI that cannot start is an error. */
export async function startTemporalUi(options: StartTemporalUiOptions): Promise<TemporalUi> {
  const binary =
    options.binary ??
    (await resolveTemporalUi({
      cacheDir: options.cacheDir,
      logger: options.logger,
      ...(options.build === undefined ? {} : { build: options.build }),
      ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
    }));
  if (await acceptsTcp('127.0.0.1', options.port)) {
    throw new Error(`Web UI port ${options.port} on 127.0.0.1 is taken: set TEMPORAL_UI_PORT to another port`);
  }
  fs.mkdirSync(path.join(options.dir, 'config'), { recursive: true });
  fs.writeFileSync(path.join(options.dir, 'config', 'edubot.yaml'), temporalUiConfig(options));
  const logFd = options.logFile === undefined ? 'ignore' : fs.openSync(options.logFile, 'a');
  const args = ['--root', options.dir, '--config', 'config', '--env', 'edubot', 'start'];
  const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd] });
  if (typeof logFd === 'number') fs.closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('error', (error) => options.logger.warn('could not run the Web UI server', { error: error.message }));
  const disposeExitHook = onProcessExit(() => child.kill('SIGTERM'));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      disposeExitHook();
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killer);
    })());

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await acceptsTcp('127.0.0.1', options.port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      const where = options.logFile === undefined ? '' : ` (log: ${options.logFile})`;
      throw new Error(`the Web UI server did not start on 127.0.0.1:${options.port}${where}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url: `http://127.0.0.1:${options.port}`, ...(child.pid === undefined ? {} : { pid: child.pid }), stop };
}
