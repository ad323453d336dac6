import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { answerOf, type ModelTransport } from './transport';

interface JsonResponse {
  status: number;
  /** The parsed body; undefined when it was not JSON. */
  body: unknown;
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

export interface HttpTransportOptions {
  /** Keep-alive connections: enough for bursts, few enough to be polite. */
  connections?: number;
}

/**
 * The model as an HTTP service (the monolith's `/api/sentiment` and
 * `/api/info`), over node:http with a keep-alive pool. Node's own client
 * rather than the undici package: loading undici costs about 50 ms and 19 MiB
 * at start-up, more than one call per write is worth, and node:http is traced
 * by the HTTP instrumentation already loaded for the server side.
 */
export function httpTransport(
  baseUrl: string,
  { connections = 16 }: HttpTransportOptions = {},
): ModelTransport {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const https = base.protocol === 'https:';
  const agent = new (https ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: connections });
  const send = https ? httpsRequest : httpRequest;

  function request(
    method: 'GET' | 'POST',
    path: string,
    signal: AbortSignal,
    body?: unknown,
    requestId?: string,
    forwarded: Record<string, string> = {},
  ): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = send(
        new URL(path, base),
        {
          method,
          agent,
          signal,
          headers: {
            ...forwarded,
            accept: 'application/json',
            ...(requestId ? { 'x-request-id': requestId } : {}),
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
  }

  return {
    target: base.origin,
    async score(text, { signal, requestId, headers }) {
      const res = await request('POST', 'api/sentiment', signal, { text }, requestId, headers);
      return answerOf(res.status, res.body);
    },
    async info(signal) {
      const res = await request('GET', 'api/info', signal);
      return (answerOf(res.status, res.body) ?? {}) as { model?: unknown };
    },
    close: async () => agent.destroy(),
  };
}
