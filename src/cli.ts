#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, redacted, type Config } from './config/config.js';
import { applyRuntimeHeapFlags, runtimeHeapFlags } from './config/heap.js';
import { createLogger } from './ops/logger.js';
import { runFollower, runLeader, runSingle, workerCount } from './workers.js';

const USAGE = `Usage: zpa-relay [run] [--config FILE]     receive from Fluent Bit, validate, enrich, relay to the SIEM
       zpa-relay check-config [--config FILE]  validate the configuration and print it (secrets redacted)
       zpa-relay demo                          run the whole pipeline on loopback with simulated ZPA traffic
       zpa-relay simulate --to URL [...]       send simulated ZPA LSS lines to Fluent Bit (see simulate --help)
       zpa-relay --help | --version

Options:
  -c, --config FILE   YAML configuration (default: $ZPA_RELAY_CONFIG, else built-in defaults: listen on
                      0.0.0.0:24224, NDJSON to stdout, dead letters to ./dead-letter.ndjson)
  -h, --help          this help
  -v, --version       the version

Any option can also be set by environment: ZPA_RELAY_<SECTION>__<KEY>, e.g. ZPA_RELAY_LISTEN__PORT=24224,
and string values may use \${VAR} or \${VAR:-default}. See README.md for every option.
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
      return 0;
    }
    case 'demo':
      await (await import('./demo/demo.js')).runDemo();
      return 0;
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
