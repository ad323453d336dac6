module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'model-client',
  rootDir: __dirname,
};
