#!/usr/bin/env node
/** The zpa-relay command line: run the relay, check-config, parse, demo and simulate. */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compiledTemplates, ConfigError, loadConfig, redacted, type Config } from './config/config.js';
import { applyRuntimeHeapFlags, runtimeHeapFlags } from './config/heap.js';
import { createLogger } from './ops/logger.js';
import { runFollower, runLeader, runSingle, workerCount } from './workers.js';
import { describeField } from './zpa/index.js';

const USAGE = `Usage: zpa-relay [run] [--config FILE]     receive from Fluent Bit, validate, enrich, relay to the SIEM
       zpa-relay check-config [--config FILE]  validate the configuration and print it (secrets redacted) and
                                               the field list of each template in zpa.templates
       zpa-relay parse [--type ID] [--template FILE|TEXT] [FILE...]
                                               show what the relay makes of LSS lines (stdin by default): log
                                               type, enriched record, deviations or dead-letter reason; exit 1
                                               when any line would be a dead letter (see parse --help)
       zpa-relay demo                          run the whole pipeline on loopback with simulated ZPA traffic
       zpa-relay demo --preset TYPE [--output MODE]
                                               print the request body preset TYPE (datadog, splunk_hec,
                                               elastic_bulk, sentinel, google_secops, ...) sends for one record
                                               of each log type; MODE native, enriched or ocsf (default: the
                                               preset's); nothing is sent
       zpa-relay simulate --to URL [...]       send simulated ZPA LSS lines to Fluent Bit (see simulate --help)
       zpa-relay --help | --version

Options:
  -c, --config FILE   YAML configuration (default: $ZPA_RELAY_CONFIG, else built-in defaults: listen on
                      0.0.0.0:24224, NDJSON to stdout, dead letters to ./dead-letter.ndjson)
  -h, --help          this help
  -v, --version       the version

Any option can also be set by environment: ZPA_RELAY_<SECTION>__<KEY>, e.g. ZPA_RELAY_LISTEN__PORT=24224,
and string values may use \${VAR} or \${VAR:-default}. See docs/configuration.md for every option.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function run(config: Config): Promise<void> {
  applyRuntimeHeapFlags(config);
  const logger = createLogger(config.log.level);
  const heap = { v8Flags: runtimeHeapFlags(config), execArgv: process.execArgv };
  if (cluster.isWorker) {
    const workerLogger = logger.child({ worker: cluster.worker?.id });
    workerLogger.info(heap, 'heap settings');
    return runFollower(config, workerLogger);
  }
  logger.info(heap, 'heap settings');
  const { count, reason } = workerCount(config);
  if (reason) logger.info({ workers: count, reason }, 'running a single relay process');
  if (count > 1) return runLeader(config, logger, count);
  return runSingle(config, logger);
}

/** Writes `text` to stdout; the command's exit code is 0. */
function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === 'simulate') {
    // Loaded for this command only: relay processes need neither the simulator nor its record generator.
    const [{ SIMULATE_USAGE, parseSimulateArgs }, { simulate }] = await Promise.all([import('./simulate/args.js'), import('./simulate/simulate.js')]);
    if (argv.includes('--help') || argv.includes('-h')) return print(SIMULATE_USAGE);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    const options = parseSimulateArgs(argv.slice(1));
    const { sent, missing, stalled } = await simulate({ ...options, signal: controller.signal, onError: (error, logType) => process.stderr.write(`${logType}: ${error.message}; reconnecting\n`) });
    process.stderr.write(`sent ${sent} lines${missing > 0 ? `, ${missing} of the lines asked for were not sent` : ''}\n`);
    if (stalled) process.stderr.write(`zpa-relay simulate: gave up: ${stalled} (--stall-timeout)\n`);
    return stalled || missing > 0 ? 1 : 0;
  }
  if (first === 'parse') {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      strict: true,
      allowPositionals: true,
      options: { type: { type: 'string' }, template: { type: 'string' }, format: { type: 'string' }, config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    });
    const { PARSE_USAGE, parseCommand } = await import('./parse/parse-command.js');
    if (values.help) return print(PARSE_USAGE);
    const config = loadConfig(values.config ?? process.env.ZPA_RELAY_CONFIG);
    return parseCommand({ config, type: values.type, template: values.template, format: values.format, files: positionals, out: (text) => process.stdout.write(`${text}\n`) });
  }
  if (first === 'demo') {
    const { values } = parseArgs({ args: argv.slice(1), strict: true, options: { preset: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) return print(USAGE);
    if (values.preset !== undefined) await (await import('./demo/preset-bodies.js')).showPresetBodies(values.preset, values.output, (text) => process.stdout.write(`${text}\n`));
    else if (values.output !== undefined) throw new ConfigError('--output goes with --preset');
    else await (await import('./demo/demo.js')).runDemo();
    return 0;
  }
  const command = first === undefined || first.startsWith('-') ? 'run' : first;
  const { values } = parseArgs({
    args: command === first ? argv.slice(1) : argv,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) return print(USAGE);
  if (values.version) return print(`${version()}\n`);
  const configFile = values.config ?? process.env.ZPA_RELAY_CONFIG;
  switch (command) {
    case 'run':
      await run(loadConfig(configFile));
      return -1; // keeps running until a signal
    case 'check-config': {
      const config = loadConfig(configFile);
      process.stdout.write(`configuration OK${configFile ? ` (${configFile})` : ' (defaults and environment)'}\n${JSON.stringify(redacted(config), null, 2)}\n`);
      for (const { key, template, schema, native } of compiledTemplates(config).all) {
        const how = native ? 'its lines read as JSON' : 'its lines read field by field';
        process.stdout.write(`\ntemplate zpa.templates.${key}: ${schema.id} (${schema.name}), ${template.format}, ${template.fields.length} fields, ${how}\n`);
        template.fields.forEach((field, i) => process.stdout.write(`  ${String(i + 1).padStart(3)}. ${describeField(field)}\n`));
      }
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: Error) => {
    const known = error instanceof ConfigError || error.name === 'SchemaError' || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`zpa-relay: ${known ? error.message : error.stack}\n`);
    // Exit now: a worker's IPC channel (or any open handle) would otherwise keep a failed process alive.
    process.exit(known ? 2 : 1);
  },
);
