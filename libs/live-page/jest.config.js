module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'live-page',
  rootDir: __dirname,
};
