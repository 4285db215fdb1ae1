import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../../src/config';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';
import { parseYamlSubset, type YamlValue } from './yaml-subset';

// docker-compose.yml cannot run on the development machines (no Docker engine), so this keeps it
// consistent with the code instead: variable names, ports, search attributes, start-up order.

const ROOT = path.join(__dirname, '..', '..');
const COMPOSE_TEXT = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const APP_SERVICES = ['migrate', 'server', 'worker'] as const;

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
}

const compose = parseYamlSubset(COMPOSE_TEXT) as unknown as Compose;

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** `"HOST:CONTAINER"` → [host, container]. */
function portPair(mapping: string): [string, string] {
  const parts = mapping.split(':');
  return [parts.slice(0, -1).join(':'), parts[parts.length - 1]!];
}

function optionalYamlLibrary(): { load(text: string): unknown } | undefined {
  try {
    // Present only as a transitive dependency of jest; used to double-check the subset reader.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: absent when jest stops depending on it
    const jsYaml = require('js-yaml') as { load?: (t: string) => unknown; safeLoad?: (t: string) => unknown };
    const load = jsYaml.safeLoad ?? jsYaml.load;
    return load === undefined ? undefined : { load };
  } catch {
    return undefined;
  }
}

describe('docker-compose.yml', () => {
  const jsYaml = optionalYamlLibrary();
  (jsYaml === undefined ? it.skip : it)('reads the same with the subset reader as with js-yaml', () => {
    expect(parseYamlSubset(COMPOSE_TEXT)).toEqual(jsYaml!.load(COMPOSE_TEXT) as YamlValue);
  });

  it('sets only variables that src/config.ts reads on the app services', () => {
    for (const name of APP_SERVICES) {
      const environment = service(name).environment ?? {};
      expect(Object.keys(environment).length).toBeGreaterThan(0);
      for (const variable of Object.keys(environment)) {
        expect({ service: name, variable, known: CONFIG_VARIABLES.includes(variable) }).toEqual({
          service: name,
          variable,
          known: true,
        });
      }
    }
  });

  it('passes each operator variable through under its own name', () => {
    for (const name of APP_SERVICES) {
      for (const [variable, value] of Object.entries(service(name).environment ?? {})) {
        const whole = /^\$\{(\w+)(?::[-?].*)?\}$/.exec(String(value));
        if (whole !== null) expect(`${variable} <- ${whole[1]}`).toBe(`${variable} <- ${variable}`);
      }
    }
  });

  it('gives the server and the worker the same configuration apart from PORT', () => {
    const { PORT, ...server } = service('server').environment ?? {};
    expect(PORT).toBeDefined();
    expect(service('worker').environment).toEqual(server);
  });

  it('publishes the server on the port it listens on, and health-checks that port', () => {
    const server = service('server');
    const port = String(server.environment?.PORT);
    expect((server.ports ?? []).map((p) => portPair(p)[1])).toContain(port);
    expect(server.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/healthz`);
  });

  it('points the app and the UI at the temporal service on 7233', () => {
    for (const name of ['server', 'worker', 'temporal-ui', 'temporal-setup']) {
      expect(`${name}: ${service(name).environment?.TEMPORAL_ADDRESS}`).toBe(`${name}: temporal:7233`);
    }
    expect((service('temporal').ports ?? []).map((p) => portPair(p)[1])).toContain('7233');
    expect(service('temporal').healthcheck?.test).toContain('7233');
  });

  it('publishes the Temporal Web UI on 8233', () => {
    expect(service('temporal-ui').ports).toContain('8233:8080');
  });

  it('registers exactly the search attributes of workflows/search-attributes.ts', () => {
    const script = (service('temporal-setup').command ?? []).join('\n');
    const registered = [...script.matchAll(/^\s*add (\w+) (\w+)\s*$/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(registered.sort()).toEqual([...SEARCH_ATTRIBUTE_FLAGS].sort());
    expect(script).toContain('search-attribute create --namespace "$$NAMESPACE" --name "$$1" --type "$$2"');
  });

  it('starts the app only after its migrations and the Temporal namespace exist', () => {
    const completed = { condition: 'service_completed_successfully' };
    for (const name of ['server', 'worker']) {
      expect(service(name).depends_on).toEqual({ migrate: completed, 'temporal-setup': completed });
    }
    expect(service('migrate').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(service('temporal-setup').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(service('temporal').depends_on).toEqual({ 'temporal-schema': completed });
    for (const [name, { depends_on }] of Object.entries(compose.services)) {
      for (const target of Object.keys(depends_on ?? {}))
        expect(`${name} -> ${target}: ${target in compose.services}`).toBe(`${name} -> ${target}: true`);
    }
  });

  it('keeps the app and Temporal databases in the one Postgres cluster', () => {
    const postgres = service('postgresql');
    expect(postgres.image).toMatch(/^postgres:16(\.|$|-)/);
    const database = String(postgres.environment?.POSTGRES_DB);
    for (const name of APP_SERVICES) {
      expect(service(name).environment?.DATABASE_URL).toMatch(new RegExp(`@postgresql:5432/${database}$`));
    }
    const created = [...(compose.configs['temporal-databases']?.content ?? '').matchAll(/create database (\w+);/g)].map(
      (m) => m[1],
    );
    expect(created).toEqual(['temporal', 'temporal_visibility']);
    expect(service('temporal').environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgresql',
      BIND_ON_IP: '0.0.0.0',
    });
  });

  it('pins every third-party image to a release', () => {
    for (const [name, { image, build }] of Object.entries(compose.services)) {
      if (build !== undefined) continue;
      expect(`${name}: ${image}`).toMatch(/^[\w-]+: [\w./-]+:\d[\w.-]*$/);
    }
    expect(service('temporal').image).toBe('temporalio/server:1.29.1');
    expect(service('temporal-schema').image).toMatch(/^temporalio\/admin-tools:1\.29\.1/);
  });

  it('runs the entry points the Dockerfile builds', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('RUN npm run build');
    for (const name of APP_SERVICES) {
      const command = service(name).command ?? [];
      expect(command[0]).toBe('node');
      const entry = /^dist\/(src\/[\w/-]+)\.js$/.exec(command[1] ?? '');
      expect(entry).not.toBeNull();
      expect(fs.existsSync(path.join(ROOT, `${entry![1]}.ts`))).toBe(true);
    }
  });
});
