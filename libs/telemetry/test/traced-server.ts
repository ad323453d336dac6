// A process for bootstrap.spec.ts: an HTTP server logging one line per
// request with Fig's logger, run under the real bootstrap (`--import
// instrument.js`). Prints its port on stdout once listening.
import { createServer } from 'node:http';
import { createLogger } from '@fig/logging';

const logger = createLogger({ service: 'probe', version: 'v1', pod: 'p', level: 'info' });
const server = createServer((req, res) => {
  logger.info({ url: req.url }, 'handled');
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
