/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // otplib 13 pulls in ESM-only packages (@scure/base, @noble/hashes); Node 20 loads them with
    // require(esm), but jest's module runtime cannot before Node 24.9, so they are transpiled.
    '^.+\\.m?js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true } }],
  },
  // oidc-provider and openid-client (and their jose, oauth4webapi) are ESM-only too: stepguard/oidc
  // loads them with import(), which jest's CommonJS runtime lacks, so there they are required.
  transformIgnorePatterns: ['/node_modules/(?!(@scure|@noble|otplib|@otplib|oidc-provider|openid-client|oauth4webapi|jose)/)'],
  globalSetup: '<rootDir>/test/helpers/globalSetup.ts',
  globalTeardown: '<rootDir>/test/helpers/globalTeardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
