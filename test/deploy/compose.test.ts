import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { TEMPORAL_SERVER_VERSION } from '../../tools/cluster/temporal-server-build';
import { CONFIG_VARIABLES } from '../../src/config';
import { TEMPORAL_UI_VERSION } from '../../tools/embedded/temporal-ui';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';

// docker-compose.yml cannot run on the development machines (no Docker engine), so this checks it
// instead: against the Compose Specification's schema, against the code (variables, ports, entry
// points, search attributes, start-up order), and for the properties a production-like stack owes:
// Temporal unpublished, the UIs on the loopback, each secret only where it is used, health checks,
// least-privilege database roles, Prometheus on every server and worker.

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const APP_SERVICES = ['migrate', 'server', 'worker'] as const;

type Port = string | number | { target: number | string; published?: number | string; host_ip?: string };
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: Port[];
  expose?: (string | number)[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  configs?: { source: string; target: string }[];
  secrets?: string[];
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
  configs: Record<string, { file?: string; content?: string }>;
}

const composeDocument: unknown = parse(read('docker-compose.yml'));
const compose = composeDocument as Compose;

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** The published ports of a service as host address, host port and container port. */
function published(name: string): { hostIp: string; host: string; container: string }[] {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { hostIp: port.host_ip ?? '', host: String(port.published ?? ''), container: String(port.target) };
    }
    const parts = String(port).split('/')[0]!.split(':');
    const container = parts.pop()!;
    const host = parts.pop() ?? '';
    return { hostIp: parts.join(':'), host, container };
  });
}

/** The file a top-level config of docker-compose.yml names, read. */
function configFile(name: string): string {
  const file = compose.configs[name]?.file;
  if (file === undefined) throw new Error(`docker-compose.yml has no file config ${name}`);
  return read(file);
}

