export { createStoreClient, type StoreClientOptions } from './client';
export { GrpcGuestbook, type GrpcGuestbookOptions } from './guestbook';
export { storeCheck } from './readiness';
