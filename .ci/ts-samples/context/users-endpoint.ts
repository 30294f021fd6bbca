// Lesson 06-03's Express endpoint is a route of an app holding its users in memory.
import express from "express";

const app = express();
declare const users: Map<number, { id: number; name: string }>;

//// sample ////
