// Lesson 02-02's blocking-route fragment is a route of an Express app with a node-postgres pool
// and a CPU-heavy function of the application.
import express from "express";
import type pg from "pg";

const app = express();
declare const db: pg.Pool;
declare function expensiveSyncComputation(rows: unknown[]): unknown;

//// sample ////
