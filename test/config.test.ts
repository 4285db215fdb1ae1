import { ALWAYS_OPEN } from '../domain/business-hours';
import { ConfigError, loadConfig, SANDBOX_BUSINESS_ACCOUNT_ID, SANDBOX_SECRETS } from '../src/config';

const ADMIN_TOKEN = 'admin-token-of-exactly-32-chars!';
const TEMPORAL_PAYLOAD_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

const credentials = {
  TEMPORAL_PAYLOAD_KEYS,
  WHATSAPP_ACCESS_TOKEN: 'token',
  WHATSAPP_PHONE_NUMBER_ID: '106000000000001',
  WHATSAPP_APP_SECRET: 'secret',
  WHATSAPP_VERIFY_TOKEN: 'verify',
  ADMIN_TOKEN,
  PAYMENT_WEBHOOK_SECRET: 'pay',
};

const SECRET_VARIABLES = [
  'WHATSAPP_ACCESS_TOKEN',
  'WHATSAPP_APP_SECRET',
  'WHATSAPP_VERIFY_TOKEN',
  'ADMIN_TOKEN',
  'PAYMENT_WEBHOOK_SECRET',
] as const;

describe('loadConfig', () => {
  it('applies the specified defaults and runs in sandbox mode without WhatsApp credentials', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      temporalAddress: undefined,
      temporalNamespace: 'default',
      taskQueue: 'edubot-conversations',
      botName: 'EduBot',
      sandbox: true,
      timers: {
        chatIdleReminderMs: 15 * 60_000,
        chatIdleTimeoutMs: 30 * 60_000,
        flowIdleTimeoutMs: 30 * 60_000,
        paymentTimeoutMs: 30 * 60_000,
      },
    });
    expect(config.whatsapp.apiBaseUrl).toBe('https://graph.facebook.com/v22.0');
  });

  it('reads every variable under its specified name', () => {
    const config = loadConfig({
      ...credentials,
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/edubot',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'q',
      WHATSAPP_API_BASE_URL: 'http://127.0.0.1:9999/v22.0/',
      BOT_NAME: 'StudyBot',
      CHAT_IDLE_REMINDER: '2s',
      CHAT_IDLE_TIMEOUT: '1h',
      FLOW_IDLE_TIMEOUT: '500ms',
      PAYMENT_TIMEOUT: '2d',
      PAYMENT_PLAN_NAME: 'Gold',
      PAYMENT_PLAN_PRICE: '1200',
      PAYMENT_LINK_TEMPLATE: 'https://pay.example/{reference}',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u@db:5432/edubot',
      temporalAddress: 'temporal:7233',
      temporalNamespace: 'prod',
      taskQueue: 'q',
      sandbox: false,
      botName: 'StudyBot',
      adminToken: ADMIN_TOKEN,
      whatsapp: {
        apiBaseUrl: 'http://127.0.0.1:9999/v22.0',
        accessToken: 'token',
        appSecret: 'secret',
        verifyToken: 'verify',
      },
      timers: {
        chatIdleReminderMs: 2000,
        chatIdleTimeoutMs: 3_600_000,
        flowIdleTimeoutMs: 500,
        paymentTimeoutMs: 172_800_000,
      },
      payment: {
        planName: 'Gold',
        planPrice: 1200,
        linkTemplate: 'https://pay.example/{reference}',
        webhookSecret: 'pay',
      },
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TEMPORAL_ADDRESS: 'no-port' }, 'TEMPORAL_ADDRESS'],
    [{ CHAT_IDLE_TIMEOUT: 'soon' }, 'CHAT_IDLE_TIMEOUT'],
    [{ PAYMENT_LINK_TEMPLATE: 'https://pay.example/' }, 'PAYMENT_LINK_TEMPLATE'],
    [{ WHATSAPP_API_BASE_URL: 'not a url' }, 'WHATSAPP_API_BASE_URL'],
  ])('names the malformed variable in %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it.each(['WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN', 'ADMIN_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID'])(
    'requires %s once WhatsApp credentials are set',
    (name) => {
      const env: Record<string, string> = { ...credentials };
      delete env[name];
      expect(() => loadConfig(env)).toThrow(new RegExp(`missing environment variable ${name}\\b`));
    },
  );

  it('binds to loopback in sandbox mode and to every interface otherwise, unless HOST says', () => {
    expect(ADMIN_TOKEN).toHaveLength(32);
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig(credentials).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...credentials, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ HOST: 'edubot.internal' }).host).toBe('edubot.internal');
    expect(loadConfig({ HOST: '  ' }).host).toBe('127.0.0.1');
  });

  it.each(['http://0.0.0.0', '0.0.0.0:3000', 'two words', '-leading.dash'])('names HOST when it is %j', (host) => {
    expect(() => loadConfig({ HOST: host })).toThrow(/^invalid environment variable HOST: /);
  });

  it.each(SECRET_VARIABLES.flatMap((name) => Object.values(SANDBOX_SECRETS).map((value) => [name, value])))(
    'refuses %s equal to the published sandbox default %j outside sandbox mode',
    (name, value) => {
      expect(() => loadConfig({ ...credentials, [name]: value })).toThrow(
        new RegExp(`^invalid environment variable ${name}: it is a published sandbox default`),
      );
    },
  );

  it('refuses an ADMIN_TOKEN shorter than 32 characters outside sandbox mode, and only there', () => {
    const short = ADMIN_TOKEN.slice(1);
    expect(() => loadConfig({ ...credentials, ADMIN_TOKEN: short })).toThrow(
      /^invalid environment variable ADMIN_TOKEN: must be at least 32 characters/,
    );
    // Surrounding spaces are not part of the token.
    expect(() => loadConfig({ ...credentials, ADMIN_TOKEN: ` ${short} ` })).toThrow(/ADMIN_TOKEN/);
    expect(loadConfig({ ADMIN_TOKEN: 'short' }).adminToken).toBe('short');
  });

  it('keeps the sandbox defaults in sandbox mode, where they are expected', () => {
    expect(loadConfig({})).toMatchObject({
      adminToken: SANDBOX_SECRETS.adminToken,
      whatsapp: { accessToken: SANDBOX_SECRETS.accessToken, appSecret: SANDBOX_SECRETS.appSecret },
      payment: { webhookSecret: SANDBOX_SECRETS.paymentWebhookSecret },
    });
  });
});

