import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where each fault's ledger, figures and process logs are written (FAULTS_RESULTS_DIR, or a folder under the system's temp). */
export function resultsDir(): string {
  const dir = process.env.FAULTS_RESULTS_DIR ?? path.join(os.tmpdir(), 'edubot-faults');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
