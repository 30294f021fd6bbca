// Lesson 05-03's passkey functions take a user, a table of passkeys and a store of single-use
// challenges from the application around them.
interface User {
  id: string;
  email: string;
}

interface StoredPasskey {
  id: string;
  userId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  synced: boolean;
}

declare const passkeys: {
  forUser(userId: string): Promise<StoredPasskey[]>;
  insert(passkey: StoredPasskey): Promise<void>;
  findById(id: string): Promise<StoredPasskey | undefined>;
  updateCounter(id: string, counter: number): Promise<void>;
};

declare const challenges: {
  save(key: string, challenge: string): Promise<void>;
  take(key: string): Promise<string>;
};

//// sample ////
