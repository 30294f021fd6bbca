// Lesson 03-06's consumer has node-postgres and a helper that runs a function in one transaction
// on one pooled client (BEGIN, COMMIT, ROLLBACK on a throw).
import type pg from "pg";

declare function inTransaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T>;

//// sample ////
