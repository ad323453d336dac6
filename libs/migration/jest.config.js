module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'migration',
  rootDir: __dirname,
};
