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
  /** Where it is, or undefined when it is missing. */
  locate(env: Env): string | undefined;
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
      'curl -fsSLo kubectl https://dl.k8s.io/release/v1.32.0/bin/linux/amd64/kubectl && sudo install -m 0755 kubectl /usr/local/bin/   (what .ci/run does, with a checksum)',
    locate: (env) => which('kubectl', env),
  },
} satisfies Record<string, Prerequisite>;

export type Tool = keyof typeof prerequisites;

/**
 * One message naming every missing tool and how to get it, or undefined when
 * all of `tools` are there.
 */
export function missingToolsMessage(command: string, tools: Tool[], env: Env): string | undefined {
  const missing = tools.filter((tool) => !prerequisites[tool].locate(env));
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
export function requireTools(command: string, tools: Tool[], env: Env = process.env): void {
  const message = missingToolsMessage(command, tools, env);
  if (!message) return;
  process.stderr.write(`${message}\n`);
  process.exit(MISSING_PREREQUISITE);
}
