/**
 * `zpa-relay parse`, run as a user runs it: lines on stdin or in files, a log type and a template on the command line
 * or in the configuration; per line its log type, enriched record, deviations or dead-letter reason; the totals; the
 * exit status.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_DIR } from './helpers/paths.js';

const CLI = path.join(REPO_DIR, 'dist', 'src', 'cli.js');

function parse(args: string[], stdin = '', command = 'parse'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.ZPA_RELAY_CONFIG;
    const child = spawn(process.execPath, [CLI, command, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const METRICS = '{"LogTimestamp":"Thu Oct  7 10:40:00 2021","Connector":"c1","CPUUtilization":"1","AppCount":"129"}';

describe('zpa-relay parse', () => {
  it('stdin: each line with its log type and enriched record, the deviations listed, the totals; exit 0 when nothing is a dead letter', async () => {
    const iso = METRICS.replace('Thu Oct  7 10:40:00 2021', '2021-10-07T10:40:00Z');
    const { code, stdout } = await parse([], `${METRICS}\n\n${iso}\n`);
    assert.equal(code, 0);
    const lines = stdout.split('\n');
    assert.equal(lines[0], 'stdin:1: Zscaler.ZPA.AppConnectorMetrics');
    assert.ok(lines[1].startsWith('{"LogTimestamp":"Thu Oct  7 10:40:00 2021","Connector":"c1","CPUUtilization":1,"AppCount":129,"p_log_type":"Zscaler.ZPA.AppConnectorMetrics"'), lines[1]);
    assert.equal(lines[2], 'stdin:3: Zscaler.ZPA.AppConnectorMetrics (1 deviation)');
    assert.match(lines[3], /"LogTimestamp":"Thu Oct  7 10:40:00 2021"/);
    assert.equal(lines[4], '  [time_format] LogTimestamp: expected timestamp (%a %b %e %H:%M:%S %Y), got "2021-10-07T10:40:00Z"');
    assert.match(stdout, /\n2 lines: 2 delivered \(1 clean, 1 with deviations\), 0 dead-lettered\n {2}Zscaler\.ZPA\.AppConnectorMetrics +2\n {2}deviation time_format +1\n$/);
  });

  it('files, --type and --template: a custom CSV template checked before LSS points at the relay; exit 1 when a line would be a dead letter', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zpa-parse-'));
    const template = path.join(dir, 'template.txt');
    writeFileSync(template, '%s{LogTimestamp:time},%s{Customer},%05d{ServicePort},%s{Username},%s{InternalReason}\\n');
    const lines = path.join(dir, 'lines.csv');
    writeFileSync(lines, 'Thu Oct  7 10:40:00 2021,Acme,00443,alice,open\nnot a record\n');
    const { code, stdout } = await parse(['--type', 'user-activity', '--template', template, lines]);
    assert.equal(code, 1);
    assert.match(stdout, new RegExp(`^${lines}:1: Zscaler\\.ZPA\\.UserActivity\\n\\{"LogTimestamp":"Thu Oct  7 10:40:00 2021","Customer":"Acme","ServicePort":443,"Username":"alice","InternalReason":"open",`));
    assert.match(stdout, new RegExp(`\\n${lines}:2: dead letter \\[unparsable\\] Zscaler\\.ZPA\\.UserActivity: the line does not fit the template zpa\\.user-activity`));
    assert.match(stdout, /\n2 lines: 1 delivered \(1 clean, 0 with deviations\), 1 dead-lettered\n/);
  });

  it('--template given as text, its log type told by its keys; a template that does not compile is an error naming the specifier (exit 2)', async () => {
    const ok = await parse(['--template', '{"LogTimestamp":%j{LogTimestamp:time},"Connector":%j{Connector},"AppCount":%x{AppCount}}'], '{"LogTimestamp":"Thu Oct  7 10:40:00 2021","Connector":"c1","AppCount":1f}\n');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /"AppCount":31,/);
    const bad = await parse(['--template', '{"LogTimestamp":%k{LogTimestamp}}'], '');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /zpa\.templates\.parse: specifier "%k\{LogTimestamp\}" at offset 16: unknown conversion "k"/);
    const help = await parse(['--help']);
    assert.match(help.stdout, /^Usage: zpa-relay parse/);
  });

  it('check-config prints each configured template\'s compiled field list', async () => {
    const config = path.join(mkdtempSync(path.join(tmpdir(), 'zpa-parse-')), 'config.yaml');
    writeFileSync(config, "zpa:\n  templates:\n    zpa.user-status:\n      format: json\n      content: '{\"LogTimestamp\":%j{LogTimestamp:time},\"TotalBytesRx\":%08x{TotalBytesRx},\"PosturesHit\":[%j(,){PosturesHit}]}'\n");
    const { code, stdout } = await parse(['--config', config], '', 'check-config');
    assert.equal(code, 0);
    assert.match(stdout, /\ntemplate zpa\.templates\.zpa\.user-status: user-status \(Zscaler\.ZPA\.UserStatus\), json, 3 fields, its lines read field by field\n/);
    assert.match(stdout, /\n {4}1\. LogTimestamp ← %j\{LogTimestamp:time\} \(%j, :time\)\n {4}2\. TotalBytesRx ← %08x\{TotalBytesRx\} \(%x, flags "0", width 8\)\n {4}3\. PosturesHit ← %j\(,\)\{PosturesHit\} \(%j, list \(,\)\)\n/);
  });
});
