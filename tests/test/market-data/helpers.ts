// Market-data journeys through the gateway: the shared trader and subscription helpers
// (src/) and the client-side order book a subscriber keeps from orderBook events.
export { type BookUpdate, ClientBook, type PriceLevel } from '@flowex/server/testing';
export * from '../../src/traders.ts';
