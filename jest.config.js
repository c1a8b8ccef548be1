const ts = require('typescript');
const { pathsToModuleNameMapper } = require('ts-jest');
const { config: tsconfig } = ts.readConfigFile('./tsconfig.json', ts.sys.readFile);
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/apps/', '<rootDir>/libs/', '<rootDir>/test/'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true }],
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|uid|file-type|token-types|strtok3|uint8array-extras|load-esm)/)'],
  moduleNameMapper: pathsToModuleNameMapper(tsconfig.compilerOptions.paths ?? {}, { prefix: '<rootDir>/' }),
  testTimeout: 30000,
};
