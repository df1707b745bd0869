// The simulator's demo credentials as the tests send them.
import type { Credentials } from '../../src/upstream/client';

export const CUSTOMER_A = '1234567890';
export const CUSTOMER_B = '2222222222';
export const KEY_A: Credentials = { apiKey: 'demo-api-key', customerId: CUSTOMER_A };
export const BEARER_A: Credentials = { authorization: 'Bearer demo-token', customerId: CUSTOMER_A };
export const KEY_B: Credentials = { apiKey: 'demo-api-key-2', customerId: CUSTOMER_B };
