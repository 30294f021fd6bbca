// Lesson 04-04's N+1 sample runs inside a request handler with a node-postgres pool and the
// organization's id.
import type pg from "pg";

declare const db: pg.Pool;
declare const orgId: string;

//// sample ////
