module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'migrator',
  rootDir: __dirname,
};
