/** Where the tests find the repository and the shared reference data beside it. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (tests run from dist/test/..., compiled). */
export const REPO_DIR = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** The shared reference data beside the repository checkout: fixtures, ZPA samples, the OCSF schema. */
export const SHARED_DIR = path.resolve(REPO_DIR, '..', 'shared');
export const CAPTURES_DIR = path.join(SHARED_DIR, 'fixtures', 'fluent-bit-5.1.1', 'captures');
export const ZPA_DIR = path.join(SHARED_DIR, 'zpa');
/** The OCSF 1.8.0 schema's raw source: test data only, the product never reads it. */
export const OCSF_SCHEMA_DIR = path.join(SHARED_DIR, 'ocsf', '1.8.0');
