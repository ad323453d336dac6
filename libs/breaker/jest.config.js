module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'breaker',
  rootDir: __dirname,
};
