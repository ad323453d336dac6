import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { answerClientErrors } from './node-http';

/** Everything the server sends on one raw connection until it closes it. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (received += c));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

function bodyOf(answer: string) {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
}

describe('answerClientErrors', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = answerClientErrors(
      createServer({ maxHeaderSize: 1024 }, (req, res) => {
        // Answers before reading the body when asked to, as a proxy answering an error does.
        if (req.url === '/early') return res.end('early');
        req.resume();
        req.on('end', () => res.end('ok'));
      }),
    );
    server.requestTimeout = 300;
    server.headersTimeout = 300;
    // @ts-expect-error Node's interval that enforces requestTimeout; shortened for the test.
    server.connectionsCheckingInterval = 50;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    [
      'a malformed chunked body',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'headers over the limit',
      `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(2048)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    [
      'a body that never arrives',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n1',
      408,
      'REQUEST_TIMEOUT',
    ],
  ])('answers %s with one coded JSON response, then closes', async (_name, bytes, status, code) => {
    const answer = await exchange(port, bytes);
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual([`HTTP/1.1 ${status}`]);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(bodyOf(answer).error.code).toBe(code);
  });

  it('answers a refused HEAD with the headers alone: a body would read as a second response', async () => {
    const answer = await exchange(
      port,
      'HEAD \\api\\entries HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 MALFORMED_REQUEST\r\n/);
    expect(answer).toMatch(/content-length: \d+/i);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });

  it.each([
    ['a body that never arrives', 'Content-Length: 10\r\n\r\n1'],
    ['a malformed chunked body', 'Transfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ])('never answers twice when %s follows an early answer', async (_name, rest) => {
    const answer = await exchange(port, `POST /early HTTP/1.1\r\nHost: x\r\n${rest}`);
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200']);
  });
});
