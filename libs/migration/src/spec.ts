import { z } from 'zod';

/**
 * The migration spec: per route, how it moves from its current upstream to a
 * candidate, one step at a time, and what evidence each step needs. Objects
 * are strict, as in the route table: a misspelt gate is an error with its
 * line, never a gate silently left out.
 */

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');
const percent = z.number().gt(0, 'must be above 0').max(100, 'must be at most 100');
const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name');

/** `500ms`, `1s`, `2m`: what people write for an interval. */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m)$/, 'must be a duration such as 500ms, 30s or 2m')
  .transform((v) => {
    const n = Number.parseInt(v, 10);
    return v.endsWith('ms') ? n : v.endsWith('m') ? n * 60_000 : n * 1_000;
  })
  .pipe(z.number().min(100, 'must be at least 100ms'));

const stepSchema = z.union([
  z.strictObject({ mirror: percent }),
  z.strictObject({ weight: percent }),
]);

const gatesSchema = z.strictObject({
  /**
   * The fewest requests a breach is acted on: enough that one unlucky answer
   * does not roll a route back, far fewer than minRequests so that a broken
   * candidate is caught within one interval.
   */
  minSamples: z.number().int().min(1).default(10),
  /** Share of mirrored answers that differ from the current upstream's (mirror steps). */
  mismatchRate: z.number().min(0).max(1).default(0.01),
  /** Share of the candidate's answers that are 5xx, or failed outright. */
  errorRate: z.number().min(0).max(1).default(0.01),
  /** The candidate's p99 latency may be at most maxRatio × the current's, plus toleranceMs. */
  p99: z
    .strictObject({
      maxRatio: z.number().min(1).default(1.5),
      // Sub-millisecond p99s make a bare ratio jumpy; a small absolute allowance steadies it.
      toleranceMs: z.number().min(0).default(10),
    })
    .prefault({}),
});

export const migrationSchema = z
  .strictObject({
    /** The route's name in the gateway's route file (or the VirtualService's http route). */
    route: name,
    current: name,
    candidate: name,
    steps: z.array(stepSchema).min(1),
    interval: duration.default(30_000),
    /** Requests a step must see before its gates can promote it; fewer, and it holds. */
    minRequests: z.number().int().min(1).default(100),
    gates: gatesSchema.prefault({}),
    /** On a breached gate at a weight step: back to the last step that passed, or all the way. */
    rollback: z.enum(['last-good', 'all']).default('last-good'),
    /** What mirror steps leave out of the comparison (the route file's mirror.ignore). */
    compare: z
      .strictObject({
        ignore: z.array(z.string().min(1)).default([]),
        timeoutMs: z.number().int().positive().default(5_000),
      })
      .prefault({}),
    /** Weight steps keep a user on one side, as the route file's split.sticky. */
    sticky: z
      .strictObject({ cookie: headerName.optional(), header: headerName.optional() })
      .refine((s) => Boolean(s.cookie) !== Boolean(s.header), {
        message: 'give exactly one of cookie or header',
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    if (m.current === m.candidate)
      ctx.addIssue({ code: 'custom', path: ['candidate'], message: 'must differ from current' });
    let seenWeight = false;
    let last = { kind: '', value: 0 };
    m.steps.forEach((step, i) => {
      const kind = 'mirror' in step ? 'mirror' : 'weight';
      const value = 'mirror' in step ? step.mirror : step.weight;
      // The parallel run earns the exposure: once clients see the candidate, mirroring it proves nothing.
      if (kind === 'mirror' && seenWeight)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i],
          message: 'mirror steps come before weight steps',
        });
      if (kind === last.kind && value <= last.value)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i],
          message: `${kind} must grow from step to step`,
        });
      seenWeight ||= kind === 'weight';
      last = { kind, value };
    });
  });

export const migrationFileSchema = z
  .strictObject({ version: z.literal(1), migrations: z.array(migrationSchema).min(1) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.migrations.forEach((m, i) => {
      if (seen.has(m.route))
        ctx.addIssue({
          code: 'custom',
          path: ['migrations', i, 'route'],
          message: 'one migration per route',
        });
      seen.add(m.route);
    });
  });

export type MigrationSpec = z.output<typeof migrationSchema>;
export type MigrationFile = z.output<typeof migrationFileSchema>;
export type StepSpec = MigrationSpec['steps'][number];
