/**
 * The short CI run of the fuzzer (the long one is bench/fuzz.ts, `npm run bench:fuzz`): the same mutators, inputs and
 * properties, a few thousand inputs per level with a fixed seed. A failure names the seed and the input index;
 * `node dist/bench/fuzz.js --seed SEED --phase P --only INDEX` runs that input again.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZpaProcessor, loadSchemas } from '../src/zpa/index.js';
import { DEFAULT_LIMITS, checkForward, checkRecord } from './harness/fuzz/check.js';
import { FORWARD_MODES } from './harness/fuzz/corpus.js';
import { FuzzInputs, reviveRecord, serializeRecord } from './harness/fuzz/inputs.js';
import { memoryVerdict } from './harness/fuzz/memory.js';
import { ByteMutator, headerSites, inputRandom } from './harness/fuzz/mutate.js';
import { runForward, runRecords, type PhaseReport } from './harness/fuzz/run.js';
import { FuzzRelay, runTcp } from './harness/fuzz/tcp.js';
import { REPO_DIR } from './helpers/paths.js';
import { isFailure } from '../src/contract.js';

const SEED = 20261123;
/** Far above what any input takes here; an input slower than this on a loaded CI machine is worth a look anyway. */
const BUDGET_MS = 1500;
const inputs = new FuzzInputs(SEED);
const schemas = loadSchemas();

function assertClean(report: PhaseReport): void {
  const first = report.violations[0];
  assert.equal(
    report.violations.length,
    0,
    first && `${report.phase} input ${first.index} (seed ${first.seed}): ${first.kind}: ${first.message}\n${first.stack}\nfrom ${first.seedName} via ${first.ops.join(' ')}`,
  );
}

describe('fuzz: the mutators', () => {
  it('an input is a function of (seed, phase, index) alone', () => {
    const again = new FuzzInputs(SEED);
    for (const index of [0, 1, 977, 123_456]) {
      assert.ok(inputs.forward('forward', index).bytes.equals(again.forward('forward', index).bytes));
      assert.equal(serializeRecord(inputs.record(index).record), serializeRecord(again.record(index).record));
    }
    assert.ok(!inputs.forward('forward', 1).bytes.equals(inputs.forward('forward', 2).bytes));
    assert.notEqual(inputRandom(SEED, 5)(), inputRandom(SEED + 1, 5)());
  });

  it('the seeds cover every capture and all four modes for all 16 log types', () => {
    const names = inputs.forwardSeeds.map((s) => s.name);
    const logTypes = new Set(inputs.logTypes);
    assert.equal(logTypes.size, 16);
    for (const logType of logTypes) for (const mode of FORWARD_MODES) assert.ok(names.some((n) => n.startsWith(`${logType}/`) && n.includes(`/${mode}/`)), `${logType} ${mode}`);
    assert.ok(names.some((n) => n.startsWith('z-bulk-20000.c1.recv.bin#')), 'the bulk captures, cut into requests');
    assert.ok(names.includes('g2-shared-key-userpass.c1.recv.bin'), 'small captures whole');
    // Every generated seed is a valid request: the mutations start from real traffic.
    const processor = new ZpaProcessor(schemas);
    for (const seed of inputs.forwardSeeds.filter((s) => s.name.includes('/'))) {
      const outcome = checkForward([seed.value], DEFAULT_LIMITS, (tag, record) => assert.equal(!isFailure(checkRecord(processor, record, tag)), true, `${seed.name}: a generated record is accepted`));
      assert.equal(outcome.result, 'decoded', seed.name);
    }
  });

  it('header-aware mutations hit lengths and type bytes at their boundaries', () => {
    const mutator = new ByteMutator([Buffer.from('93a37a7061da0003616263df00000001a16101', 'hex')]);
    assert.deepEqual(
      headerSites(mutator.seeds[0]).map((s) => [s.at, s.type.toString(16), s.width]),
      [[0, '93', 0], [1, 'a3', 0], [5, 'da', 2], [11, 'df', 4], [16, 'a1', 0], [18, '1', 0]],
    );
    const ops = Array.from({ length: 2000 }, (_, i) => mutator.mutate(inputRandom(1, i)).ops).flat();
    for (const op of ['len@5 da 3->65535', 'len@11 df 1->0', 'len@11 df 1->4294967295', 'len@11 df 1->2', 'type@', 'rewidth@', 'splice@', 'dup@', 'nest']) {
      assert.ok(ops.some((o) => o.startsWith(op)), `${op} among the mutations`);
    }
  });

  it('a record survives the reproducer file format (BigInt, bytes, EventTime, __proto__ keys)', () => {
    for (let index = 0; index < 300; index++) {
      const { record } = inputs.record(index);
      assert.equal(serializeRecord(reviveRecord(serializeRecord(record))), serializeRecord(record), `input ${index}`);
    }
  });
});

