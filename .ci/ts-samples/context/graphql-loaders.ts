// Lesson 03-03's DataLoader sample uses the app's database handle (a node-postgres pool) and its
// User row type; the resolver maps are what the GraphQL server is given.
import type pg from "pg";

type Db = pg.Pool;
type User = { id: string; name: string; email: string };

//// sample ////

export const resolvers = { Project, Task };
