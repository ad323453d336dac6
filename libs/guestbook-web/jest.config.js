module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'guestbook-web',
  rootDir: __dirname,
};
