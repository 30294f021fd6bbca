// Lesson 05-01's ownership check is a route of an app whose authentication middleware has already
// put the signed-in user (with their organisation) on every request, beside an invoices repository.
import type { Request, Response } from "express";

type Handler = (req: Request<{ id: string }> & { user: { id: string; orgId: string } }, res: Response) => unknown;
declare const app: { delete(path: string, handler: Handler): void };
declare const db: {
  invoices: {
    findById(id: string): Promise<{ id: string; orgId: string } | null>;
    delete(id: string): Promise<void>;
  };
};

//// sample ////
