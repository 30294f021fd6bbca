// Lesson 01-03's two versions of the price check run inside the "add to cart" handler, with the
// JSON body as the client sent it, a products repository and the application's error types.
declare const body: { productId: string; quantity: number; price: number };
declare const db: {
  products: { findById(id: string): Promise<{ active: boolean; priceCents: number } | null> };
};
declare class NotFound extends Error {}
declare class BadRequest extends Error {}

export async function addToCart() {
//// sample ////
}
