// Lesson 07-04's cache-aside sample sits in the products module, beside its database functions.
type Product = { id: number; name: string; priceCents: number };
declare const db: {
  fetchProduct(id: number): Promise<Product>;
  updateProduct(id: number, changes: Partial<Product>): Promise<void>;
};

//// sample ////
