import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['tests/helpers/global-setup.ts'],
    include: ['tests/**/*.test.ts'],
    // Integration tests start workers, S3 uploads and child processes: give them room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more files at once only makes the image and S3 work contend.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
