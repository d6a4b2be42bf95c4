/**
 * Which scope each root field needs, in one table. Queries need `read`, mutations and
 * subscriptions `infer`, unless listed. `generates` marks work that spends the key's
 * per-minute token quota, so it is refused once the quota is spent.
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationTypeNode, type SelectionSetNode } from 'graphql';
import type { Scope } from '../../auth/scopes.js';

export interface FieldRule {
  scope: Scope;
  generates?: boolean;
}

const BY_OPERATION: Record<OperationTypeNode, FieldRule> = {
  query: { scope: 'read' },
  mutation: { scope: 'infer' },
  subscription: { scope: 'infer' },
};

const GENERATES: FieldRule = { scope: 'infer', generates: true };

export const FIELD_RULES: Readonly<Record<string, FieldRule>> = {
  'Mutation.loadModel': { scope: 'admin' },
  'Mutation.unloadModel': { scope: 'admin' },
  // Embeds the query text or image with a model: inference, not history.
  'Query.search': { scope: 'infer' },
  'Mutation.generateText': GENERATES,
  'Mutation.captionImageText': GENERATES,
  'Subscription.generate': GENERATES,
  'Subscription.captionImage': GENERATES,
  'Subscription.runPipeline': GENERATES,
  'Subscription.transcribe': GENERATES,
};

export interface OperationRules {
  operation: OperationTypeNode;
  /** Each selected root field with the rule that applies to it. */
  fields: { name: string; rule: FieldRule }[];
}

const ROOT_TYPE: Record<OperationTypeNode, string> = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };

/** The rules of the operation that will run; null when the document does not name one that exists (execution reports that). */
export function rulesOf(document: DocumentNode, operationName?: string | null): OperationRules | null {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return null;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (selections: SelectionSetNode) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  const type = ROOT_TYPE[operation.operation];
  return {
    operation: operation.operation,
    fields: [...names].map((name) => ({
      name,
      rule: name.startsWith('__') ? { scope: 'read' } : (FIELD_RULES[`${type}.${name}`] ?? BY_OPERATION[operation.operation]),
    })),
  };
}
