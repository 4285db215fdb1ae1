import { readFileSync } from 'node:fs';
import path from 'node:path';

// The shared WhatsApp fixtures live beside the repository (reference §9); tests read them from disk.
export const FIXTURE_DIR = path.resolve(__dirname, '../../../shared/fixtures/whatsapp');

/** The exact bytes of a fixture file (signatures cover raw bytes). */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(path.join(FIXTURE_DIR, name));
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureBytes(name).toString('utf8'));
}
