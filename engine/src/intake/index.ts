export * from './protocol.ts';
export {
  type AmendOrderInput,
  amendOrder,
  type CancelAllInput,
  type CancelOrderInput,
  cancelAllOrders,
  cancelOrder,
  IntakeError,
  type IntakeErrorCode,
  type IntakeTrace,
  orderView,
  type SubmitOrderInput,
  type SubmitResult,
  submitOrder,
} from './submit.ts';
