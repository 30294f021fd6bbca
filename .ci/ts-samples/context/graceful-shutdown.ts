// Lesson 08-04's shutdown handler sits in the server's entry point, beside the HTTP server it
// started and its node-postgres pool.
import type http from "node:http";
import type pg from "pg";

declare const server: http.Server;
declare const pool: pg.Pool;

//// sample ////
