import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (tests run from dist/test/..., compiled). */
export const REPO_DIR = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/**
 * The shared reference data (fixtures, ZPA samples) beside the repository checkout, or beside the directory that holds
 * it (a checkout among others, e.g. git worktrees side by side).
 */
export const SHARED_DIR = [path.resolve(REPO_DIR, '..', 'shared'), path.resolve(REPO_DIR, '..', '..', 'shared')].find((dir) => existsSync(dir)) ?? path.resolve(REPO_DIR, '..', 'shared');
export const CAPTURES_DIR = path.join(SHARED_DIR, 'fixtures', 'fluent-bit-5.1.1', 'captures');
export const ZPA_DIR = path.join(SHARED_DIR, 'zpa');
