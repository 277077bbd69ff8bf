// A stand-in SIEM for the docker-compose demo: accepts any POST (NDJSON, JSON array, Splunk HEC, Elastic _bulk;
// gzip or not), answers 200, prints one line per batch and keeps the latest records for GET /records.
// Plain Node, no dependencies: it runs in the stock node image.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '0.0.0.0';
const keep = Number(process.env.KEEP_RECORDS ?? 200);
const latest = [];
let total = 0;

/** Records in a body: a JSON array, or one JSON document per line (Elastic _bulk action lines skipped). */
function recordsOf(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed);
  return trimmed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line))
    .filter((doc) => !(doc && typeof doc === 'object' && ('index' in doc || 'create' in doc) && Object.keys(doc).length === 1));
}

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    const body = req.url === '/healthz' ? { ok: true } : { total, latest };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const records = recordsOf(text);
      total += records.length;
      latest.push(...records);
      latest.splice(0, Math.max(0, latest.length - keep));
      const types = {};
      for (const record of records) {
        const type = record?.p_log_type ?? record?.sourcetype ?? record?.event?.p_log_type ?? 'unknown';
        types[type] = (types[type] ?? 0) + 1;
      }
      console.log(`${new Date().toISOString()} ${req.method} ${req.url}: ${records.length} records ${JSON.stringify(types)} (total ${total})`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"text":"Success","code":0}');
    } catch (error) {
      console.log(`${new Date().toISOString()} ${req.method} ${req.url}: rejected: ${error.message}`);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: error.message }));
    }
  });
});

server.listen(port, host, () => console.log(`demo SIEM listening on http://${host}:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
