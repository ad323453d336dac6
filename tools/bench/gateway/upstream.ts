// The benchmark's upstream: a bare node:http server answering a small JSON
// body, the same for every proxy measured.
import { createServer } from 'node:http';

const body = Buffer.from(
  JSON.stringify({ entries: [], nextCursor: null, service: 'bench-upstream' }),
);
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
