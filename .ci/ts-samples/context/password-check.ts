// Lesson 05-01's password check reads and updates accounts through the app's users repository.
type User = { id: string; email: string; passwordHash: string };
declare const users: {
  findByEmail(email: string): Promise<User | null>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
};

//// sample ////
