// Writes each project's pass/fail counts to test-output/results so that
// tools/test/main.ts can print one closing line for the whole workspace.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(__dirname, '../../test-output/results');
    fs.mkdirSync(dir, { recursive: true });
    // The Nx project name, as `npm test` names a project everywhere else.
    const manifest = path.join(this.rootDir, 'package.json');
    const name = fs.existsSync(manifest)
      ? (JSON.parse(fs.readFileSync(manifest, 'utf8')).nx?.name ??
        path.relative(path.join(__dirname, '../..'), this.rootDir).replaceAll('/', '-'))
      : path.relative(path.join(__dirname, '../..'), this.rootDir).replaceAll('/', '-');
    const summary = {
      project: name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(summary));
  }
}

module.exports = SummaryReporter;
