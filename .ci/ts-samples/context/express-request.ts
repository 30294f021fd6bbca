// Lesson 05-04's SQL injection fragments run inside an Express route handler, with its request
// and a node-postgres pool.
import type { Request } from "express";
import type pg from "pg";

declare const req: Request;
declare const pool: pg.Pool;

//// sample ////
