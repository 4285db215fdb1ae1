import fs from 'node:fs';
import path from 'node:path';

// Summarises V8 CPU profiles (--cpu-prof) by where the time goes: each sample's self time is charged
// to the nearest frame on its stack that names a known library (Temporal, pg, Koa, zod, HTTP, …),
// with JSON, crypto and garbage collection recognised by their own frames.

export interface ProfileSummary {
  /** Profiled threads (the worker also has workflow threads). */
  threads: number;
  /** Milliseconds of samples, idle excluded. */
  busyMs: number;
  idleMs: number;
  /** Category → share of busy time, %. */
  shares: Record<string, number>;
  /** The hottest self-time functions, `name (file)`. */
  top: { frame: string; ms: number }[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const RULES: [RegExp, string][] = [
  [/pg-protocol|[\\/]pg[\\/]|pg-pool|pg-types|pgpass/, 'Postgres client (pg)'],
  [/@temporalio[\\/]core-bridge/, 'Temporal core bridge (Rust calls)'],
  [/@temporalio[\\/]proto|protobufjs|long[\\/]/, 'Temporal protobuf encoding'],
  [/@grpc[\\/]/, 'gRPC (Temporal client)'],
  [/@temporalio[\\/]client/, 'Temporal client'],
  [/@temporalio[\\/]workflow|workflow-bundle|reference-bundle|webpack/, 'workflow code in the sandbox'],
  [/@temporalio[\\/]worker/, 'Temporal worker (JS)'],
  [/@temporalio[\\/]common/, 'Temporal payload conversion'],
  [/[\\/]zod[\\/]/, 'zod validation'],
  [/[\\/]koa|@koa/, 'Koa'],
  [/node:internal[\\/]crypto|node:crypto/, 'crypto'],
  [
    /_http_|node:http|node:internal[\\/]http|node:net|node:internal[\\/]stream|node:internal[\\/]streams|undici|node:internal[\\/]deps[\\/]undici/,
    'HTTP and sockets',
  ],
  [/[\\/](src|activities|workflows|bench)[\\/]/, 'product code'],
];

export function summarizeProfiles(dir: string): Record<string, ProfileSummary> {
  const out: Record<string, ProfileSummary> = {};
  if (!fs.existsSync(dir)) return out;
  for (const name of fs.readdirSync(dir)) {
    const folder = path.join(dir, name);
    if (!fs.statSync(folder).isDirectory()) continue;
    const files = fs.readdirSync(folder).filter((f) => f.endsWith('.cpuprofile'));
    const shares: Record<string, number> = {};
    const frames = new Map<string, number>();
    let busy = 0;
    let idle = 0;
    for (const file of files) {
      const profile = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8')) as CpuProfile;
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const parent = new Map<number, number>();
      for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const category = new Map<number, string>();
      const classify = (id: number): string => {
        const cached = category.get(id);
        if (cached !== undefined) return cached;
        const frame = byId.get(id)!.callFrame;
        let result: string | undefined;
        if (frame.functionName === '(idle)') result = 'idle';
        else if (frame.functionName === '(garbage collector)') result = 'garbage collection';
        else if (frame.functionName === '(program)') result = 'native (program)';
        else if (frame.url === '' && /^(parse|stringify)$/.test(frame.functionName)) result = 'JSON';
        else if (/Hmac|Hash|digest|timingSafeEqual/.test(frame.functionName)) result = 'crypto';
        else result = RULES.find(([pattern]) => pattern.test(frame.url))?.[1];
        if (result === undefined) {
          const up = parent.get(id);
          result = up === undefined ? 'other' : classify(up);
        }
        category.set(id, result);
        return result;
      };
      profile.samples.forEach((id, i) => {
        const ms = (profile.timeDeltas[i] ?? 0) / 1000;
        const c = classify(id);
        if (c === 'idle') {
          idle += ms;
          return;
        }
        busy += ms;
        shares[c] = (shares[c] ?? 0) + ms;
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || '(anonymous)'} (${path.basename(f.url) || 'native'})`;
        frames.set(key, (frames.get(key) ?? 0) + ms);
      });
    }
    for (const key of Object.keys(shares)) shares[key] = Math.round((shares[key]! / Math.max(busy, 1)) * 1000) / 10;
    out[name] = {
      threads: files.length,
      busyMs: Math.round(busy),
      idleMs: Math.round(idle),
      shares: Object.fromEntries(Object.entries(shares).sort((a, b) => b[1] - a[1])),
      top: [...frames.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([frame, ms]) => ({ frame, ms: Math.round(ms) })),
    };
  }
  return out;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: profile-summary.ts <profiles dir>');
  process.stdout.write(JSON.stringify(summarizeProfiles(dir), null, 2) + '\n');
}