describe('fuzz: short run (seed 20261123)', () => {
  it('forward level: 2,000 mutated inputs; every failure a ProtocolError, every decoded record processed cleanly', () => {
    const report = runForward(inputs, 0, 2000, { budgetMs: BUDGET_MS, sampleEvery: 1000, schemas });
    assertClean(report);
    assert.equal(report.inputs, 2000);
    // The mutations reach every outcome, the error paths most.
    assert.ok(report.outcomes.rejected > 800, JSON.stringify(report.outcomes));
    assert.ok(report.outcomes.decoded > 80 && report.outcomes.incomplete > 80, JSON.stringify(report.outcomes));
    assert.ok(report.records > 800, `${report.records} decoded records went through the processor`);
    assert.ok(Object.keys(report.reasons).length > 30, `${Object.keys(report.reasons).length} distinct rejections`);
    assert.ok(memoryVerdict(report.memory).ok);
  });

  it('record level: 1,500 mutated LSS lines and records; the processor never throws, accepted JSON parses', () => {
    const report = runRecords(inputs, 0, 1500, { budgetMs: BUDGET_MS, sampleEvery: 1000, schemas });
    assertClean(report);
    // Schema violations go on with their deviations (lenient validation, the default): no record is refused as invalid.
    for (const outcome of ['accepted', 'rejected:unparsable', 'rejected:unclassified']) assert.ok(report.outcomes[outcome] > 0, `${outcome}: ${JSON.stringify(report.outcomes)}`);
    assert.equal(report.outcomes['rejected:invalid'], undefined, JSON.stringify(report.outcomes));
  });

  describe('tcp level', () => {
    let relay: FuzzRelay;
    before(async () => {
      relay = await FuzzRelay.start();
    });
    after(async () => {
      await relay?.stop();
    });

    it('250 mutated inputs on throwaway connections while a good connection keeps sending: all acked and delivered, the relay up, nothing left open', async () => {
      const report = await runTcp(relay, inputs, 0, 250, { concurrency: 16, lingerMs: 60, ackTimeoutMs: 10_000, sampleEveryMs: 200, recordsPerMessage: 10 });
      assertClean(report);
      assert.equal(report.inputs, 250);
      assert.ok(report.good.messages > 3, `${report.good.messages} good messages acked`);
      assert.equal(report.good.sink.missing, 0);
      assert.equal(report.good.sink.delivered, report.good.records);
      assert.equal(report.relay.connectionsAfter, 0);
      assert.ok((report.relay.stats.protocolErrors ?? 0) > 60, `${report.relay.stats.protocolErrors} protocol errors`);
      assert.ok(memoryVerdict(report.memory).ok, memoryVerdict(report.memory).detail);
    });
  });
});

describe('fuzz findings (test/fixtures/fuzz)', () => {
  const dir = path.join(REPO_DIR, 'test', 'fixtures', 'fuzz');
  const processor = new ZpaProcessor(schemas);

  it('TSV lines of 1.3, 2.6 and 5 KB with many separators are rejected at once (they took 0.1 s, 2 s and 20 s)', () => {
    for (const name of ['tsv-alignment-1k.txt', 'tsv-alignment-2k.txt', 'tsv-alignment-5k.txt']) {
      const line = readFileSync(path.join(dir, name), 'utf8').replace(/\n$/, '');
      const started = performance.now();
      const outcome = processor.process({ log: line }, { tag: 'zpa.none', address: '127.0.0.1', source: '127.0.0.1' });
      assert.ok(isFailure(outcome) && outcome.reason === 'unparsable' && /values do not fit/.test(outcome.detail), name);
      assert.ok(performance.now() - started < 3000, `${name}: ${Math.round(performance.now() - started)} ms (a hang guard, not a speed test)`);
    }
  });
});
