/**
 * Refuses documents whose shape alone would make the server work hard, before any resolver
 * runs: too many tokens (checked while lexing, so a megabyte of `{` is never parsed), too deep,
 * too many aliases or directives, too costly. graphql-armor does the counting; this file only
 * configures it, adds the weight of fields that run a model, and gives every refusal the one
 * code QUERY_TOO_COMPLEX (400).
 */
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { ERROR_CODES } from '../../errors.js';

export interface QueryLimitsPluginOptions {
  /** @default 12 */
  maxDepth: number;
  /** @default 30 */
  maxAliases: number;
  /** @default 3000 */
  maxTokens: number;
  /** @default 30 */
  maxDirectives: number;
  /** Shape cost (graphql-armor's, lists multiplied by `first`) plus the weight of model-running fields. @default 50000 */
  maxCost: number;
  /** What one field that runs a model adds to the cost. @default 5000 */
  inferenceFieldCost: number;
}

/** Root fields that run a model (or load one); each costs far more than any shape. */
export const INFERENCE_FIELDS: ReadonlySet<string> = new Set([
  'generateText',
  'generate',
  'transcribeAudio',
  'transcribe',
  'recognizeText',
  'captionImage',
  'captionImageText',
  'classifyImage',
  'classifyImageZeroShot',
  'detectSpeech',
  'embed',
  'search',
  'addToCollection',
  'runPipeline',
  'runPipelineOnce',
  'loadModel',
]);

export function queryTooComplex(message: string): GraphQLError {
  return new GraphQLError(message.replace(/^Syntax Error: /, ''), {
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: ERROR_CODES.QUERY_TOO_COMPLEX } },
  });
}

/** Parses under the token limit; a parser that still runs out of stack is a refusal, not a 500. */
function limitedParse(maxTokens: number) {
  const reject = (_context: unknown, error: GraphQLError) => {
    throw queryTooComplex(error.message);
  };
  return (source: string | import('graphql').Source, options?: import('graphql').ParseOptions) => {
    try {
      return new MaxTokensParserWLexer(source, { ...options, n: maxTokens, onReject: [reject], propagateOnRejection: false }).parseDocument();
    } catch (error) {
      if (error instanceof RangeError) throw queryTooComplex('The document is nested too deeply to parse.');
      throw error;
    }
  };
}

function inferenceFieldCount(context: ValidationContext, selectionSet: SelectionSetNode, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += INFERENCE_FIELDS.has(selection.name.value) ? 1 : 0;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += inferenceFieldCount(context, selection.selectionSet, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += inferenceFieldCount(context, fragment.selectionSet, seen);
    }
  }
  return count;
}

/** Adds the model-running fields' weight to graphql-armor's shape cost of the same operation. */
function costRule(options: QueryLimitsPluginOptions) {
  return (context: ValidationContext): ASTVisitor => {
    let shapeCost = 0;
    const armor = costLimitRule({
      maxCost: options.maxCost,
      propagateOnRejection: false,
      onAccept: [(_ctx, details: { n: number }) => (shapeCost = details.n)],
      onReject: [(ctx, error) => ctx?.reportError(queryTooComplex(error.message))],
    })(context);
    return {
      OperationDefinition: {
        enter: (operation) => {
          shapeCost = 0;
          (armor.OperationDefinition.enter as (node: typeof operation) => void)(operation);
          const fields = inferenceFieldCount(context, operation.selectionSet, new Set());
          const cost = shapeCost + fields * options.inferenceFieldCost;
          if (shapeCost <= options.maxCost && cost > options.maxCost) {
            context.reportError(
              queryTooComplex(
                `Query cost limit of ${options.maxCost} exceeded, found ${cost} (${fields} fields that run a model at ${options.inferenceFieldCost} each).`,
              ),
            );
          }
        },
      },
    };
  };
}

export function useQueryLimits(options: QueryLimitsPluginOptions): Plugin {
  const reject = [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(queryTooComplex(error.message))];
  const common = { propagateOnRejection: false, onReject: reject };
  const rules = [
    maxDepthRule({ n: options.maxDepth, ...common }),
    maxAliasesRule({ n: options.maxAliases, ...common }),
    maxDirectivesRule({ n: options.maxDirectives, ...common }),
    costRule(options),
  ];
  const parse = limitedParse(options.maxTokens);
  return {
    onParse({ setParseFn }) {
      setParseFn(parse);
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}
