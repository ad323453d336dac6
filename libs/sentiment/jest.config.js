module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'sentiment',
  rootDir: __dirname,
};
