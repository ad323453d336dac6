// Throws from TypeScript and prints the stack: bundle-stacks.spec.ts bundles
// it beside the bootstrap and reads which file and line the stack names.
function fail(): never {
  throw new Error('thrown in TypeScript');
}

try {
  fail();
} catch (err) {
  process.stdout.write(`${(err as Error).stack}\n`);
}
