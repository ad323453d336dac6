module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools',
  rootDir: __dirname,
  // The fixtures are projects of their own, run by the specs that need them.
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/'],
};
