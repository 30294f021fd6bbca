// Lesson 07-04's queue sample is part of an Express app with a users repository and an email
// function the worker calls.
import express from "express";

const app = express();
app.use(express.json());

declare const users: { create(input: unknown): Promise<{ id: number }> };
declare function sendWelcomeEmail(userId: number): Promise<void>;

//// sample ////
