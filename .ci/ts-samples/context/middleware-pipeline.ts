// Lesson 06-01's middleware pipeline adds a request id and the signed-in user to Express's
// request, and looks sessions up with a function of the application.
type User = { id: number; name: string };

declare global {
  namespace Express {
    interface Request {
      id: string;
      user?: User;
    }
  }
}

declare function lookupSession(cookie: string | undefined): User | undefined;

//// sample ////
