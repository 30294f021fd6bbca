// Lesson 06-02's Zod sample is a route of an Express app with a users repository.
import express from "express";

const app = express();
app.use(express.json());

declare const users: {
  create(input: { email: string; name: string; age?: number }): Promise<{ id: number }>;
};

//// sample ////
