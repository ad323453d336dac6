// What `npm test` and `npm start` need besides Node and npm packages, checked
// before anything else runs. A missing tool stops the command at once with
// one message naming every missing tool and the command that installs it;
// nothing is installed behind the user's back (that needs root and changes
// the machine). On a fresh Debian machine `bash .ci/run` installs them.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type Env = Record<string, string | undefined>;

export interface Prerequisite {
  /** Why Fig needs it, in a few words. */
  why: string;
  /** The exact command (or commands) that installs it. */
  install: string;
  /** Where it is, or undefined when it is missing; `root` is the workspace's root. */
  locate(env: Env, root: string): string | undefined;
}

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A command looked up the way a shell would: a path as is, a name on PATH. */
export function which(command: string, env: Env): string | undefined {
  if (command.includes('/')) return executable(command) ? command : undefined;
  return (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, command))
    .find(executable);
}

export const prerequisites = {
  'redis-server': {
    why: 'the specs and npm start run a real Redis',
    install:
      'sudo apt-get install -y redis-server   (macOS: brew install redis; or set REDIS_SERVER_BIN)',
    locate: (env) => which(env.REDIS_SERVER_BIN ?? 'redis-server', env),
  },
  chromium: {
    why: 'the browser specs drive Chromium',
    install: 'sudo apt-get install -y chromium   (or set CHROMIUM_PATH to a Chromium binary)',
    locate: (env) => which(env.CHROMIUM_PATH ?? '/usr/bin/chromium', env),
  },
  kubectl: {
    why: 'the manifest tests render the overlays with kubectl kustomize',
    install:
      'KUBE_BINARIES=kubectl bash tools/delivery/build-tools.sh kubernetes, then link the binary it prints into /usr/local/bin   (what .ci/run does; any kubectl ≥ 1.32 will do)',
    locate: (env) => which('kubectl', env),
  },
  promtool: {
    why: 'the metrics specs check every /metrics with promtool',
    install: "sudo apt-get install -y prometheus   (promtool is in Debian's prometheus package)",
    locate: (env) => which(env.PROMTOOL_BIN ?? 'promtool', env),
  },
  'model-svc venv': {
    why: "model-svc's lint, types and tests run in its Python environment",
    install: 'sudo apt-get install -y python3-venv && npm run setup:python',
    locate: (_env, root) => {
      const python = path.join(root, 'apps/model-svc/.venv/bin/python');
      return executable(python) ? python : undefined;
    },
  },
} satisfies Record<string, Prerequisite>;

export type Tool = keyof typeof prerequisites;

/**
 * One message naming every missing tool and how to get it, or undefined when
 * all of `tools` are there.
 */
export function missingToolsMessage(
  command: string,
  tools: Tool[],
  env: Env,
  root = process.cwd(),
): string | undefined {
  const missing = tools.filter((tool) => !prerequisites[tool].locate(env, root));
  if (!missing.length) return undefined;
  return [
    `${command} cannot run: ${missing.length === 1 ? 'a tool is' : `${missing.length} tools are`} missing.`,
    ...missing.map(
      (tool) => `  ${tool} (${prerequisites[tool].why}):\n      ${prerequisites[tool].install}`,
    ),
    'On a fresh Debian machine, `bash .ci/run` installs them and runs the tests as CI does.',
  ].join('\n');
}

/** Exit code for a missing prerequisite: neither a test failure (1) nor bad usage (2). */
export const MISSING_PREREQUISITE = 3;

/** Stops this process with the message when a tool is missing. */
export function requireTools(
  command: string,
  tools: Tool[],
  env: Env = process.env,
  root = process.cwd(),
): void {
  const message = missingToolsMessage(command, tools, env, root);
  if (!message) return;
  process.stderr.write(`${message}\n`);
  process.exit(MISSING_PREREQUISITE);
}