/** Every `${VAR…}` a service's definition interpolates (`$${` is an escaped, literal `${`). */
function interpolated(name: string): string[] {
  const text = JSON.stringify(service(name));
  return [...new Set([...text.matchAll(/(?<!\$)\$\{(\w+)/g)].map((m) => m[1]!))].sort();
}

/** The role in a service's DATABASE_URL (its password is interpolated, so it is no URL yet). */
function databaseUser(name: string): string | undefined {
  return /^postgres:\/\/(\w+):/.exec(String(service(name).environment?.DATABASE_URL))?.[1];
}

describe('docker-compose.yml', () => {
  describe('against the Compose Specification', () => {
    // The schema compose-spec publishes, as shipped by the dclint package (schemas/compose.schema.json).
    const schemaFile = path.join(
      path.dirname(require.resolve('dclint/package.json')),
      'schemas',
      'compose.schema.json',
    );
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as { $schema: string; title: string };
    // Draft 07, named by its https address; strictTypes off: the union types are upstream's choice.
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    ajv.addMetaSchema(draft07, schema.$schema);
    const validate = ajv.compile(schema);

    it('is valid', () => {
      expect(schema.title).toBe('Compose Specification');
      validate(composeDocument);
      expect(validate.errors ?? []).toEqual([]);
    });

    it('is checked strictly enough to reject a misspelt key', () => {
      const copy = structuredClone(composeDocument) as Compose;
      (copy.services.server as Record<string, unknown>).healthchek = copy.services.server!.healthcheck;
      expect(validate(copy)).toBe(false);
    });
  });

  it('publishes no service on Temporal frontend port 7233', () => {
    for (const name of Object.keys(compose.services)) {
      for (const port of published(name)) expect(`${name}: ${port.host}:${port.container}`).not.toMatch(/\b7233\b/);
    }
    expect(service('temporal').ports).toBeUndefined();
  });

  it('publishes the Temporal Web UI and Prometheus on the loopback only, and nothing else but the HTTP port', () => {
    expect(published('temporal-ui')).toEqual([{ hostIp: '127.0.0.1', host: '8233', container: '8080' }]);
    expect(published('prometheus')).toEqual([{ hostIp: '127.0.0.1', host: '9090', container: '9090' }]);
    for (const name of Object.keys(compose.services)) {
      if (name === 'server') continue;
      for (const port of published(name)) expect(`${name}: ${port.hostIp}`).toBe(`${name}: 127.0.0.1`);
    }
  });

  it('publishes the server on the port it listens on', () => {
    const port = String(service('server').environment?.PORT);
    expect(published('server').map((p) => p.container)).toEqual([port]);
  });

  describe('secrets', () => {
    const SECRETS = [
      'POSTGRES_PASSWORD',
      'TEMPORAL_DB_PASSWORD',
      'EDUBOT_OWNER_DB_PASSWORD',
      'EDUBOT_APP_DB_PASSWORD',
      'WHATSAPP_ACCESS_TOKEN',
      'WHATSAPP_APP_SECRET',
      'WHATSAPP_VERIFY_TOKEN',
      'ADMIN_TOKEN',
      'PAYMENT_WEBHOOK_SECRET',
      'METRICS_TOKEN',
      'TEMPORAL_PAYLOAD_KEYS',
    ];
    // Who uses which: the superuser's and the roles' passwords only Postgres (its init scripts set
    // them); Temporal's role Temporal and its schema tool; the server checks webhook signatures, the
    // verification handshake, admin tokens and payment webhooks, and asks the Graph API for what agents need
    // of WhatsApp directly; the worker sends through the Graph API.
    const USED_BY: Record<string, string[]> = {
      postgresql: ['POSTGRES_PASSWORD', 'TEMPORAL_DB_PASSWORD', 'EDUBOT_OWNER_DB_PASSWORD', 'EDUBOT_APP_DB_PASSWORD'],
      'temporal-schema': ['TEMPORAL_DB_PASSWORD'],
      temporal: ['TEMPORAL_DB_PASSWORD'],
      'temporal-setup': [],
      'temporal-ui': [],
      migrate: ['EDUBOT_OWNER_DB_PASSWORD'],
      server: [
        'EDUBOT_APP_DB_PASSWORD',
        'WHATSAPP_APP_SECRET',
        'WHATSAPP_VERIFY_TOKEN',
        'ADMIN_TOKEN',
        'PAYMENT_WEBHOOK_SECRET',
        'WHATSAPP_ACCESS_TOKEN',
        'METRICS_TOKEN',
        'TEMPORAL_PAYLOAD_KEYS',
      ],
      // The payload keys too: the codec encrypts what each hands Temporal (the server: its codec endpoint).
      worker: ['EDUBOT_APP_DB_PASSWORD', 'WHATSAPP_ACCESS_TOKEN', 'TEMPORAL_PAYLOAD_KEYS'],
      // METRICS_TOKEN as a compose secret, a file (see the Prometheus tests), never in its environment.
      prometheus: [],
    };

    it('reach only the services that use them', () => {
      expect(Object.keys(compose.services).sort()).toEqual(Object.keys(USED_BY).sort());
      for (const name of Object.keys(compose.services)) {
        const secrets = interpolated(name).filter((v) => SECRETS.includes(v));
        expect({ service: name, secrets }).toEqual({ service: name, secrets: [...USED_BY[name]!].sort() });
      }
    });

    it('are all known as secrets here', () => {
      for (const name of Object.keys(compose.services)) {
        for (const variable of interpolated(name).filter((v) => /PASSWORD|SECRET|TOKEN|KEY/.test(v)))
          expect(`${name}: ${variable} is a secret: ${SECRETS.includes(variable)}`).toBe(
            `${name}: ${variable} is a secret: true`,
          );
      }
    });
  });

  it('gives each app service exactly the variables its process reads', () => {
    const shared = ['DATABASE_URL', 'LOG_LEVEL'];
    const temporal = [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_PAYLOAD_KEYS',
    ];
    const reads: Record<(typeof APP_SERVICES)[number], string[]> = {
      migrate: shared,
      // Webhooks, the admin API and health; it signals workflows on the task queue, sends no message,
      // and asks the Graph API for templates, students' media, read receipts and typing.
      server: [
        ...shared,
        ...temporal,
        'PORT',
        'WHATSAPP_APP_SECRET',
        'WHATSAPP_VERIFY_TOKEN',
        'ADMIN_TOKEN',
        'PAYMENT_WEBHOOK_SECRET',
        'WHATSAPP_API_BASE_URL',
        'WHATSAPP_ACCESS_TOKEN',
        'WHATSAPP_PHONE_NUMBER_ID',
        'WHATSAPP_BUSINESS_ACCOUNT_ID',
        'METRICS_TOKEN',
      ],
      // The workflows and activities: sends, the texts and payment links they carry, the sticky cache,
      // the SDK's metrics.
      worker: [
        ...shared,
        ...temporal,
        'WHATSAPP_API_BASE_URL',
        'WHATSAPP_ACCESS_TOKEN',
        'WHATSAPP_PHONE_NUMBER_ID',
        'BOT_NAME',
        'PAYMENT_LINK_TEMPLATE',
        'WORKFLOW_CACHE_SIZE',
        'TEMPORAL_METRICS_ADDRESS',
      ],
    };
    for (const name of APP_SERVICES) {
      const environment = Object.keys(service(name).environment ?? {}).sort();
      expect({ service: name, environment }).toEqual({ service: name, environment: [...reads[name]].sort() });
      for (const variable of environment)
        expect(`${name}: ${variable}`).toBe(`${name}: ${CONFIG_VARIABLES.find((v) => v === variable)}`);
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

  describe('health checks', () => {
    it('has one on each long-running service that can answer', () => {
      for (const name of ['postgresql', 'temporal', 'server', 'worker']) {
        expect(`${name}: ${(service(name).healthcheck?.test ?? []).length > 0}`).toBe(`${name}: true`);
      }
    });

    it('asks the server for /readyz on the port it listens on', () => {
      const port = String(service('server').environment?.PORT);
      expect(service('server').healthcheck?.test.join(' ')).toContain(`'http://127.0.0.1:${port}/readyz'`);
    });

    it('asks Temporal whether the worker polls, with an entry point the build compiles', () => {
      const test = service('worker').healthcheck?.test ?? [];
      expect(test).toEqual(['CMD', 'node', 'dist/src/bin/check-worker.js']);
      expect(fs.existsSync(path.join(ROOT, 'src/bin/check-worker.ts'))).toBe(true);
    });
  });

  describe('Postgres roles', () => {
    const temporalSql = configFile('temporal-databases');
    const rolesSql = configFile('edubot-roles');
    /** SQL without its comments. */
    const code = (sql: string) => sql.replace(/--.*$/gm, '');

    it('runs the init scripts from the Postgres image init folder, Temporal first', () => {
      expect(service('postgresql').configs).toEqual([
        { source: 'temporal-databases', target: '/docker-entrypoint-initdb.d/10-temporal.sql' },
        { source: 'edubot-roles', target: '/docker-entrypoint-initdb.d/20-edubot-roles.sql' },
      ]);
      for (const sql of [temporalSql, rolesSql]) expect(sql).toMatch(/^\\set ON_ERROR_STOP on$/m);
    });

    it('sets the passwords the postgresql service is given', () => {
      const environment = service('postgresql').environment ?? {};
      const read = [...(temporalSql + rolesSql).matchAll(/^\\getenv \w+ (\w+)$/gm)].map((m) => m[1]!);
      expect(read.sort()).toEqual(['EDUBOT_APP_DB_PASSWORD', 'EDUBOT_OWNER_DB_PASSWORD', 'TEMPORAL_DB_PASSWORD']);
      for (const variable of read) expect(environment[variable]).toBe(`\${${variable}:?set ${variable}}`);
    });

    it('connects the migrations as the owner of the schema, the server and worker as the runtime role', () => {
      expect(databaseUser('migrate')).toBe('edubot_owner');
      expect(databaseUser('server')).toBe('edubot_app');
      expect(databaseUser('worker')).toBe('edubot_app');
      expect(code(rolesSql)).toMatch(/^alter schema public owner to edubot_owner;$/m);
    });

    it('grants the runtime role row privileges only', () => {
      const allowed: Record<string, string[]> = {
        tables: ['select', 'insert', 'update', 'delete'],
        sequences: ['usage'],
        schema: ['usage'],
        database: ['connect'],
      };
      const grants = [...code(rolesSql).matchAll(/\bgrant\s+([\w, ]+?)\s+on\s+(.+?)\s+to\s+((?:\w+\s*,\s*)*\w+)/gi)];
      const toApp = grants.filter((m) => m[3]!.split(/\s*,\s*/).includes('edubot_app'));
      expect(toApp.length).toBeGreaterThan(0);
      for (const [statement, privileges, target] of toApp) {
        const kind = /\b(tables|sequences|schema|database)\b/i.exec(target!)?.[1]?.toLowerCase() ?? target!;
        for (const privilege of privileges!.toLowerCase().split(/\s*,\s*/))
          expect(`${statement}: ${privilege}`).toBe(
            `${statement}: ${allowed[kind]?.includes(privilege) ? privilege : 'not allowed'}`,
          );
      }
      // No membership of another role, no owned objects, no role attributes past LOGIN.
      expect(code(rolesSql)).not.toMatch(/\bgrant\s+\w+\s+to\s+edubot_app\b/i);
      expect(code(rolesSql)).not.toMatch(/\bowner\s+to\s+edubot_app\b/i);
      expect(code(rolesSql)).not.toMatch(/\b(superuser|createdb|createrole|replication|bypassrls|inherit)\b/i);
      expect(code(rolesSql)).toMatch(/^alter role edubot_app with login password :'app_password';$/m);
    });

    it('grants the runtime role what the statements of the server and the worker need, now and after later migrations', () => {
      // SQL in the runtime code: everything under src/ and activities/ except the migration runner (the
      // one-machine embedded services are in tools/).
      const files = ['src', 'activities']
        .flatMap((dir) =>
          fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)),
        )
        .filter((f) => f.endsWith('.ts') && f !== path.join('src', 'db', 'migrate.ts'));
      const runtimeCode = files.map((f) => read(f).replace(/^\s*(\/\/|\*).*$/gm, '')).join('\n');
      expect(runtimeCode).toMatch(/\binsert\s+into\b/i);
      expect(runtimeCode).not.toMatch(/\b(create|alter|drop)\s+(table|index|function|sequence|schema|view|type)\b/i);
      expect(runtimeCode).not.toMatch(/\b(truncate|lock\s+table|create\s+temp(orary)?)\b/i);
      const needed = ['select', 'insert', 'update', ...(/\bdelete\s+from\b/i.test(runtimeCode) ? ['delete'] : [])];
      const tablePrivileges = (pattern: RegExp) => pattern.exec(code(rolesSql))?.[1]?.split(/\s*,\s*/) ?? [];
      expect(tablePrivileges(/^grant ([\w, ]+) on all tables in schema public to edubot_app;$/m)).toEqual(
        expect.arrayContaining(needed),
      );
      expect(
        tablePrivileges(
          /^alter default privileges for role edubot_owner in schema public grant ([\w, ]+) on tables to edubot_app;$/m,
        ),
      ).toEqual(expect.arrayContaining(needed));
      // bigserial ids: nextval needs usage on the sequences.
      expect(code(rolesSql)).toMatch(/^grant usage on all sequences in schema public to edubot_app;$/m);
      expect(code(rolesSql)).toMatch(
        /^alter default privileges for role edubot_owner in schema public grant usage on sequences to edubot_app;$/m,
      );
      expect(code(rolesSql)).toMatch(/^grant usage on schema public to edubot_app;$/m);
    });

    it('lets the runtime role only insert into and read the audit log, on a new volume and on a migrated one', () => {
      // Run by hand on a migrated database, the grant on all tables gives update on the audit log again:
      // the script takes it back after that grant.
      const revoke =
        /^select 'revoke update, delete, truncate on table audit_log from edubot_app'\n where to_regclass\('public\.audit_log'\) is not null \\gexec$/m;
      expect(code(rolesSql)).toMatch(revoke);
      const grantAll = code(rolesSql).search(/^grant [\w, ]+ on all tables in schema public to edubot_app;$/m);
      expect(grantAll).toBeGreaterThan(-1);
      expect(code(rolesSql).search(revoke)).toBeGreaterThan(grantAll);
      // On a new volume the table comes later, with update through the default privileges: a migration
      // takes it back from every role but its owner (test/db/audit-log-privileges.test.ts runs both).
      expect(code(read('src/db/migrations/0017_token_expiry.sql'))).toMatch(
        /revoke update, delete, truncate on table audit_log from/,
      );
      // Nothing the server or the worker runs rewrites an audit row.
      const runtimeCode = ['src', 'activities']
        .flatMap((dir) =>
          fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)),
        )
        .filter((f) => f.endsWith('.ts'))
        .map(read)
        .join('\n');
      expect(runtimeCode).toMatch(/\binsert into audit_log\b/i);
      expect(runtimeCode).not.toMatch(/\b(update|delete\s+from|truncate(\s+table)?)\s+audit_log\b/i);
    });

    it('lets nobody else into the product database', () => {
      expect(code(rolesSql)).toContain(
        "select format('revoke all on database %I from public', current_database()) \\gexec",
      );
      expect(code(rolesSql)).toContain(
        "select format('grant connect on database %I to edubot_owner, edubot_app', current_database()) \\gexec",
      );
    });

    it('gives Temporal its own role owning its two databases', () => {
      const created = /from \(values (.+)\) as wanted/.exec(code(temporalSql))?.[1];
      expect(created).toBe("('temporal'), ('temporal_visibility')");
      expect(code(temporalSql)).toContain("format('create database %I owner temporal', name)");
      for (const database of ['temporal', 'temporal_visibility'])
        expect(code(temporalSql)).toMatch(new RegExp(`^alter database ${database} owner to temporal;$`, 'm'));
      expect(code(temporalSql)).toMatch(/^revoke all on database temporal, temporal_visibility from public;$/m);
      expect(service('temporal').environment).toMatchObject({
        DB: 'postgres12',
        POSTGRES_SEEDS: 'postgresql',
        POSTGRES_USER: 'temporal',
        BIND_ON_IP: '0.0.0.0',
      });
      expect((service('temporal-schema').command ?? []).join('\n')).toMatch(/-u temporal --db "\$\$name" setup-schema/);
    });
  });

  it('keeps the app database in the Postgres cluster the Temporal databases are in', () => {
    const postgres = service('postgresql');
    expect(postgres.image).toMatch(/^postgres:16(\.|$|-)/);
    const database = String(postgres.environment?.POSTGRES_DB);
    for (const name of APP_SERVICES) {
      expect(service(name).environment?.DATABASE_URL).toMatch(new RegExp(`@postgresql:5432/${database}$`));
    }
  });

  describe('Prometheus', () => {
    interface ScrapeConfig {
      job_name: string;
      metrics_path?: string;
      authorization?: { type: string; credentials_file: string };
      dns_sd_configs?: { names: string[]; type: string; port: number }[];
    }
    const prometheus = parse(configFile('prometheus')) as { scrape_configs: ScrapeConfig[] };
    const job = (name: string) => prometheus.scrape_configs.find((c) => c.job_name === name);

    it('scrapes /metrics on every server replica on its HTTP port, with the METRICS_TOKEN the server requires', () => {
      expect(job('edubot-server')).toEqual({
        job_name: 'edubot-server',
        metrics_path: '/metrics',
        authorization: { type: 'Bearer', credentials_file: '/run/secrets/metrics-token' },
        dns_sd_configs: [{ names: ['server'], type: 'A', port: Number(service('server').environment?.PORT) }],
      });
      // The file is the compose secret made from the variable the server reads, mounted in Prometheus only.
      const { secrets } = composeDocument as { secrets: Record<string, { environment?: string }> };
      expect(secrets['metrics-token']).toEqual({ environment: 'METRICS_TOKEN' });
      expect(service('server').environment?.METRICS_TOKEN).toBe('${METRICS_TOKEN:?set METRICS_TOKEN}');
      for (const [name, { secrets: used }] of Object.entries(compose.services))
        expect(`${name}: ${(used ?? []).includes('metrics-token')}`).toBe(`${name}: ${name === 'prometheus'}`);
    });

    it('scrapes every worker replica on the metrics port the worker exposes', () => {
      const ports = (service('worker').expose ?? []).map(Number);
      expect(ports).toHaveLength(1);
      expect(job('edubot-worker')).toEqual({
        job_name: 'edubot-worker',
        metrics_path: '/metrics',
        dns_sd_configs: [{ names: ['worker'], type: 'A', port: ports[0] }],
      });
      // The worker serves them on that port, on every interface of its container.
      expect(service('worker').environment?.TEMPORAL_METRICS_ADDRESS).toBe(`0.0.0.0:${ports[0]}`);
    });

    it('reads the config file the compose file mounts', () => {
      expect(service('prometheus').configs).toEqual([
        { source: 'prometheus', target: '/etc/prometheus/prometheus.yml' },
      ]);
      expect(service('prometheus').command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    });
  });

  describe('Temporal with mTLS', () => {
    const SERVER_NAME = '${TEMPORAL_TLS_SERVER_NAME:-temporal.edubot.internal}';
    const CLIENT_SECRETS = ['temporal-ca', 'temporal-client-cert', 'temporal-client-key'];
    const CLIENTS = ['server', 'worker', 'temporal-ui', 'temporal-setup'];
    const secretFiles = (composeDocument as { secrets: Record<string, { file?: string }> }).secrets;

    it('mounts the certificates and keys from TEMPORAL_TLS_DIR as secrets', () => {
      const files = Object.fromEntries(
        Object.entries(secretFiles)
          .filter(([name]) => name.startsWith('temporal-'))
          .map(([name, { file }]) => [name, file]),
      );
      const dir = '${TEMPORAL_TLS_DIR:-./deploy/temporal-tls}';
      expect(files).toEqual({
        'temporal-ca': `${dir}/ca.pem`,
        'temporal-server-cert': `${dir}/server.pem`,
        'temporal-server-key': `${dir}/server-key.pem`,
        'temporal-client-cert': `${dir}/client.pem`,
        'temporal-client-key': `${dir}/client-key.pem`,
      });
    });

    it('has the frontend and the services require a client certificate from the CA and check the server name', () => {
      expect(service('temporal').secrets).toEqual(['temporal-ca', 'temporal-server-cert', 'temporal-server-key']);
      expect(service('temporal').environment).toMatchObject({
        TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
        TEMPORAL_TLS_SERVER_CERT: '/run/secrets/temporal-server-cert',
        TEMPORAL_TLS_SERVER_KEY: '/run/secrets/temporal-server-key',
        TEMPORAL_TLS_SERVER_CA_CERT: '/run/secrets/temporal-ca',
        TEMPORAL_TLS_FRONTEND_CERT: '/run/secrets/temporal-server-cert',
        TEMPORAL_TLS_FRONTEND_KEY: '/run/secrets/temporal-server-key',
        TEMPORAL_TLS_CLIENT1_CA_CERT: '/run/secrets/temporal-ca',
        TEMPORAL_TLS_CLIENT2_CA_CERT: '/run/secrets/temporal-ca',
        TEMPORAL_TLS_INTERNODE_SERVER_NAME: SERVER_NAME,
        TEMPORAL_TLS_FRONTEND_SERVER_NAME: SERVER_NAME,
      });
    });

    it('gives every client of Temporal the client certificate, and the server key to Temporal alone', () => {
      for (const name of CLIENTS) {
        expect({ name, secrets: service(name).secrets }).toEqual({ name, secrets: CLIENT_SECRETS });
        expect({ name, environment: service(name).environment }).toMatchObject({
          name,
          environment: {
            TEMPORAL_TLS_CERT: '/run/secrets/temporal-client-cert',
            TEMPORAL_TLS_KEY: '/run/secrets/temporal-client-key',
            TEMPORAL_TLS_CA: '/run/secrets/temporal-ca',
            TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
          },
        });
      }
      for (const [name, { secrets }] of Object.entries(compose.services)) {
        const temporalSecrets = (secrets ?? []).filter((s) => s.startsWith('temporal-'));
        const expected = name === 'temporal' ? 3 : CLIENTS.includes(name) ? 3 : 0;
        expect(`${name}: ${temporalSecrets.length}`).toBe(`${name}: ${expected}`);
        if (name !== 'temporal')
          expect(`${name}: ${temporalSecrets.includes('temporal-server-key')}`).toBe(`${name}: false`);
      }
    });

    it('registers the namespace with the client certificate', () => {
      const script = (service('temporal-setup').command ?? []).join('\n');
      expect(script).toContain(
        'command temporal "$$@" --tls-cert-path "$$TEMPORAL_TLS_CERT" --tls-key-path "$$TEMPORAL_TLS_KEY"',
      );
      expect(script).toContain('--tls-ca-path "$$TEMPORAL_TLS_CA" --tls-server-name "$$TEMPORAL_TLS_SERVER_NAME"');
    });

    it('runs the Web UI read-only, verifying the server it connects to', () => {
      expect(service('temporal-ui').environment).toMatchObject({
        TEMPORAL_DISABLE_WRITE_ACTIONS: 'true',
        TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: 'true',
      });
    });
  });

  it('points the app and the UI at the temporal service on 7233', () => {
    for (const name of ['server', 'worker', 'temporal-ui', 'temporal-setup']) {
      expect(`${name}: ${service(name).environment?.TEMPORAL_ADDRESS}`).toBe(`${name}: temporal:7233`);
    }
    expect(service('temporal').healthcheck?.test).toContain('7233');
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
    expect(service('temporal-schema').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    for (const [name, { depends_on }] of Object.entries(compose.services)) {
      for (const target of Object.keys(depends_on ?? {}))
        expect(`${name} -> ${target}: ${target in compose.services}`).toBe(`${name} -> ${target}: true`);
    }
  });

  it('pins every third-party image to a release', () => {
    for (const [name, { image, build }] of Object.entries(compose.services)) {
      if (build !== undefined) continue;
      expect(`${name}: ${image}`).toMatch(/^[\w-]+: [\w./-]+:v?\d[\w.-]*$/);
    }
  });

  it('runs the Temporal release npm start and the cluster build, with its admin tools and Web UI', () => {
    const server = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    expect(service('temporal').image).toBe(`temporalio/server:${server}`);
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${server}`);
    expect(service('temporal-setup').image).toBe(`temporalio/admin-tools:${server}`);
    expect(service('temporal-ui').image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION.replace(/^v/, '')}`);
  });

  it('builds the image on a pinned Node release of a supported LTS line that package.json allows', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.\d+\.\d+-bookworm-slim$/m.exec(read('Dockerfile'));
    expect(image).not.toBeNull();
    // 22 until April 2027, 24 until April 2028; Node 20 reached its end of life in April 2026.
    expect(['22', '24']).toContain(image![1]);
    const { engines } = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(engines.node).toBe('>=20');
  });

  it('runs the entry points the Dockerfile builds', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    for (const name of APP_SERVICES) {
      const command = service(name).command ?? [];
      expect(command[0]).toBe('node');
      const entry = /^dist\/(src\/[\w/-]+)\.js$/.exec(command[1] ?? '');
      expect(entry).not.toBeNull();
      expect(fs.existsSync(path.join(ROOT, `${entry![1]}.ts`))).toBe(true);
    }
  });
});
