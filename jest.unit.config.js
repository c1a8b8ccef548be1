// `npm run test:unit`: the specs beside the code in apps/ and libs/, with no build and no type-check
// (ts-jest transpiles each file alone), on both cores. `npm run test:e2e` runs the e2e suites in
// test/; `npm test` still runs everything (jest.config.js) after tsc, eslint and the build.
const base = require('./jest.config');
module.exports = {
  ...base,
  roots: ['<rootDir>/apps/', '<rootDir>/libs/'],
  testRegex: '\\.spec\\.ts$',
  maxWorkers: 2,
};
