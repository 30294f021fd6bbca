// Lesson 02-03's middleware list registers the application's own middleware and handler on an
// Express app.
import express from "express";
import type { RequestHandler } from "express";

const app = express();
declare function requestId(): RequestHandler;
declare const loadSession: RequestHandler;
declare const requireUser: RequestHandler;
declare const createProject: RequestHandler;

//// sample ////
