import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Server tests start real processes on free ports; run files in parallel but keep it bounded.
    maxWorkers: 2,
    globalSetup: ["test/setup/postgres.ts"],
  },
});
