import express, { type ErrorRequestHandler } from 'express';
import type { Controller } from './controller';

const statusOf: Record<string, number> = {
  MIGRATION_NOT_FOUND: 404,
  INVALID_STATE: 409,
  ROUTE_NOT_DRIVABLE: 422,
  ROUTE_NOT_FOUND: 422,
};

/** The control API: the live view and `npm run migrate` read and drive migrations through it. */
export function createControlApi(controller: Controller) {
  const app = express();
  app.disable('x-powered-by');

  app.get('/migrations', (_req, res) => {
    res.json({
      migrations: [...controller.migrations.values()].map((m) => ({
        route: m.route,
        state: m.state,
        step: {
          index: m.step.index,
          name: m.step.name,
          percent: m.step.percent,
          kind: m.step.kind,
        },
        gates: m.gates,
        history: m.progress.history,
        reason: m.progress.reason,
        lastDecision: m.lastDecision ?? null,
      })),
    });
  });

  const actions = ['start', 'pause', 'resume', 'abort'] as const;
  for (const action of actions) {
    app.post(`/migrations/:route/${action}`, async (req, res) => {
      const migration = controller.get(req.params.route);
      await migration[action]();
      res.json({ route: migration.route, state: migration.state, step: migration.step });
    });
  }

  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such route' } });
  });
  const errors: ErrorRequestHandler = (err: Error & { code?: string }, _req, res, _next) => {
    const status = err.code ? statusOf[err.code] : undefined;
    if (status)
      return void res.status(status).json({ error: { code: err.code, message: err.message } });
    // Anything else (a gateway or API server down mid-write) is the upstream's fault, named as such.
    res.status(502).json({ error: { code: 'DRIVER_FAILED', message: err.message } });
  };
  app.use(errors);
  return app;
}
