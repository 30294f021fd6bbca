// Lesson 03-03's resolver map is typed by the `Resolvers` type that GraphQL Code Generator writes
// from the schema; here it is written out for the three types the sample resolves.
type Project = { id: string; ownerId: string };
type Task = { id: string; assigneeId: string | null };
type UserRow = { id: string; name: string };
type Context = {
  user: { id: string };
  db: {
    projects: { findVisible(id: string, userId: string): Promise<Project | null> };
    users: { findById(id: string): Promise<UserRow | null> };
    tasks: { forProject(projectId: string, status?: string): Promise<Task[]> };
  };
};
type Resolver<Parent, Args, Result> = (parent: Parent, args: Args, ctx: Context) => Result;
type Resolvers = {
  Query: { project: Resolver<unknown, { id: string }, Promise<Project | null>> };
  Project: {
    owner: Resolver<Project, unknown, Promise<UserRow | null>>;
    tasks: Resolver<Project, { status?: string }, Promise<Task[]>>;
  };
  Task: { assignee: Resolver<Task, unknown, Promise<UserRow | null> | null> };
};

//// sample ////

export { resolvers };
