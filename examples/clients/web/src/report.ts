import { Client } from 'pg';

export async function nightlyReport(): Promise<number> {
  const client = new Client({
    host: 'reports.db.internal',
    port: 5432,
    user: 'reporter',
    password: 'canary-web-2',
    database: 'shop',
    ssl: false,
  });
  await client.connect();
  const res = await client.query('select count(*) from orders');
  await client.end();
  return Number(res.rows[0].count);
}
