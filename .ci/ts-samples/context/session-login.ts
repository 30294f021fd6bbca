// Lesson 05-02's login route is part of an Express app with express-session set up, whose session
// records the user's id, and a function that checks an email and password.
import express from "express";

declare module "express-session" {
  interface SessionData {
    userId: number;
  }
}

const app = express();
declare function verifyCredentials(email: string, password: string): Promise<{ id: number } | null>;

//// sample ////
