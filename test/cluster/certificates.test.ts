import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import {
  CLUSTER_SERVER_NAME,
  generateClusterCertificates,
  type ClusterCertificates,
} from '../../tools/cluster/certificates';

// The local cluster's certificates, checked with Node's own X.509 and TLS rather than the library that
// made them: what the Temporal services and clients will verify, a TLS server that requires a client
// certificate answers the generated client and nobody else.

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

let dir: string;
let certs: ClusterCertificates;
const read = (file: string) => fs.readFileSync(file);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-certs-'));
  certs = generateClusterCertificates(path.join(dir, 'tls'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('generateClusterCertificates', () => {
  it('signs the server and client certificates with its CA, for their own uses', () => {
    const ca = new X509Certificate(read(certs.caPath));
    const server = new X509Certificate(read(certs.server.certPath));
    const client = new X509Certificate(read(certs.client.certPath));
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(client.ca).toBe(false);
    for (const leaf of [server, client]) {
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
    }
    // The services present theirs to each other as clients too (internode mTLS).
    expect(server.keyUsage.sort()).toEqual([SERVER_AUTH, CLIENT_AUTH].sort());
    expect(client.keyUsage).toEqual([CLIENT_AUTH]);
    expect(server.subjectAltName?.split(', ').sort()).toEqual(
      [`DNS:${CLUSTER_SERVER_NAME}`, 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'].sort(),
    );
    expect(server.checkHost(CLUSTER_SERVER_NAME)).toBe(CLUSTER_SERVER_NAME);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(client.checkHost(CLUSTER_SERVER_NAME)).toBeUndefined();
  });

  it('writes the keys readable by their owner only, and no CA key at all', () => {
    for (const key of [certs.server.keyPath, certs.client.keyPath]) {
      expect((fs.statSync(key).mode & 0o777).toString(8)).toBe('600');
      expect(read(key).toString()).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    expect(fs.readdirSync(path.join(dir, 'tls')).sort()).toEqual([
      'ca.pem',
      'client-key.pem',
      'client.pem',
      'server-key.pem',
      'server.pem',
    ]);
    expect(certs.client).toEqual({
      certPath: path.join(dir, 'tls', 'client.pem'),
      keyPath: path.join(dir, 'tls', 'client-key.pem'),
      caPath: certs.caPath,
      serverName: CLUSTER_SERVER_NAME,
    });
  });

  it('makes a new CA at every call, which the certificates of the earlier one do not chain to', () => {
    const other = generateClusterCertificates(path.join(dir, 'other'));
    const ca = new X509Certificate(read(certs.caPath));
    const otherCa = new X509Certificate(read(other.caPath));
    expect(otherCa.fingerprint256).not.toBe(ca.fingerprint256);
    expect(new X509Certificate(read(other.client.certPath)).verify(ca.publicKey)).toBe(false);
  });

  it('replaces the files of an earlier start, keys still mode 0600', () => {
    const again = path.join(dir, 'again');
    const first = generateClusterCertificates(again);
    fs.chmodSync(first.client.keyPath, 0o644);
    const before = read(first.caPath).toString();
    const second = generateClusterCertificates(again);
    expect(read(second.caPath).toString()).not.toBe(before);
    expect((fs.statSync(second.client.keyPath).mode & 0o777).toString(8)).toBe('600');
  });
});

describe('a TLS server requiring client certificates from the CA', () => {
  let server: tls.Server;
  let port: number;

  beforeAll(async () => {
    server = tls.createServer(
      {
        cert: read(certs.server.certPath),
        key: read(certs.server.keyPath),
        ca: read(certs.caPath),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => socket.end(`hello ${(socket.getPeerCertificate().subject as { CN?: string }).CN}`),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** What the server said to a client connecting with `options`, or the error that ended it. */
  function talk(options: tls.ConnectionOptions): Promise<string> {
    return new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ...options });
      let said = '';
      socket.on('data', (chunk: Buffer) => (said += chunk.toString()));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
      socket.on('close', () => resolve(said === '' ? 'closed' : said));
    });
  }

  it('talks to the generated client, verified by its server name or by 127.0.0.1', async () => {
    const client = { cert: read(certs.client.certPath), key: read(certs.client.keyPath), ca: read(certs.caPath) };
    expect(await talk({ ...client, servername: CLUSTER_SERVER_NAME })).toBe('hello edubot');
    expect(await talk(client)).toBe('hello edubot');
  });

  it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
    expect(await talk({ ca: read(certs.caPath), servername: CLUSTER_SERVER_NAME })).toMatch(/^error |^closed$/);
    const other = generateClusterCertificates(path.join(dir, 'stranger'));
    const stranger = {
      cert: read(other.client.certPath),
      key: read(other.client.keyPath),
      ca: read(certs.caPath),
      servername: CLUSTER_SERVER_NAME,
    };
    expect(await talk(stranger)).toMatch(/^error |^closed$/);
  });

  it('is not trusted by a client that trusts another CA', async () => {
    const other = generateClusterCertificates(path.join(dir, 'elsewhere'));
    const client = { cert: read(other.client.certPath), key: read(other.client.keyPath), ca: read(other.caPath) };
    expect(await talk({ ...client, servername: CLUSTER_SERVER_NAME })).toMatch(/^error /);
  });
});
