// Lesson 02-03's Zod handler takes Express's request with the signed-in user that the
// authentication middleware put there, and a projects repository.
import type { Request as ExpressRequest, Response } from "express";

type Request = ExpressRequest & { user: { id: string } };
declare const projects: {
  create(userId: string, input: { name: string; visibility: string; budgetCents?: number }): Promise<{ id: string }>;
};

//// sample ////
