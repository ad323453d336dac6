module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'model-service',
  rootDir: __dirname,
};
