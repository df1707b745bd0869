// The browser end-to-end suite (`npm run test:e2e`): GraphiQL, the example app and the docs' client
// snippets in Debian's Chromium through playwright-core.
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // dist/ (the gateway a restart test runs) and the example app, built once before the browser tests.
    globalSetup: ['test/support/build.ts'],
  },
});
