/** OCSF output: ZPA records as OCSF 1.8.0 events, by mapping files in `schemas/ocsf/` (docs/ocsf.md). */
export { OcsfTransformer, OcsfError, type OcsfOptions } from './transformer.js';
export { loadOcsfMappings, OcsfMappingError, DEFAULT_OCSF_DIR, type Mapping, type MappingSet, type Rule } from './mapping.js';
