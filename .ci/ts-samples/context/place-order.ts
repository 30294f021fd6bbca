// Lesson 03-05's order service: what it is asked for, what it answers, where inventory lives and
// the step that completes an order once stock is reserved.
type PlaceOrderRequest = { orderId: string; sku: string; quantity: number };
type Order = { id: string; reservationId: string };
declare const INVENTORY_URL: string;
declare function finish(req: PlaceOrderRequest, reservationId: string, deadline: AbortSignal): Promise<Order>;

//// sample ////
