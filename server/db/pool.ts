import createConnectionPool, { sql, type ConnectionPool, type Queryable, type Transaction } from '@databases/pg';

export { sql };
export type { ConnectionPool, Queryable, Transaction };

/** Open a connection pool on `url`; bigints come back as numbers (seqs stay far below 2^53). */
export function openPool(url: string, poolSize = 10): ConnectionPool {
  return createConnectionPool({
    connectionString: url,
    bigIntMode: 'number',
    poolSize,
    onError: () => {},
  });
}
