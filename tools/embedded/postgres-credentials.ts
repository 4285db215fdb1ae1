import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

// The passwords of the embedded Postgres: random per cluster, made once and kept in a file only this
// account can read, beside the cluster (in DATA_DIR, or in its folder under /var/lib/edubot when the
// cluster lives there: the two must not part). Releases up to 1.0.0 made every cluster with one
// published password; the first start of a later release rotates it (see ./postgres).

/** The superuser's password of clusters made before passwords were random; it protects nothing. */
export const PUBLISHED_PASSWORD = 'edubot-local';

export const CREDENTIALS_FILE = 'postgres-credentials.json';

export interface PostgresCredentials {
  /** The superuser's (`postgres`): the migrations and the setup of the roles. */
  superuser: string;
  /** The runtime role's (`edubot_app`): the server and the worker. */
  app: string;
}

/** 32 random bytes as base64url: no character that needs escaping in a URL or in SQL. */
function newPassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The credentials kept in `dir`, or new ones written there first (mode 0600, atomically, so a
 * start that dies halfway leaves either no file or a whole one). Returns whether they are new.
 */
export async function loadOrCreateCredentials(
  dir: string,
): Promise<{ credentials: PostgresCredentials; created: boolean }> {
  const file = path.join(dir, CREDENTIALS_FILE);
  const existing = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) {
    const parsed = JSON.parse(existing) as Partial<PostgresCredentials>;
    if (typeof parsed.superuser !== 'string' || typeof parsed.app !== 'string' || !parsed.superuser || !parsed.app)
      throw new Error(`${file} does not hold the embedded Postgres passwords; move it away only with the cluster`);
    // Tightened should someone have loosened it.
    await fs.chmod(file, 0o600);
    return { credentials: { superuser: parsed.superuser, app: parsed.app }, created: false };
  }
  const credentials = { superuser: newPassword(), app: newPassword() };
  const temporary = `${file}.${randomBytes(6).toString('hex')}`;
  await fs.writeFile(temporary, `${JSON.stringify(credentials)}\n`, { mode: 0o600, flag: 'wx' });
  await fs.rename(temporary, file);
  return { credentials, created: true };
}

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier Postgres stores for `password` (RFC 5802/7677, as psql's \password
 * computes it), so the password itself never travels in an SQL statement a log could keep.
 */
export function scramVerifier(password: string, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
