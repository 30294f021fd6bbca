// Lesson 03-02's idempotency sample is a module of the orders service: it has node-postgres, a
// helper that runs a function in one transaction on one pooled client (BEGIN, COMMIT, ROLLBACK on
// a throw), a canonical JSON encoder, and the function that really places the order.
import type pg from "pg";

type Reply = { status: number; body: unknown };
declare function inTransaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T>;
declare function canonicalJson(value: unknown): string;
declare function placeOrder(db: pg.PoolClient, userId: string, body: unknown): Promise<Reply>;

//// sample ////
