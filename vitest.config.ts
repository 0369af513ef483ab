import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'webhook/**/*.test.ts', 'plugin/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real registries and API servers on a 2-core machine: keep parallelism modest.
    maxWorkers: 2,
  },
});
