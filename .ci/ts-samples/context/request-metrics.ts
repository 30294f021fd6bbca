// Lesson 11-05's metrics sample wraps the service's dispatcher, which routes a request to its
// handler and returns the response.
type Request = { method: string; path: string };
type Response = { status: number; body: string };
declare function dispatch(route: string, request: Request): Promise<Response>;

//// sample ////
