// Lesson 02-04's ETag route is registered on an app whose authentication middleware has already
// put the signed-in user on every request, beside a projects repository.
import type { Request, Response } from "express";

type Handler = (req: Request<{ id: string }> & { user: { id: string } }, res: Response) => Promise<void>;
declare const app: { get(path: string, handler: Handler): void };
declare const projects: {
  findVisible(id: string, userId: string): Promise<{ id: string; name: string } | null>;
};

//// sample ////
