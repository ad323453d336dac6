import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCatalogue, type ErrorCode } from './catalogue';
import { errorBody } from './body';

/** Node's parser and timer errors, as catalogue codes. */
function codeOf(err: NodeJS.ErrnoException): ErrorCode {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'PAYLOAD_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'MALFORMED_REQUEST';
  }
}

/**
 * The whole answer as bytes: the connection is closed after it, so nothing can
 * follow. An answer to HEAD has the same headers and no body (RFC 9110 §9.3.2):
 * a client reading one would take the body for a second, broken response.
 */
export function rawErrorResponse(code: ErrorCode, { head = false } = {}): string {
  const { status } = errorCatalogue[code];
  const body = JSON.stringify(errorBody(code, errorCatalogue[code].message));
  return (
    `HTTP/1.1 ${status} ${code}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    'Connection: close\r\n\r\n' +
    (head ? '' : body)
  );
}

/** Whether the request the parser refused was a HEAD (its bytes are on the error). */
function refusedHead(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): boolean {
  return err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
}

/** Node's own field: the response in progress on this connection, if any. */
type ClientSocket = Duplex & { _httpMessage?: { headersSent: boolean } | null };

/**
 * Node answers requests its parser refuses (400), headers too large (431) and
 * request timeouts (408) itself, with an empty body. Here they get the coded
 * JSON body every other error has. An answer is written only when the
 * request at fault has had none yet (Node's own handler also answers a request
 * whose response was sent before its body finished arriving: two status lines
 * for one request); the connection then closes.
 */
export function answerClientErrors(server: Server): Server {
  // Connections whose current request was answered before its body was all
  // read: an error in the rest of that body (a timeout, bad chunking) must
  // not produce a second answer to the same request.
  const answeredEarly = new WeakSet<object>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => {
      if (req.complete) return;
      const { socket } = req;
      answeredEarly.add(socket);
      req.once('end', () => answeredEarly.delete(socket));
    });
  });
  server.on(
    'clientError',
    (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: ClientSocket) => {
      if (
        err.code !== 'ECONNRESET' &&
        socket.writable &&
        !socket._httpMessage?.headersSent &&
        !answeredEarly.has(socket)
      ) {
        socket.write(rawErrorResponse(codeOf(err), { head: refusedHead(err) }));
      }
      // Destroyed, the socket swallows whatever a handler still writes to it.
      socket.destroy();
    },
  );
  return server;
}

/**
 * Limits for every Fig HTTP server: the request line and headers must
 * arrive within `headersTimeoutMs` and the whole request, body included,
 * within `requestTimeoutMs` (Node's default is 300 s, which let one body sent
 * at a byte a second hold a connection for five minutes). Node checks them
 * every `connectionsCheckingInterval`; the 408 goes through answerClientErrors.
 */
export function boundedServerOptions({
  requestTimeoutMs = 15_000,
  headersTimeoutMs = 10_000,
}: { requestTimeoutMs?: number; headersTimeoutMs?: number } = {}) {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs / 2),
  };
}
