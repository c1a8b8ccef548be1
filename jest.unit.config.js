// `npm run test:unit`: the specs beside the code in apps/ and libs/, with no build and no type-check
// (swc transpiles each file alone), on both cores. `npm run test:e2e` runs the e2e suites in
// test/; `npm test` still runs everything (jest.config.js) after tsc, eslint and the build.
const base = require('./jest.config');
module.exports = {
  ...base,
  // swc transpiles each file alone several times faster than ts-jest (types are checked by tsc in npm test),
  // with the legacy decorators and their metadata Nest's injection reads.
  transform: {
    ...base.transform,
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  roots: ['<rootDir>/apps/', '<rootDir>/libs/'],
  testRegex: '\\.spec\\.ts$',
  maxWorkers: 2,
};
