/** ZPA knowledge: schemas, parsing, classification, validation, enrichment, and the LSS record generator. */
export { loadSchemas, SchemaError, DEFAULT_SCHEMA_DIR, type SchemaSet, type LogSchema, type FieldSpec } from './schema.js';
export { ZpaProcessor, type ProcessorOptions, type RejectReason } from './processor.js';
export { ConfiguredTemplates, type StreamTemplate, type TemplateConfig } from './configured-templates.js';
export { TemplateError, describeField } from './lss-template.js';
export type { Deviation, DeviationKind } from './deviations.js';
export type { ZpaOptions } from './enrich.js';
export { loadTemplates, LSS_FORMATS, type LssFormat, type TemplateSet } from './templates.js';
export { LssGenerator, seededRandom, type GenerateOptions } from './generate.js';
