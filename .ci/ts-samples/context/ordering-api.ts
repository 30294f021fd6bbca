// Lesson 09-01's module interface names the ordering module's own types.
type OrderId = string & { readonly brand: "OrderId" };
type OrderLine = { sku: string; quantity: number };
type OrderSummary = { id: OrderId; status: string; totalCents: number };

//// sample ////
