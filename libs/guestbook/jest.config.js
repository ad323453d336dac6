module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'guestbook',
  rootDir: __dirname,
};
