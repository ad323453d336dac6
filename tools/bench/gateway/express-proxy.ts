// The common Node choice, for comparison: Express 5 with http-proxy-middleware,
// given a keep-alive agent so it is not penalised for opening a connection per request.
import { Agent } from 'node:http';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

const app = express();
app.disable('x-powered-by');
app.use(
  createProxyMiddleware({
    target: process.env.UPSTREAM_URL,
    changeOrigin: true,
    agent: new Agent({ keepAlive: true, maxSockets: 64 }),
  }),
);
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
