// What a check can ask of the running system: its HTTP entry point, the
// entry's ops port (routes, upstreams, metrics), and the cluster through
// kubectl. Every failure to reach something becomes a `Missing` with a hint,
// so a learner reads what to do rather than a stack trace.
import { execFile } from 'node:child_process';

/** A part of the exercise that is not done yet (or cannot be seen): what, and what to try. */
export class Missing extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export type Track = 'local' | 'cluster';

export interface ProbeOptions {
  /** The front door: the gateway, or the monolith in stage 0. */
  url: string;
  /** The front door's ops port (/readyz, /metrics, /gateway/*). */
  ops: string;
  track: Track;
  /** The hint given when nothing answers: how to start what the exercise needs. */
  startHint: string;
  /** A log file of `npm start -- --log-format json` (exercise 14). */
  log?: string;
  /** Jaeger's query UI/API (exercise 14, cluster track). */
  jaeger?: string;
  /** The migrator's control API (exercise 17). */
  migrator?: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const timeoutMs = 5_000;

export class Probe {
  readonly passed: string[] = [];

  constructor(readonly options: ProbeOptions) {}

  get track(): Track {
    return this.options.track;
  }

  /** Records a part of the exercise found done. */
  pass(what: string) {
    this.passed.push(what);
  }

  /** Fails the check unless `ok`. */
  expect(ok: unknown, missing: string, hint: string): asserts ok {
    if (!ok) throw new Missing(missing, hint);
  }

  async request(url: string, init: RequestInit = {}): Promise<Answer> {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new Missing(`nothing answers at ${url} (${cause})`, this.options.startHint);
    }
  }

  /** GET (or any method) on the front door. */
  entry(path: string, init?: RequestInit) {
    return this.request(new URL(path, this.options.url).toString(), init);
  }

  ops(path: string) {
    return this.request(new URL(path, this.options.ops).toString());
  }

  async json<T>(answer: Promise<Answer>, what: string): Promise<T> {
    const { status, text } = await answer;
    this.expect(status < 300, `${what} answered ${status}`, this.options.startHint);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Missing(`${what} did not answer JSON`, this.options.startHint);
    }
  }

  /** `/api/info` of whatever answers the front door. */
  info() {
    return this.json<{ service: string; version: string; pod: string }>(
      this.entry('/api/info'),
      'GET /api/info',
    );
  }

  /** The gateway's live route table (its ops port). */
  routes() {
    return this.json<RouteTableView>(
      this.ops('/gateway/routes'),
      `the gateway's /gateway/routes (ops ${this.options.ops})`,
    );
  }

  upstreams() {
    return this.json<{ upstreams: UpstreamView[] }>(
      this.ops('/gateway/upstreams'),
      `the gateway's /gateway/upstreams (ops ${this.options.ops})`,
    ).then((u) => u.upstreams);
  }

  async metrics(url = this.options.ops): Promise<Metrics> {
    const { status, text } = await this.request(new URL('/metrics', url).toString());
    this.expect(status === 200, `${url}/metrics answered ${status}`, this.options.startHint);
    return new Metrics(text);
  }

  /** `kubectl -n fig …` as JSON; only on the cluster track. */
  async kubectl<T>(...args: string[]): Promise<T> {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'kubectl',
        ['-n', 'fig', ...args, '-o', 'json'],
        { timeout: 15_000, maxBuffer: 32 << 20 },
        (err, stdout, stderr) =>
          err ? reject(new Error(stderr.trim() || err.message)) : resolve(stdout),
      ),
    ).catch((err: Error) => {
      // kubectl's last line is its verdict; client-go's klog noise comes first.
      throw new Missing(
        `kubectl ${args.join(' ')} failed: ${err.message.trim().split('\n').at(-1)}`,
        'is the cluster up and the stage deployed? (kubectl get pods -n fig; skaffold dev -p <stage>)',
      );
    });
    return JSON.parse(out) as T;
  }
}

export interface RouteView {
  name: string;
  proxy?: { upstream: string };
  split?: unknown;
  transcode?: { rpc: string; models?: { model: string; weight: number }[]; model?: string };
  mirror?: { upstream?: string; transcode?: { rpc: string }; percent: number; ignore: string[] };
  match: { header?: { name: string }; cookie?: { name: string }; path?: string; prefix?: string };
}

export interface RouteTableView {
  file: string;
  version: string;
  upstreams: Record<string, { version?: string }>;
  routes: RouteView[];
}

export interface UpstreamView {
  name: string;
  endpoints: { url: string; healthy?: boolean; ejected?: boolean; [k: string]: unknown }[];
  [k: string]: unknown;
}

/**
 * A Prometheus exposition, summed by name and labels. The checks need only
 * "how many so far", so a sample line is `name{labels} value` and nothing more.
 */
export class Metrics {
  private readonly samples: { name: string; labels: Record<string, string>; value: number }[];

  constructor(text: string) {
    this.samples = text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .flatMap((line) => {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
        if (!m) return [];
        const labels = Object.fromEntries(
          [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
        );
        return [{ name: m[1] as string, labels, value: Number(m[3]) }];
      });
  }

  /** The sum of every sample of `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((total, s) => total + s.value, 0);
  }

  /** The distinct values of one label among the samples of `name`. */
  values(name: string, label: string, labels: Record<string, string> = {}): string[] {
    return [
      ...new Set(
        this.samples
          .filter(
            (s) =>
              s.name === name &&
              s.value > 0 &&
              Object.entries(labels).every(([k, v]) => s.labels[k] === v),
          )
          .map((s) => s.labels[label])
          .filter((v): v is string => v !== undefined),
      ),
    ];
  }
}