describe('the production processes', () => {
  it.each([
    ['unset', {}],
    ['empty', { WHATSAPP_ACCESS_TOKEN: '', WHATSAPP_PHONE_NUMBER_ID: '', WHATSAPP_APP_SECRET: '' }],
    ['blank', { WHATSAPP_ACCESS_TOKEN: ' ', WHATSAPP_PHONE_NUMBER_ID: '\t', WHATSAPP_APP_SECRET: ' ' }],
  ])('refuse WhatsApp credentials that are %s, saying sandbox mode is for npm start', (_, env) => {
    expect(() => loadConfig(env, 'server')).toThrow(
      /^missing environment variable WHATSAPP_ACCESS_TOKEN: start:server needs it; sandbox mode runs only under npm start$/,
    );
    expect(() => loadConfig(env, 'worker')).toThrow(
      /^missing environment variable WHATSAPP_ACCESS_TOKEN: start:worker needs it; sandbox mode runs only under npm start$/,
    );
  });

  it('require each only the credentials it uses, so a secret reaches only the process that needs it', () => {
    const server = loadConfig(
      {
        WHATSAPP_APP_SECRET: 'secret',
        WHATSAPP_VERIFY_TOKEN: 'verify',
        ADMIN_TOKEN,
        PAYMENT_WEBHOOK_SECRET: 'pay',
        WHATSAPP_ACCESS_TOKEN: 'token',
        WHATSAPP_PHONE_NUMBER_ID: '106000000000001',
        TEMPORAL_PAYLOAD_KEYS,
      },
      'server',
    );
    expect(server).toMatchObject({ sandbox: false, host: '0.0.0.0', adminToken: ADMIN_TOKEN });
    expect(server.whatsapp).toMatchObject({ accessToken: 'token', appSecret: 'secret', verifyToken: 'verify' });

    const worker = loadConfig(
      { WHATSAPP_ACCESS_TOKEN: 'token', WHATSAPP_PHONE_NUMBER_ID: '106000000000001', TEMPORAL_PAYLOAD_KEYS },
      'worker',
    );
    expect(worker).toMatchObject({ sandbox: false, adminToken: '', payment: { webhookSecret: '' } });
    expect(worker.whatsapp).toMatchObject({ accessToken: 'token', phoneNumberId: '106000000000001', appSecret: '' });

    expect(() => loadConfig({ WHATSAPP_ACCESS_TOKEN: 'token' }, 'worker')).toThrow(/WHATSAPP_PHONE_NUMBER_ID/);
    expect(() => loadConfig({ ...credentials, PAYMENT_WEBHOOK_SECRET: '' }, 'server')).toThrow(
      /PAYMENT_WEBHOOK_SECRET/,
    );
  });

  it('refuse a published sandbox secret even where they do not use it', () => {
    expect(() => loadConfig({ ...credentials, WHATSAPP_APP_SECRET: SANDBOX_SECRETS.appSecret }, 'worker')).toThrow(
      /^invalid environment variable WHATSAPP_APP_SECRET: it is a published sandbox default/,
    );
  });

  it('take everything a whole product needs', () => {
    expect(loadConfig(credentials, 'server').whatsapp.accessToken).toBe('token');
    expect(loadConfig(credentials, 'worker').adminToken).toBe(ADMIN_TOKEN);
  });
});

