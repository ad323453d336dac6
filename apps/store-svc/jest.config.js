module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'store-svc',
  rootDir: __dirname,
};
