import { subgraphCodegen } from '@flowex/schema/codegen';

export default subgraphCodegen({
  User: '../data/users.ts#UserRow',
  AuthPayload: '../domain/auth.ts#AuthPayloadResult',
});
