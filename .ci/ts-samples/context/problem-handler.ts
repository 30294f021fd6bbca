// Lesson 03-04's error handler is registered on an Express app whose request-id middleware and
// request logger (pino-http) put `id` and `log` on every request.
import express from "express";
import type { Request, Response, NextFunction } from "express";

declare global {
  namespace Express {
    interface Request {
      id: string;
      log: { error(fields: object, message: string): void };
    }
  }
}

const app = express();

//// sample ////
