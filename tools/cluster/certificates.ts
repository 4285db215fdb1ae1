import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

// mTLS for the local cluster (SPEC §12): a CA made at every start, a certificate its Temporal services
// present to clients and to each other, and one certificate for every client (the product's
// processes, the Web UI, the cluster's own admin calls). The CA's key is never written: once the two
// certificates are signed nobody can mint another, and the next start makes a new CA.
// node-forge signs (pure JS, no native code); Node's own crypto makes the RSA keys, which is faster.

/** The name clients verify the cluster's certificate against (TEMPORAL_TLS_SERVER_NAME). */
export const CLUSTER_SERVER_NAME = 'temporal.edubot.internal';

/** Names and addresses in the cluster's certificate: every service listens on the loopback interface. */
const SERVER_DNS_NAMES = [CLUSTER_SERVER_NAME, 'localhost'];
const SERVER_IPS = ['127.0.0.1', '::1'];

/** What a client needs, in the shape of the config's `temporalSecurity.tls` (TEMPORAL_TLS_*). */
export interface ClientTlsFiles {
  certPath: string;
  keyPath: string;
  caPath: string;
  serverName: string;
}

export interface ClusterCertificates {
  /** The CA certificate: the root clients trust and the CA the services take client certificates from. */
  caPath: string;
  /** The services' certificate and key (server and client use: the services call each other with it). */
  server: { certPath: string; keyPath: string };
  client: ClientTlsFiles;
}

/** Valid from an hour ago (clocks differ a little), for a year: the next start replaces them anyway. */
const VALIDITY_MS = 365 * 24 * 3_600_000;

/** Makes a new CA and both certificates in `dir` (keys mode 0600), replacing those of an earlier start. */
export function generateClusterCertificates(dir: string, now = new Date()): ClusterCertificates {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const notBefore = new Date(now.getTime() - 3_600_000);
  const notAfter = new Date(now.getTime() + VALIDITY_MS);

  const caKeys = keyPair();
  const caSubject = [
    { name: 'commonName', value: 'EduBot local cluster CA' },
    { name: 'organizationName', value: 'EduBot' },
  ];
  const ca = certificate(caKeys.publicKey, caSubject, caSubject, notBefore, notAfter, [
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const leaf = (commonName: string, extensions: object[]) => {
    const keys = keyPair();
    const cert = certificate(
      keys.publicKey,
      [
        { name: 'commonName', value: commonName },
        { name: 'organizationName', value: 'EduBot' },
      ],
      ca.subject.attributes,
      notBefore,
      notAfter,
      [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'subjectKeyIdentifier' },
        { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
        ...extensions,
      ],
    );
    cert.sign(caKeys.privateKey, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.pem };
  };
  const server = leaf(CLUSTER_SERVER_NAME, [
    // clientAuth too: the services present it when they call one another (internode mTLS) and when the
    // worker service calls the frontend.
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...SERVER_DNS_NAMES.map((value) => ({ type: 2, value })),
        ...SERVER_IPS.map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  const client = leaf('edubot', [{ name: 'extKeyUsage', clientAuth: true }]);

  const files = {
    caPath: path.join(dir, 'ca.pem'),
    serverCert: path.join(dir, 'server.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
    clientCert: path.join(dir, 'client.pem'),
    clientKey: path.join(dir, 'client-key.pem'),
  };
  writeFresh(files.caPath, forge.pki.certificateToPem(ca), 0o644);
  writeFresh(files.serverCert, server.certPem, 0o644);
  writeFresh(files.serverKey, server.keyPem, 0o600);
  writeFresh(files.clientCert, client.certPem, 0o644);
  writeFresh(files.clientKey, client.keyPem, 0o600);
  return {
    caPath: files.caPath,
    server: { certPath: files.serverCert, keyPath: files.serverKey },
    client: {
      certPath: files.clientCert,
      keyPath: files.clientKey,
      caPath: files.caPath,
      serverName: CLUSTER_SERVER_NAME,
    },
  };
}

/** An RSA-2048 key pair from Node's crypto, as forge keys and the private key in PKCS#8 PEM. */
function keyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; pem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    pem: privateKey,
  };
}

function certificate(
  publicKey: forge.pki.PublicKey,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  notBefore: Date,
  notAfter: Date,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // 16 random bytes with the top bit clear: a positive serial, unique per certificate (RFC 5280 §4.1.2.2).
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  return cert;
}

/** Writes a new file with `mode`: the mode of an existing file would survive a plain overwrite. */
function writeFresh(file: string, content: string, mode: number): void {
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, content, { mode, flag: 'wx' });
}
