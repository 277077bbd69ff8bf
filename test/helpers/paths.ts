import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (tests run from dist/test/..., compiled). */
export const REPO_DIR = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/**
 * The shared reference data (fixtures, ZPA samples) beside the repository checkout, or beside the folder that holds a
 * git worktree of it.
 */
const besideCheckout = path.resolve(REPO_DIR, '..', 'shared');
export const SHARED_DIR = [besideCheckout, path.resolve(REPO_DIR, '..', '..', 'shared')].find((dir) => existsSync(dir)) ?? besideCheckout;
export const CAPTURES_DIR = path.join(SHARED_DIR, 'fixtures', 'fluent-bit-5.1.1', 'captures');
export const ZPA_DIR = path.join(SHARED_DIR, 'zpa');
