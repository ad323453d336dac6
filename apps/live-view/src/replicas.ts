import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SourceError } from './http';

/**
 * Every address a URL's host name resolves to, as URLs: a headless Service
 * (`gateway-ops`) resolves to one address per gateway pod, so each replica's
 * metrics can be read. An IP address, or a name with one address (npm
 * start's 127.0.0.1), gives the URL itself back.
 */
export async function replicaUrls(url: string): Promise<string[]> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [parsed.origin];
  let addresses;
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    throw new SourceError('SOURCE_UNAVAILABLE', `${url}: ${host} does not resolve`);
  }
  return addresses.map(({ address, family }) => {
    const replica = new URL(parsed.origin);
    replica.hostname = family === 6 ? `[${address}]` : address;
    return replica.origin;
  });
}
