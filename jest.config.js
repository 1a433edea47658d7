/** Tests run TypeScript directly (transpile only; `npm run build` type-checks before `npm test`). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
  testTimeout: 60000,
  // Two cores: keep the PGlite instances (one per test file) from starving each other.
  maxWorkers: 2,
};
