// Connect with node-postgres as configured by argv[2] (JSON: a config object,
// or {"connectionString": ...}); print {"ok":true,"ssl":bool} or {"ok":false,"error":...}.
// "ssl": {"caFile": path} is turned into {ca: <file contents>}.
const fs = require('fs');
const { Client } = require(process.env.PGTLS_PG_MODULE);
process.on('uncaughtException', (e) => {
  console.log(JSON.stringify({ ok: false, error: 'uncaught: ' + String((e && e.message) || e) }));
  process.exit(0);
});
const spec = JSON.parse(process.argv[2]);
if (spec.ssl && typeof spec.ssl === 'object' && spec.ssl.caFile) {
  spec.ssl.ca = fs.readFileSync(spec.ssl.caFile, 'utf8');
  delete spec.ssl.caFile;
}
spec.connectionTimeoutMillis = 10000;
const c = new Client(spec);
c.on('error', () => {});
c.connect()
  .then(() => c.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()'))
  .then((r) => {
    console.log(JSON.stringify({ ok: true, ssl: r.rows[0].ssl }));
    return c.end();
  })
  .catch((e) => {
    console.log(JSON.stringify({ ok: false, error: String((e && e.message) || e) }));
    process.exit(0);
  });
