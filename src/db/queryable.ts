import type pg from 'pg';

/** A pool-backed Db or a client inside a transaction: repository functions accept either. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}