describe('TEMPORAL_METRICS_ADDRESS', () => {
  it('is unset by default: a worker serves no SDK metrics', () => {
    expect(loadConfig({}).temporalMetricsAddress).toBeUndefined();
  });

  it.each(['127.0.0.1:9464', '0.0.0.0:9464', '[::1]:9464'])('takes the socket address %s', (address) => {
    expect(loadConfig({ TEMPORAL_METRICS_ADDRESS: address }).temporalMetricsAddress).toBe(address);
  });

  it.each(['localhost:9464', '9464', '127.0.0.1', 'http://127.0.0.1:9464'])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ TEMPORAL_METRICS_ADDRESS: value })).toThrow(
        /^invalid environment variable TEMPORAL_METRICS_ADDRESS: must be ip:port/,
      );
    },
  );
});

describe('EDUBOT_BUILD_ID', () => {
  it('is unset by default: the worker derives its build id from the workflow bundle', () => {
    expect(loadConfig({}).buildId).toBeUndefined();
  });

  it.each(['1.0.0', 'a1b2c3d4e5f60718', 'release-2026_12+hotfix'])('takes %s', (buildId) => {
    expect(loadConfig({ EDUBOT_BUILD_ID: buildId }).buildId).toBe(buildId);
  });

  it.each(['__unversioned__', 'has space', "it's", 'edubot:1', 'x'.repeat(101)])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ EDUBOT_BUILD_ID: value })).toThrow(/^invalid environment variable EDUBOT_BUILD_ID: /);
    },
  );
});

describe('message templates', () => {
  const serverCredentials = {
    TEMPORAL_PAYLOAD_KEYS,
    WHATSAPP_APP_SECRET: 'secret',
    WHATSAPP_VERIFY_TOKEN: 'verify',
    ADMIN_TOKEN,
    PAYMENT_WEBHOOK_SECRET: 'pay',
  };

  it('come from the emulator in sandbox mode and from nowhere outside it unless an account is set', () => {
    expect(loadConfig({}).templates).toEqual({
      businessAccountId: SANDBOX_BUSINESS_ACCOUNT_ID,
      refreshIntervalMs: 15 * 60_000,
    });
    expect(loadConfig(credentials).templates.businessAccountId).toBeUndefined();
    expect(
      loadConfig({
        ...credentials,
        WHATSAPP_BUSINESS_ACCOUNT_ID: ' 102000000000009 ',
        TEMPLATE_REFRESH_INTERVAL: '90s',
      }).templates,
    ).toEqual({ businessAccountId: '102000000000009', refreshIntervalMs: 90_000 });
  });

  it('make the server need the Graph token and number, for templates, media, read receipts and typing', () => {
    expect(() => loadConfig(serverCredentials, 'server')).toThrow(
      /^missing environment variable WHATSAPP_ACCESS_TOKEN: start:server needs it/,
    );
    const graph = { WHATSAPP_ACCESS_TOKEN: 'token', WHATSAPP_PHONE_NUMBER_ID: '106000000000001' };
    expect(loadConfig({ ...serverCredentials, ...graph }, 'server').whatsapp).toMatchObject({
      accessToken: 'token',
      phoneNumberId: '106000000000001',
    });
  });

  it.each([
    ['WHATSAPP_BUSINESS_ACCOUNT_ID', 'waba-1', /must be the numeric id of a WhatsApp Business Account/],
    ['TEMPLATE_REFRESH_INTERVAL', 'often', /is not a duration/],
  ])('refuse a malformed %s, naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid environment variable ${name}: `));
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});

describe('TEMPORAL_PAYLOAD_KEYS', () => {
  const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

  it('reads id:base64 keys in order, the first being the one that encrypts', () => {
    const keys = loadConfig({ TEMPORAL_PAYLOAD_KEYS: `k2:${key(2)}, k1:${key(1)}` }).temporalSecurity.payloadKeys;
    expect(keys?.map((k) => [k.id, k.key[0]])).toEqual([
      ['k2', 2],
      ['k1', 1],
    ]);
  });

  it.each([
    ['no id', key(1), /must be id:base64/],
    ['a short key', `k1:${Buffer.alloc(16).toString('base64')}`, /must be 32 bytes/],
    ['not base64', `k1:${'!'.repeat(44)}`, /must be 32 bytes/],
    ['a repeated id', `k1:${key(1)},k1:${key(2)}`, /appears twice/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => loadConfig({ TEMPORAL_PAYLOAD_KEYS: value })).toThrow(message);
  });

  it('is required by the production processes, which never generate one', () => {
    const production = {
      WHATSAPP_ACCESS_TOKEN: 'a-real-access-token',
      WHATSAPP_PHONE_NUMBER_ID: '123',
      DATABASE_URL: 'postgres://x@localhost/db',
      TEMPORAL_ADDRESS: 'localhost:7233',
    };
    expect(() => loadConfig(production, 'worker')).toThrow(/^missing environment variable TEMPORAL_PAYLOAD_KEYS/);
    expect(
      loadConfig({ ...production, TEMPORAL_PAYLOAD_KEYS: `k1:${key(1)}` }, 'worker').temporalSecurity.payloadKeys,
    ).toHaveLength(1);
  });
});

describe('TEMPORAL_TLS_*', () => {
  it('needs the certificate and its key together', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/certs/client.pem' })).toThrow(
      /^missing environment variable TEMPORAL_TLS_KEY/,
    );
    expect(
      loadConfig({ TEMPORAL_TLS_CERT: '/c.pem', TEMPORAL_TLS_KEY: '/k.pem', TEMPORAL_TLS_CA: '/ca.pem' })
        .temporalSecurity.tls,
    ).toEqual({ certPath: '/c.pem', keyPath: '/k.pem', caPath: '/ca.pem' });
  });
});

