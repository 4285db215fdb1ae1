import crypto from 'node:crypto';
import { NAMESPACE_REFRESH_MS, registerNamespace, retrying } from '../../tools/cluster/temporal-cluster';
import { waitUntilServing } from '../../src/temporal/server-checks';
import { readTestEnvironment } from './test-env';
import { sleep } from './wait';

// A namespace of its own on the run's Temporal server, registered through the API with the product's
// search attributes, as the global setup registers the shared one. Each namespace has its own Worker
// Deployment `edubot`: a test that adds a version or moves the current one does it there, never in the
// shared namespace where every other file's workers poll the version built from this checkout.

export async function registerTestNamespace(): Promise<string> {
  const namespace = `edubot-test-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const address = readTestEnvironment().temporalAddress;
  const deadline = Date.now() + 30_000;
  // Registered, the namespace reaches the frontend's cache only on its next refresh: the search
  // attributes are added once it has, as the embedded server's start does.
  await retrying(deadline, new AbortController().signal, () => registerNamespace(address, namespace, 1));
  await waitUntilServing(address, namespace, deadline - Date.now());
  // The history and matching services learn of it on their next refresh too.
  await sleep(2 * NAMESPACE_REFRESH_MS);
  return namespace;
}
