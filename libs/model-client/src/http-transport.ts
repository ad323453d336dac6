import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface JsonResponse {
  status: number;
  /** The parsed body; undefined when it was not JSON. */
  body: unknown;
}

export interface JsonClient {
  request(
    method: 'GET' | 'POST',
    path: string,
    signal: AbortSignal,
    body?: unknown,
  ): Promise<JsonResponse>;
  close(): void;
}

async function readJson(res: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of res) text += chunk;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A tiny JSON client over node:http with a keep-alive pool. Node's own client
 * rather than the undici package: loading undici costs about 50 ms and 19 MiB
 * at start-up, more than this one call per write is worth, and node:http is
 * traced by the HTTP instrumentation already loaded for the server side.
 */
export function createJsonClient(baseUrl: string, { maxSockets = 16 } = {}): JsonClient {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const https = base.protocol === 'https:';
  const agent = new (https ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets });
  const send = https ? httpsRequest : httpRequest;

  return {
    request(method, path, signal, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = send(
          new URL(path, base),
          {
            method,
            agent,
            signal,
            headers: {
              accept: 'application/json',
              ...(payload
                ? {
                    'content-type': 'application/json',
                    'content-length': Buffer.byteLength(payload),
                  }
                : {}),
            },
          },
          (res) => {
            readJson(res).then(
              (json) => resolve({ status: res.statusCode ?? 0, body: json }),
              reject,
            );
          },
        );
        // An aborted request rejects with the signal's reason (e.g. TimeoutError), not a generic AbortError.
        req.on('error', (err) => reject(signal.aborted ? signal.reason : err));
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
