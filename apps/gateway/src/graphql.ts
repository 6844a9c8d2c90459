// One graphql-js for the whole gateway. @apollo/federation-internals and the query planner
// load graphql's CommonJS build; an ESM `import 'graphql'` would load a second copy whose
// schemas and errors the first rejects ("from another module or realm"). So the gateway
// takes graphql (and graphql-armor, whose rules use it) through require().
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const graphql = require('graphql') as typeof import('graphql');
export const armor =
  require('@escape.tech/graphql-armor') as typeof import('@escape.tech/graphql-armor');
