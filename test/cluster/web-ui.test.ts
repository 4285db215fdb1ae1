import { temporalUiConfig } from '../../tools/embedded/temporal-ui';

// The Web UI's configuration as the local cluster writes it: the client certificate to reach the
// mTLS frontend, and no write actions (SPEC §12), since anyone who reaches the UI could otherwise
// signal a conversation (a payment confirmed, an agent's message) or terminate it. `npm start`'s UI,
// on the loopback of a sandbox, keeps them.

const base = { frontendAddress: '127.0.0.1:7233', port: 8233, namespace: 'default' };
const parse = (text: string) => JSON.parse(text.replace(/^#.*\n/, '')) as Record<string, unknown>;

describe('temporalUiConfig', () => {
  it('connects with the client certificate, verifying the server name, and offers no write action', () => {
    const config = parse(
      temporalUiConfig({
        ...base,
        tls: { certPath: '/t/client.pem', keyPath: '/t/client-key.pem', caPath: '/t/ca.pem', serverName: 'temporal.x' },
        disableWriteActions: true,
      }),
    );
    expect(config.tls).toEqual({
      certFile: '/t/client.pem',
      keyFile: '/t/client-key.pem',
      caFile: '/t/ca.pem',
      serverName: 'temporal.x',
      enableHostVerification: true,
    });
    expect(config.disableWriteActions).toBe(true);
  });

  it('keeps a plain connection and the write actions when asked for neither (npm start)', () => {
    const config = parse(temporalUiConfig(base));
    expect(config.tls).toBeUndefined();
    expect(config.disableWriteActions).toBeUndefined();
  });
});
