module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'guestbook-redis',
  rootDir: __dirname,
};
