// Lesson 03-05's retry helper uses the service client's test for errors worth retrying
// (connection failures, timeouts, 429, 502, 503, 504).
declare function isTransient(err: unknown): boolean;

//// sample ////
