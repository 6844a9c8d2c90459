// The subscription, waiting and client-book helpers are shared with the journeys
// (@flowex/server/testing); funded users come from the database package.
export { fundedUser } from '@flowex/db/testing';
export {
  type BookUpdate,
  ClientBook,
  type PriceLevel,
  type Subscription,
  subscribe,
  until,
} from '@flowex/server/testing';
