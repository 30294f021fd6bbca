// Lesson 01-05, step 1: the sample is the body of the server's "create a payment" function,
// which has the signed-in user and their cart, and an orders repository.
declare const orders: {
  createPending(input: { userId: string; cartId: string }): Promise<{ id: number; totalCents: number }>;
  attachPaymentIntent(orderId: number, intentId: string): Promise<void>;
};

export async function createPayment(userId: string, cartId: string) {
//// sample ////
}
