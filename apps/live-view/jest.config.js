module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'live-view',
  rootDir: __dirname,
};
