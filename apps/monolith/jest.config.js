module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'monolith',
  rootDir: __dirname,
};
