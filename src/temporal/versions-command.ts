import os from 'node:os';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { insertAuditEntry } from '../db/audit';
import type { Db } from '../db/pool';
import { connectTemporalClient } from './connect';
import { DEPLOYMENT_NAME } from './deployment';
import { withPayloadKeys } from './payload-keys';
import { acceptsTcp, splitAddress } from './server-checks';
import {
  ActiveVersionError,
  drainVersion,
  listVersions,
  makeVersionCurrent,
  rampVersion,
  UnknownVersionError,
  type VersionReport,
} from './versions';

// The admin CLI's commands on the Worker Deployment (`npm run admin -- versions | drain | ramp |
// current`), each audited like an admin API request: the CLI has no token, so the actor is the
// machine account that ran it, and the HTTP status is the one the same refusal gets from the API.

export type VersionCommand =
  | { kind: 'versions' }
  | { kind: 'drain'; buildId: string }
  | { kind: 'ramp'; buildId: string; percent: number }
  | { kind: 'current'; buildId: string };

const ACTIONS: Record<VersionCommand['kind'], string> = {
  versions: 'versions.list',
  drain: 'version.drain',
  ramp: 'version.ramp',
  current: 'version.current',
};

interface Outcome {
  exitCode: number;
  outcome: string;
  httpStatus: number;
  details?: Record<string, unknown>;
}

/** Runs one command against TEMPORAL_ADDRESS (or the embedded server of a running `npm start`); returns the exit code. */
export async function runVersionCommand(cmd: VersionCommand, deps: { db: Db; config: Config }): Promise<number> {
  const { config } = deps;
  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalDevPort}`;
  // A gRPC connect to a closed port waits out its whole timeout: say at once that nothing is there.
  if (!(await acceptsTcp(...splitAddress(address)))) {
    const hint = config.temporalAddress
      ? 'is TEMPORAL_ADDRESS right?'
      : 'start the product (npm start) or set TEMPORAL_ADDRESS';
    const result = refuse(`no Temporal server answers at ${address}: ${hint}`, 'temporal_unavailable', 503);
    await audit(deps.db, cmd, result);
    return result.exitCode;
  }
  // The worker's payload keys: TEMPORAL_PAYLOAD_KEYS, or the running npm start's in DATA_DIR (never a new one).
  const { temporalSecurity } = withPayloadKeys(config, { create: false });
  const { connection, client } = await connectTemporalClient(temporalSecurity, address, config.temporalNamespace);
  let result: Outcome;
  try {
    result = await execute(cmd, client);
  } catch (error) {
    await audit(deps.db, cmd, { exitCode: 1, outcome: 'internal_error', httpStatus: 500 });
    throw error;
  } finally {
    await connection.close();
  }
  await audit(deps.db, cmd, result);
  return result.exitCode;
}

async function execute(cmd: VersionCommand, client: Client): Promise<Outcome> {
  const refused = (error: unknown): Outcome | undefined => {
    if (error instanceof UnknownVersionError) return refuse(error.message, 'unknown_version', 404);
    if (error instanceof ActiveVersionError) return refuse(error.message, 'active_version', 409);
    // Temporal's own refusals (a version with no pollers, a ramp onto the current version) say why.
    if (isGrpcServiceError(error)) return refuse(`Temporal refused: ${error.details || error.message}`, 'refused', 409);
    return undefined;
  };
  try {
    switch (cmd.kind) {
      case 'versions': {
        const versions = await listVersions(client);
        process.stdout.write(formatVersions(versions, client.options.namespace));
        return { exitCode: 0, outcome: 'ok', httpStatus: 200, details: { versions: versions.length } };
      }
      case 'drain': {
        const woken = await drainVersion(client, cmd.buildId);
        process.stdout.write(`woke ${woken} conversation${woken === 1 ? '' : 's'} pinned to ${cmd.buildId}\n`);
        return { exitCode: 0, outcome: 'ok', httpStatus: 200, details: { buildId: cmd.buildId, woken } };
      }
      case 'ramp':
        await rampVersion(client, cmd.buildId, cmd.percent);
        process.stdout.write(`${cmd.buildId} now takes ${cmd.percent}% of new conversations\n`);
        return { exitCode: 0, outcome: 'ok', httpStatus: 200, details: { buildId: cmd.buildId, percent: cmd.percent } };
      case 'current':
        await makeVersionCurrent(client, cmd.buildId);
        process.stdout.write(`${cmd.buildId} is now the current version\n`);
        return { exitCode: 0, outcome: 'ok', httpStatus: 200, details: { buildId: cmd.buildId } };
    }
  } catch (error) {
    const outcome = refused(error);
    if (outcome === undefined) throw error;
    return { ...outcome, details: 'buildId' in cmd ? { buildId: cmd.buildId } : {} };
  }
}

function refuse(message: string, outcome: string, httpStatus: number): Outcome {
  process.stderr.write(`edubot-admin: ${message}\n`);
  return { exitCode: 1, outcome, httpStatus };
}

/** One line a version: build id, status (with the ramp), when Temporal first saw it, its open pinned runs. */
export function formatVersions(versions: readonly VersionReport[], namespace: string): string {
  if (versions.length === 0)
    return `no versions: no worker of deployment ${DEPLOYMENT_NAME} has polled namespace ${namespace}\n`;
  const rows = [
    ['build id', 'status', 'created', 'open runs'],
    ...versions.map((v) => [
      v.buildId,
      v.rampPercentage === undefined ? v.status : `${v.status} ${v.rampPercentage}%`,
      v.createdAt?.toISOString() ?? '-',
      String(v.openRuns),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return (
    rows
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}

async function audit(db: Db, cmd: VersionCommand, result: Outcome): Promise<void> {
  await insertAuditEntry(db, {
    actor: `admin-cli:${os.userInfo().username}`,
    action: ACTIONS[cmd.kind],
    outcome: result.outcome,
    httpStatus: result.httpStatus,
    details: result.details ?? {},
  });
}
