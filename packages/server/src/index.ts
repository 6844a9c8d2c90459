export { close, createGraphQLHttpServer, listen } from './http.ts';
export { createLogger, type Logger } from './logger.ts';
export { type RunningService, type SubgraphOptions, startSubgraph } from './subgraph.ts';
