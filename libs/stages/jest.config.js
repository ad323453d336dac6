module.exports = { ...require('../../jest.preset.js'), displayName: 'stages', rootDir: __dirname };
