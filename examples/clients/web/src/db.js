const { Pool } = require('pg');

// Connection pool for the storefront.
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: 20,
  ssl: { rejectUnauthorized: false },
});

module.exports = pool;
