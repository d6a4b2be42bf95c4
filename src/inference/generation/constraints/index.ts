export { compileResponseFormat, compileSchema, asciiJson, type ValueNode } from './schema.js';
export { ConstraintGrammar, type TokenMask } from './grammar.js';
export { JsonConstraint } from './json-constraint.js';
export { buildTokenTrie, type TokenTrie } from './token-trie.js';