describe('RETENTION_*', () => {
  it('reads durations and keeps for ever when unset', () => {
    expect(loadConfig({ RETENTION_MESSAGES: '365d', RETENTION_AUDIT: '2d' }).retention).toEqual({
      messagesMs: 365 * 86_400_000,
      auditMs: 2 * 86_400_000,
    });
    expect(() => loadConfig({ RETENTION_MEDIA: 'a year' })).toThrow(/^invalid environment variable RETENTION_MEDIA/);
  });
});

describe('WHATSAPP_RATE_CARD', () => {
  it('reads a price per category in a currency, and counts only when unset', () => {
    expect(loadConfig({}).rateCard).toBeUndefined();
    expect(
      loadConfig({ WHATSAPP_RATE_CARD: '{"currency":"USD","marketing":0.025,"authentication-international":0.03}' })
        .rateCard,
    ).toEqual({ currency: 'USD', prices: { marketing: 0.025, authentication_international: 0.03 } });
  });

  it.each([
    ['not JSON', 'marketing=0.025', /must be JSON/],
    ['an array', '[0.025]', /must be a JSON object/],
    ['no currency', '{"marketing":0.025}', /"currency"/],
    ['no price', '{"currency":"USD"}', /prices no category/],
    ['a negative price', '{"currency":"USD","marketing":-1}', /price of "marketing"/],
    ['a price in a string', '{"currency":"USD","marketing":"0.025"}', /price of "marketing"/],
  ])('refuses %s with one line naming it', (_case, value, message) => {
    let error: unknown;
    try {
      loadConfig({ WHATSAPP_RATE_CARD: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^invalid environment variable WHATSAPP_RATE_CARD: /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('BUSINESS_HOURS, BUSINESS_TIMEZONE', () => {
  it('is always open when unset, and always open in BUSINESS_TIMEZONE when only the zone is set', () => {
    expect(loadConfig({}).businessHours).toEqual(ALWAYS_OPEN);
    expect(loadConfig({ BUSINESS_TIMEZONE: 'Africa/Lagos' }).businessHours).toEqual({
      ...ALWAYS_OPEN,
      timezone: 'Africa/Lagos',
    });
  });

  it('reads days or ranges of days then intervals, a day no group names being closed', () => {
    const hours = loadConfig({
      BUSINESS_TIMEZONE: 'Africa/Lagos',
      BUSINESS_HOURS: ' Mon-Thu 08:00-12:00,13:00-17:00; fri 08:00-12:00 ;sat,sun 10:00-24:00 ',
    }).businessHours;
    const split: [string, string][] = [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ];
    expect(hours).toEqual({
      timezone: 'Africa/Lagos',
      weekly: {
        mon: split,
        tue: split,
        wed: split,
        thu: split,
        fri: [['08:00', '12:00']],
        sat: [['10:00', '24:00']],
        sun: [['10:00', '24:00']],
      },
      holidays: [],
    });
    expect(loadConfig({ BUSINESS_TIMEZONE: 'UTC', BUSINESS_HOURS: 'wed 09:00-10:00' }).businessHours.weekly).toEqual({
      mon: [],
      tue: [],
      wed: [['09:00', '10:00']],
      thu: [],
      fri: [],
      sat: [],
      sun: [],
    });
  });

  it.each([
    ['BUSINESS_TIMEZONE', { BUSINESS_HOURS: 'mon-fri 08:00-17:00' }, /required when BUSINESS_HOURS is set/],
    ['BUSINESS_TIMEZONE', { BUSINESS_TIMEZONE: 'Mars/Olympus' }, /IANA time zone/],
    ['BUSINESS_TIMEZONE', { BUSINESS_TIMEZONE: 'Lagos', BUSINESS_HOURS: 'mon 08:00-17:00' }, /IANA time zone/],
    ['BUSINESS_HOURS', { BUSINESS_HOURS: 'mon-fri', BUSINESS_TIMEZONE: 'UTC' }, /is not days then times/],
    ['BUSINESS_HOURS', { BUSINESS_HOURS: 'mon-fri 8-5', BUSINESS_TIMEZONE: 'UTC' }, /"8-5" is not an interval/],
    ['BUSINESS_HOURS', { BUSINESS_HOURS: 'weekdays 08:00-17:00', BUSINESS_TIMEZONE: 'UTC' }, /"weekdays" is not a day/],
    ['BUSINESS_HOURS', { BUSINESS_HOURS: 'fri-mon 08:00-17:00', BUSINESS_TIMEZONE: 'UTC' }, /runs backwards/],
    [
      'BUSINESS_HOURS',
      { BUSINESS_HOURS: 'mon-fri 08:00-17:00; fri 09:00-10:00', BUSINESS_TIMEZONE: 'UTC' },
      /fri is named twice/,
    ],
    [
      'BUSINESS_HOURS',
      { BUSINESS_HOURS: 'mon 17:00-08:00', BUSINESS_TIMEZONE: 'UTC' },
      /^[^:]+: mon: must close after it opens/,
    ],
    [
      'BUSINESS_HOURS',
      { BUSINESS_HOURS: 'tue 08:00-12:00,11:00-17:00', BUSINESS_TIMEZONE: 'UTC' },
      /tue: must start at or after/,
    ],
    ['BUSINESS_HOURS', { BUSINESS_HOURS: 'mon 08:00-25:00', BUSINESS_TIMEZONE: 'UTC' }, /mon: must be a time "HH:MM"/],
    ['BUSINESS_HOURS', { BUSINESS_HOURS: ' ; ', BUSINESS_TIMEZONE: 'UTC' }, /names no day/],
  ])('refuses with one line naming %s: %j', (name, env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^invalid environment variable ${name}: `));
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('CSAT_TEMPLATE_*', () => {
  it('names the rating template past the 24-hour window, chat_rating in English by default; empty turns it off', () => {
    expect(loadConfig({}).csatTemplate).toEqual({ name: 'chat_rating', language: 'en' });
    expect(loadConfig({ CSAT_TEMPLATE_NAME: 'rate_us', CSAT_TEMPLATE_LANGUAGE: 'pt_BR' }).csatTemplate).toEqual({
      name: 'rate_us',
      language: 'pt_BR',
    });
    expect(loadConfig({ CSAT_TEMPLATE_NAME: '' }).csatTemplate).toBeUndefined();
  });

  it.each([
    ['CSAT_TEMPLATE_NAME', 'Chat Rating'],
    ['CSAT_TEMPLATE_LANGUAGE', 'english'],
  ])('refuses a malformed %s with one line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid environment variable ${name}: `));
  });
});

describe('WHATSAPP_MPS', () => {
  it("is the number's 80 messages a second unless set, and a whole number from 1 to 1000", () => {
    expect(loadConfig({}).whatsappMps).toBe(80);
    expect(loadConfig({ WHATSAPP_MPS: '20' }).whatsappMps).toBe(20);
    for (const value of ['0', '1001', '2.5', 'fast'])
      expect(() => loadConfig({ WHATSAPP_MPS: value })).toThrow(/^invalid environment variable WHATSAPP_MPS: /);
  });
});
