/** Config value types: durations, byte sizes, secrets from env or file, and readable file paths. */
import { accessSync, constants, readFileSync } from 'node:fs';
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** A duration in milliseconds: a number (ms) or a string such as "500ms", "5s", "2m", "1h". */
export const duration = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i.exec(value);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "500ms", "5s", "2m" or a number of milliseconds, got "${value}"` });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2].toLowerCase()]);
});

/** A size in bytes: a number or a string such as "512KiB", "1MB", "5m" (binary multiples). */
export const byteSize = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as "512KiB", "1MiB" or a number of bytes, got "${value}"` });
    return z.NEVER;
  }
  return Math.floor(Number(match[1]) * unit);
});

/**
 * A secret: a literal string, `{ env: NAME }` or `{ file: PATH }` (Docker/Kubernetes secrets). Resolved when the
 * config is loaded so a missing variable or unreadable file stops start-up with the key named.
 */
export const secret = z
  .union([z.string().min(1), z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()], {
    error: (issue) => `${issue.input === undefined ? 'required' : 'expected'}: a non-empty string, {env: NAME} or {file: PATH}`,
  })
  .transform((value, ctx) => {
    if (typeof value === 'string') return value;
    if ('env' in value) {
      const found = process.env[value.env];
      if (found === undefined || found === '') {
        ctx.addIssue({ code: 'custom', message: `environment variable ${value.env} is not set` });
        return z.NEVER;
      }
      return found;
    }
    try {
      return readFileSync(value.file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read secret file ${value.file}: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

/** A path to a file the relay must read (certificates, keys): checked when the config loads, so start-up fails with the key named. */
export const readableFile = z
  .string()
  .min(1)
  .superRefine((file, ctx) => {
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    }
  });
