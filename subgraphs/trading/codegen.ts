import { subgraphCodegen } from '@flowex/schema/codegen';

export default subgraphCodegen({
  Asset: '../data/reference.ts#AssetRow',
  Market: '../data/reference.ts#MarketRow',
  Order: '../data/orders.ts#OrderRow',
  Fill: '../data/orders.ts#FillRow',
  Position: '../domain/positions.ts#PositionView',
  User: '../data/orders.ts#UserRef',
});
