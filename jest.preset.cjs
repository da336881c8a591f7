// Shared jest configuration: every workspace's jest.config.cjs calls this with its own dir.
// Tests run as native ES modules (node --experimental-vm-modules) so that import.meta works
// exactly as in the built code; @swc/jest strips the types.
const path = require('node:path');

module.exports = function preset(packageDir, overrides = {}) {
  return {
    rootDir: packageDir,
    testEnvironment: path.join(__dirname, 'jest.environment.cjs'),
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['@swc/jest', {
        jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      }],
    },
    moduleNameMapper: {
      // Workspace packages resolve to their sources, so tests never need a stale build.
      '^@fedrad/(protocol|numeric|imaging|radiomics|extraction|learn|stats|harmonize|federation|methods|pki|rqs|report)$':
        path.join(__dirname, 'packages/$1/src/index.ts'),
      // The browser-safe part of @fedrad/protocol (the console imports it).
      '^@fedrad/protocol/issues$': path.join(__dirname, 'packages/protocol/src/validationIssues.ts'),
      // NodeNext sources import siblings as './x.js'; map them back to the .ts file.
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    testTimeout: 60000,
    ...overrides,
  };
};
